package httpc

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/textproto"
	"strconv"
)

// Transport adapts a Client to http.RoundTripper, so that code written
// against net/http types switches with one line:
//
//	hc := &http.Client{Transport: &httpc.Transport{Client: c}}
//
// It is the slow path: every call builds a Template, reads the request
// body into memory, and copies the response headers into an http.Header.
// Use Client.Do in request loops. Requests must be http:// to the Client's
// Addr (or its Host); others fail with ErrOrigin. A request is replayed on
// a stale connection when its method is idempotent or it has an
// Idempotency-Key or X-Idempotency-Key header, as net/http does. The zero
// value has no Client and fails every call with ErrInvalid.
type Transport struct {
	// Client sends the requests; required.
	Client *Client
}

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	closeBody := func() {
		if req.Body != nil {
			req.Body.Close()
		}
	}
	c := t.Client
	if c == nil {
		closeBody()
		return nil, fmt.Errorf("%w: Transport without a Client", ErrInvalid)
	}
	if err := c.init(); err != nil {
		closeBody()
		return nil, err
	}
	if req.URL == nil || req.URL.Scheme != "http" || !c.isOrigin(req.URL.Host) {
		closeBody()
		return nil, fmt.Errorf("%w: %s", ErrOrigin, req.URL.Redacted())
	}
	var body []byte
	if req.Body != nil && req.Body != http.NoBody {
		b, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, &Error{Op: "read request body", Err: err}
		}
		body = b
	}
	host := req.Host
	if host == "" {
		host = req.URL.Host
	}
	header := make([][2]string, 0, len(req.Header)+1)
	header = append(header, [2]string{"Host", host})
	replayable := false
	for k, vs := range req.Header {
		switch textproto.CanonicalMIMEHeaderKey(k) {
		case "Host", "Content-Length", "Transfer-Encoding":
			continue
		case "Idempotency-Key", "X-Idempotency-Key":
			replayable = true
		}
		for _, v := range vs {
			header = append(header, [2]string{k, v})
		}
	}
	tpl, err := NewTemplate(req.Method, req.URL.RequestURI(), header...)
	if err != nil {
		return nil, err
	}
	resp := new(Response)
	if err := c.Do(req.Context(), &Request{Template: tpl, Body: body, Replayable: replayable}, resp); err != nil {
		return nil, err
	}
	hr := &http.Response{
		Status:        strconv.Itoa(resp.Status) + " " + string(resp.Reason()),
		StatusCode:    resp.Status,
		Proto:         "HTTP/1." + strconv.Itoa(resp.ProtoMinor),
		ProtoMajor:    1,
		ProtoMinor:    resp.ProtoMinor,
		Header:        make(http.Header, len(resp.fields)),
		ContentLength: resp.ContentLength,
		Close:         resp.ConnClose,
		Body:          transportBody{resp},
		Request:       req,
	}
	if resp.Chunked {
		hr.TransferEncoding = []string{"chunked"}
	}
	for name, value := range resp.Headers() {
		k := textproto.CanonicalMIMEHeaderKey(string(name))
		hr.Header[k] = append(hr.Header[k], string(value))
	}
	return hr, nil
}

// isOrigin reports whether host (from a URL, maybe without a port) names
// the Client's origin.
func (c *Client) isOrigin(host string) bool {
	if _, _, err := net.SplitHostPort(host); err != nil {
		host = net.JoinHostPort(host, "80")
	}
	if host == c.Addr {
		return true
	}
	if c.Host == "" {
		return false
	}
	h := c.Host
	if _, _, err := net.SplitHostPort(h); err != nil {
		h = net.JoinHostPort(h, "80")
	}
	return host == h
}

// transportBody is a Response body as an io.ReadCloser.
type transportBody struct{ r *Response }

func (b transportBody) Read(p []byte) (int, error) { return b.r.Body.Read(p) }

func (b transportBody) Close() error { return b.r.Close() }
