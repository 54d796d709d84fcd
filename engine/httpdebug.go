package engine

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
)

// HTTPDebug says what the run logs of each plain HTTP exchange, as k6's
// --http-debug does. The zero value logs nothing.
type HTTPDebug int

const (
	// HTTPDebugOff logs nothing.
	HTTPDebugOff HTTPDebug = iota
	// HTTPDebugHeaders logs the request's and the reply's heads.
	HTTPDebugHeaders
	// HTTPDebugFull also logs their bodies, the first DebugBodyBytes of
	// each.
	HTTPDebugFull
)

// DebugBodyBytes bounds the body HTTPDebugFull logs of a request or a
// reply.
const DebugBodyBytes = 4096

// httpDebug writes exchanges to the run's log, each in one Write so that
// concurrent workers' exchanges do not interleave.
type httpDebug struct {
	w    io.Writer
	full bool
}

// exchange is one exchange being written up.
type exchange struct {
	d   *httpDebug
	buf bytes.Buffer
}

// begin starts the write-up of a request of target, sent as method path
// with headers (name, value pairs, in order) and body.
func (d *httpDebug) begin(target, method, path string, header [][2]string, body []byte) *exchange {
	e := &exchange{d: d}
	fmt.Fprintf(&e.buf, "http-debug: target %q: request:\n%s %s HTTP/1.1\n", target, method, path)
	for _, h := range header {
		fmt.Fprintf(&e.buf, "%s: %s\n", h[0], h[1])
	}
	if body != nil {
		fmt.Fprintf(&e.buf, "Content-Length: %d\n", len(body))
	}
	e.body(body)
	return e
}

// body writes a blank line and, when the exchange logs bodies, body's
// first DebugBodyBytes.
func (e *exchange) body(body []byte) {
	if !e.d.full || len(body) == 0 {
		return
	}
	e.buf.WriteByte('\n')
	if len(body) > DebugBodyBytes {
		e.buf.Write(body[:DebugBodyBytes])
		fmt.Fprintf(&e.buf, "\n[%d more bytes]", len(body)-DebugBodyBytes)
	} else {
		e.buf.Write(body)
	}
	e.buf.WriteByte('\n')
}

// reply writes the reply's status line and headers and, logging bodies,
// its body (as much as was read).
func (e *exchange) reply(status int, reason string, header [][2]string, body []byte) {
	if reason == "" {
		reason = http.StatusText(status)
	}
	fmt.Fprintf(&e.buf, "reply:\nHTTP/1.1 %s %s\n", strconv.Itoa(status), reason)
	for _, h := range header {
		fmt.Fprintf(&e.buf, "%s: %s\n", h[0], h[1])
	}
	e.body(body)
}

// fail writes that no reply came, and why.
func (e *exchange) fail(err error) { fmt.Fprintf(&e.buf, "reply: none: %v\n", err) }

// end writes the exchange to the log.
func (e *exchange) end() {
	e.buf.WriteByte('\n')
	e.d.w.Write(e.buf.Bytes())
}

// sortedHeader returns h as name, value pairs, sorted by name.
func sortedHeader(h http.Header) [][2]string {
	var out [][2]string
	for k, vs := range h {
		for _, v := range vs {
			out = append(out, [2]string{k, v})
		}
	}
	slices.SortStableFunc(out, func(a, b [2]string) int {
		if a[0] < b[0] {
			return -1
		}
		if a[0] > b[0] {
			return 1
		}
		return 0
	})
	return out
}
