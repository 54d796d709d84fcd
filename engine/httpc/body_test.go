package httpc

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
)

func TestBodyLimit(t *testing.T) {
	s := newCountingServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body := strings.Repeat("x", 5000)
		if r.URL.Path == "/chunked" {
			io.WriteString(w, body[:2500])
			w.(http.Flusher).Flush()
			io.WriteString(w, body[2500:])
			return
		}
		w.Header().Set("Content-Length", "5000")
		io.WriteString(w, body)
	}))
	c := s.client(t)
	for i, path := range []string{"/length", "/chunked"} {
		tpl, _ := NewTemplate("GET", path)
		var resp Response
		if err := c.Do(context.Background(), &Request{Template: tpl}, &resp); err != nil {
			t.Fatal(err)
		}
		b, err := resp.ReadAll(nil, 4096)
		if !errors.Is(err, ErrTooLarge) {
			t.Fatalf("%s: err %v, want ErrTooLarge", path, err)
		}
		if path == "/chunked" && len(b) != 4096 {
			t.Errorf("%s: got %d bytes before the limit, want 4096", path, len(b))
		}
		// The unread rest cannot carry another response: closed.
		get(t, c, "/length")
		if n := s.accepted.Load(); n != int64(i+2) {
			t.Errorf("%s: accepted %d, want %d", path, n, i+2)
		}
		// A limit equal to the size is fine.
		if err := c.Do(context.Background(), &Request{Template: tpl}, &resp); err != nil {
			t.Fatal(err)
		}
		if b, err := resp.ReadAll(b[:0], 5000); err != nil || len(b) != 5000 {
			t.Errorf("%s: limit 5000: %d bytes, %v", path, len(b), err)
		}
	}
}

func TestDiscard(t *testing.T) {
	s := newCountingServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for range 4 {
			io.WriteString(w, strings.Repeat("y", 3000))
			if r.URL.Path == "/chunked" {
				w.(http.Flusher).Flush()
			}
		}
	}))
	c := s.client(t)
	for _, path := range []string{"/", "/chunked"} {
		tpl, _ := NewTemplate("GET", path)
		var resp Response
		for range 3 {
			if err := c.Do(context.Background(), &Request{Template: tpl}, &resp); err != nil {
				t.Fatal(err)
			}
			if err := resp.Discard(1 << 20); err != nil {
				t.Fatal(err)
			}
		}
		if err := c.Do(context.Background(), &Request{Template: tpl}, &resp); err != nil {
			t.Fatal(err)
		}
		if err := resp.Discard(100); !errors.Is(err, ErrTooLarge) {
			t.Errorf("%s: Discard(100): %v, want ErrTooLarge", path, err)
		}
	}
	if n := s.accepted.Load(); n != 2 {
		t.Errorf("accepted %d, want 2 (one closed by the over-limit Discard)", n)
	}
}

func TestDiscardUntilClose(t *testing.T) {
	s := newRawServer(t, func(_ int64, c net.Conn) {
		if _, err := readRequest(bufio.NewReader(c)); err == nil {
			io.WriteString(c, "HTTP/1.1 200 OK\r\n\r\n"+strings.Repeat("z", 10000))
		}
	})
	c := s.client(t)
	var resp Response
	if err := c.Do(context.Background(), &Request{}, &resp); err != nil {
		t.Fatal(err)
	}
	if err := resp.Discard(1 << 20); err != nil {
		t.Fatal(err)
	}
}

// TestSSEEarlyStop reads an event stream incrementally: each event is sent
// only after the client has read the previous one, and the client stops
// after the second. The connection is then closed (the server sees the
// request end), and the next request dials afresh.
func TestSSEEarlyStop(t *testing.T) {
	next := make(chan struct{})
	gone := make(chan struct{})
	s := newCountingServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/sse" {
			io.WriteString(w, "plain")
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		for i := 0; ; i++ {
			fmt.Fprintf(w, ": comment\n\nevent: message\ndata: {\"n\":%d}\n\n", i)
			w.(http.Flusher).Flush()
			select {
			case <-next:
			case <-r.Context().Done():
				close(gone)
				return
			}
		}
	}))
	c := s.client(t)
	tpl, _ := NewTemplate("GET", "/sse", [2]string{"Accept", "text/event-stream"})
	var resp Response
	if err := c.Do(context.Background(), &Request{Template: tpl}, &resp); err != nil {
		t.Fatal(err)
	}
	if !resp.Chunked || resp.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("chunked %v type %q", resp.Chunked, resp.Get("Content-Type"))
	}
	sc := bufio.NewScanner(&resp.Body)
	var events []string
	for sc.Scan() {
		line := sc.Text()
		if data, ok := strings.CutPrefix(line, "data: "); ok {
			events = append(events, data)
			if len(events) == 2 {
				break
			}
			next <- struct{}{}
		}
	}
	if strings.Join(events, " ") != `{"n":0} {"n":1}` {
		t.Fatalf("events %q, scan error %v", events, sc.Err())
	}
	resp.Close() // stop early: the rest of the stream is not read
	<-gone
	get(t, c, "/plain")
	if n := s.accepted.Load(); n != 2 {
		t.Errorf("accepted %d connections, want 2", n)
	}
}

// TestChunkEndSeenEarly checks that reading exactly a chunked body's data
// returns its connection when the terminating chunk is already buffered,
// without a further Read.
func TestChunkEndSeenEarly(t *testing.T) {
	s := newRawServer(t, func(_ int64, c net.Conn) {
		br := bufio.NewReader(c)
		for {
			if _, err := readRequest(br); err != nil {
				return
			}
			io.WriteString(c, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n0\r\n\r\n")
		}
	})
	c := s.client(t)
	var resp Response
	for range 2 {
		if err := c.Do(context.Background(), &Request{}, &resp); err != nil {
			t.Fatal(err)
		}
		var b [4]byte
		if _, err := io.ReadFull(&resp.Body, b[:]); err != nil || string(b[:]) != "abcd" {
			t.Fatalf("%q %v", b, err)
		}
		if resp.conn != nil {
			t.Fatal("connection still held after the last chunk was read")
		}
	}
	if st := c.Stats(); st.Dials != 1 {
		t.Errorf("Dials = %d, want 1", st.Dials)
	}
}
