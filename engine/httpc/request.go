package httpc

import "fmt"

// Request is one request to send: a Template plus what varies per request.
// It is read, never kept, by Do; build one per call on the stack or reuse
// one. The zero value sends "GET /" with no body.
type Request struct {
	// Template holds the method, path and fixed headers; nil: GET /.
	Template *Template
	// Header holds per-request headers, {name, value}, sent after the
	// Template's (an Mcp-Session-Id, say); nil: none. Names must be tokens
	// and values free of control characters (Do refuses them with
	// ErrInvalid); Content-Length and Transfer-Encoding must not appear.
	Header [][2]string
	// Body is sent as is with a Content-Length; nil: no body, and no
	// Content-Length except for POST, PUT and PATCH, which send 0.
	Body []byte
	// Replayable allows Do to send a non-idempotent request (POST, PATCH,
	// ...) again on a fresh connection when a kept-alive one turns out to
	// have been closed by the server before any byte of the response came
	// back. GET, HEAD, OPTIONS, TRACE, PUT and DELETE are always replayed
	// so; false: other methods fail with the connection's error.
	Replayable bool
}

// replayable reports whether r may be sent again on a fresh connection.
func (r *Request) replayable(t *Template) bool { return r.Replayable || t.idempotent }

// appendTo appends the request's head and, when it fits in the same
// write, its body to b; it reports whether the body was appended. host is
// the Client's "Host: ...\r\n" line.
func (r *Request) appendTo(b []byte, t *Template, host []byte) ([]byte, bool, error) {
	b = append(b, t.head...)
	if !t.hasHost {
		b = append(b, host...)
	}
	for _, h := range r.Header {
		if !isToken(h[0]) || !validValue(h[1]) || isFramingHeader(h[0]) {
			return b, false, checkRequestHeader(h[0], h[1])
		}
		b = appendHeader(b, h[0], h[1])
	}
	if r.Body != nil || t.sendLength {
		b = append(b, "Content-Length: "...)
		b = appendInt(b, len(r.Body))
		b = append(b, "\r\n"...)
	}
	b = append(b, "\r\n"...)
	if len(r.Body) <= maxCoalesce {
		return append(b, r.Body...), true, nil
	}
	return b, false, nil
}

// maxCoalesce is the largest body copied behind the head into one write;
// a larger one is written from the caller's slice.
const maxCoalesce = 32 << 10

// validValue reports whether v is free of control characters other than
// tab.
func validValue[S ~string | ~[]byte](v S) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

func isFramingHeader(name string) bool {
	return len(name) == len("Content-Length") && equalFold(name, "Content-Length") ||
		len(name) == len("Transfer-Encoding") && equalFold(name, "Transfer-Encoding")
}

func checkRequestHeader(name, value string) error {
	err := checkHeader(name, value)
	if err == nil {
		err = fmt.Errorf("%w: header %s is set by the client", ErrInvalid, name)
	}
	return &Error{Op: "write", Err: err}
}

// appendInt appends the decimal form of a non-negative n.
func appendInt(b []byte, n int) []byte {
	var d [20]byte
	i := len(d)
	for {
		i--
		d[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			break
		}
	}
	return append(b, d[i:]...)
}

// equalFold reports whether a and b are equal under ASCII case folding.
func equalFold[S ~string | ~[]byte](a S, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(b); i++ {
		x, y := a[i], b[i]
		if x != y && lower(x) != lower(y) {
			return false
		}
	}
	return true
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
