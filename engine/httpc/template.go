package httpc

import (
	"fmt"
	"strings"
)

// Template is the fixed part of a request: method, path and headers,
// encoded once by NewTemplate into the bytes that start every request made
// from it. A Template is immutable and safe to share between goroutines. A
// nil *Template in a Request means NewTemplate("GET", "/").
type Template struct {
	method     string
	head       []byte // "METHOD path HTTP/1.1\r\n" and the headers, each ending in "\r\n"
	hasHost    bool   // the headers include Host; the Client's is not added
	sendLength bool   // send Content-Length even when the body is empty
	idempotent bool   // a replay on a fresh connection is always allowed
	isHead     bool   // HEAD: the response has no body
}

var defaultTemplate = mustTemplate("GET", "/")

func mustTemplate(method, path string, header ...[2]string) *Template {
	t, err := NewTemplate(method, path, header...)
	if err != nil {
		panic(err)
	}
	return t
}

// NewTemplate encodes a request line and headers. method is an HTTP token
// (zero: GET), path the request target, e.g. "/mcp" or "/get?x=1" (zero:
// "/"); each header is {name, value}. The Host header comes from the
// Client unless header sets one. Content-Length is the Client's to send
// and Transfer-Encoding is not supported: both are refused, with any
// method, path or header that would break the request's framing (spaces or
// control characters); the error wraps ErrInvalid.
func NewTemplate(method, path string, header ...[2]string) (*Template, error) {
	if method == "" {
		method = "GET"
	}
	if path == "" {
		path = "/"
	}
	if !isToken(method) {
		return nil, fmt.Errorf("%w: method %q", ErrInvalid, method)
	}
	for i := 0; i < len(path); i++ {
		if c := path[i]; c <= ' ' || c == 0x7f {
			return nil, fmt.Errorf("%w: path %q", ErrInvalid, path)
		}
	}
	t := &Template{method: method}
	switch method {
	case "GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE":
		t.idempotent = true
	}
	switch method {
	case "POST", "PUT", "PATCH":
		t.sendLength = true
	}
	t.isHead = method == "HEAD"
	n := len(method) + len(path) + 12
	for _, h := range header {
		n += len(h[0]) + len(h[1]) + 4
	}
	b := make([]byte, 0, n)
	b = append(b, method...)
	b = append(b, ' ')
	b = append(b, path...)
	b = append(b, " HTTP/1.1\r\n"...)
	for _, h := range header {
		if err := checkHeader(h[0], h[1]); err != nil {
			return nil, err
		}
		switch {
		case strings.EqualFold(h[0], "Host"):
			t.hasHost = true
		case strings.EqualFold(h[0], "Content-Length"), strings.EqualFold(h[0], "Transfer-Encoding"):
			return nil, fmt.Errorf("%w: header %s is set by the client", ErrInvalid, h[0])
		}
		b = appendHeader(b, h[0], h[1])
	}
	t.head = b
	return t, nil
}

// Method returns the template's method.
func (t *Template) Method() string { return t.method }

func appendHeader(b []byte, name, value string) []byte {
	b = append(b, name...)
	b = append(b, ": "...)
	b = append(b, value...)
	return append(b, "\r\n"...)
}

// checkHeader refuses a header name that is not a token and a value with
// control characters other than tab.
func checkHeader(name, value string) error {
	if !isToken(name) {
		return fmt.Errorf("%w: header name %q", ErrInvalid, name)
	}
	for i := 0; i < len(value); i++ {
		if c := value[i]; c < ' ' && c != '\t' || c == 0x7f {
			return fmt.Errorf("%w: header %s: value %q", ErrInvalid, name, value)
		}
	}
	return nil
}

// isToken reports whether s is a non-empty RFC 9110 token.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !tokenChar[s[i]] {
			return false
		}
	}
	return true
}

var tokenChar = func() (t [256]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
		t[c-'a'+'A'] = true
	}
	for _, c := range "!#$%&'*+-.^_`|~" {
		t[c] = true
	}
	return t
}()
