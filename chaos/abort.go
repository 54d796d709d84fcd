package chaos

import (
	"fmt"
	"net/http"
	"net/textproto"
)

// Abort answers a request with an HTTP status instead of forwarding it:
// the reference chapter's service_failure experiment (and, on a
// dependency's proxy, dependency_failure). The target never sees the
// request. HTTP only.
type Abort struct {
	// Status is the response status, 100 to 599. Zero: 503 Service
	// Unavailable.
	Status int

	// Body is the response body. Zero: the status text and a newline, as
	// in "Service Unavailable\n".
	Body string

	// Header adds response headers, as in {"Retry-After": "1"}. A
	// Content-Type given here replaces the default. Zero: only
	// Content-Type: text/plain; charset=utf-8.
	Header map[string]string
}

// Kind returns "abort".
func (Abort) Kind() string { return "abort" }

func (a Abort) status() int {
	if a.Status == 0 {
		return http.StatusServiceUnavailable
	}
	return a.Status
}

func (a Abort) validate(_ Scope, p *problems) {
	if s := a.status(); s < 100 || s > 599 {
		p.add("Abort.Status", fmt.Sprintf("%d is outside 100..599", s))
	}
	for name := range a.Header {
		if !isToken(name) {
			p.add("Abort.Header", fmt.Sprintf("%q is not a header name", name))
		}
	}
}

func (a Abort) apply(h *hit) {
	h.plan.respond = func(w http.ResponseWriter, _ *rpcMessage) {
		status := a.status()
		body := a.Body
		if body == "" {
			body = http.StatusText(status) + "\n"
		}
		hdr := w.Header()
		hdr.Set("Content-Type", "text/plain; charset=utf-8")
		for name, v := range a.Header {
			hdr.Set(textproto.CanonicalMIMEHeaderKey(name), v)
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}
}
