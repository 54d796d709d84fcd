package httpc

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

// FuzzReadHead feeds arbitrary bytes to the response head parser and the
// body reader: they must not panic, must classify every failure, and what
// they accept must be consistent.
func FuzzReadHead(f *testing.F) {
	for _, s := range []string{
		"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n0\r\nT: 1\r\n\r\n",
		"HTTP/1.0 404 Not Found\r\nConnection: keep-alive\r\n\r\nbody",
		"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n",
		"HTTP/1.1 200 OK\nContent-Type: text/event-stream\nConnection: close\n\ndata: x\n\n",
		"HTTP/1.1 101 Switching\r\nUpgrade: websocket\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
		"HTTP/1.1 200\r\n\r\n",
	} {
		f.Add([]byte(s), false)
	}
	f.Add([]byte("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"), true)
	f.Fuzz(func(t *testing.T, data []byte, isHead bool) {
		var r Response
		br := bufio.NewReaderSize(bytes.NewReader(data), 16)
		_, err := r.readHead(br, 4096, isHead, time.Now())
		if err != nil {
			if !errors.Is(err, ErrMalformed) && err != io.EOF && err != io.ErrUnexpectedEOF {
				t.Fatalf("unclassified error %v", err)
			}
			return
		}
		if r.Status < 100 || r.Status > 999 || r.ProtoMinor > 9 {
			t.Fatalf("status %d minor %d", r.Status, r.ProtoMinor)
		}
		if r.framing == byLength && r.ContentLength <= 0 || r.framing == byChunks && !r.Chunked {
			t.Fatalf("framing %d with length %d chunked %v", r.framing, r.ContentLength, r.Chunked)
		}
		for name, value := range r.Headers() {
			if len(name) == 0 || bytes.ContainsAny(name, " \t:\r\n") || bytes.ContainsAny(value, "\r\n") {
				t.Fatalf("header %q: %q", name, value)
			}
			if got := r.Header(string(name)); got == nil {
				t.Fatalf("header %q not found", name)
			}
		}
		if strings.ContainsAny(string(r.Reason()), "\r\n") {
			t.Fatalf("reason %q", r.Reason())
		}
		// Read the body through a Response without a connection.
		r.Body = Body{r: &r, br: br, how: r.framing, n: max(r.ContentLength, 0)}
		r.ctx = nil
		if r.framing == noBody {
			r.Body.done = true
		}
		b, err := r.Body.readAll(nil, 1<<16)
		if err != nil {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("body: unclassified error %v", err)
			}
			return
		}
		if r.framing == byLength && int64(len(b)) != r.ContentLength {
			t.Fatalf("body %d bytes, Content-Length %d", len(b), r.ContentLength)
		}
	})
}
