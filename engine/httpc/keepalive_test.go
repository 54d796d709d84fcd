package httpc

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/reslua/reslua/engine/outcome"
)

// idleCloser is a net/http server on 127.0.0.1 that can close its idle
// keep-alive connections on demand, as Node does after its
// keepAliveTimeout; it counts the POSTs it handled by body.
type idleCloser struct {
	srv  *httptest.Server
	idle chan net.Conn // a connection went idle

	mu   sync.Mutex
	seen map[string]int
}

func newIdleCloser(t *testing.T) *idleCloser {
	s := &idleCloser{idle: make(chan net.Conn, 64), seen: map[string]int{}}
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.seen[string(b)]++
		s.mu.Unlock()
		fmt.Fprintf(w, "got %s", b)
	}))
	s.srv.Config.ConnState = func(c net.Conn, st http.ConnState) {
		if st == http.StateIdle {
			s.idle <- c
		}
	}
	s.srv.Start()
	t.Cleanup(s.srv.Close)
	return s
}

// closeIdle waits until n connections went idle on the server and closes
// them.
func (s *idleCloser) closeIdle(n int) {
	for range n {
		(<-s.idle).Close()
	}
}

// waitIdleClosed waits until the server's close of each of c's n idle
// connections has reached the client's socket (the FIN is readable): an
// event, not a time.
func waitIdleClosed(t *testing.T, c *Client, n int) {
	t.Helper()
	c.pool.mu.Lock()
	idle := slices.Clone(c.pool.idle)
	c.pool.mu.Unlock()
	if len(idle) != n {
		t.Fatalf("%d idle connections, want %d", len(idle), n)
	}
	for _, cn := range idle {
		if cn.rc == nil {
			t.Fatal("not a socket")
		}
		cn.rc.Read(func(fd uintptr) bool { cn.peek(fd); return !cn.quiet })
	}
}

// TestServerClosedIdleConnections: a server that closes idle keep-alive
// connections (Node after 5 s) costs no request, not even a POST, which
// is never resent: each stale connection is found closed before the
// request is written on it, and counted as a reconnect.
func TestServerClosedIdleConnections(t *testing.T) {
	s := newIdleCloser(t)
	c := &Client{Addr: s.srv.Listener.Addr().String()}
	defer c.Close()
	post, _ := NewTemplate("POST", "/mcp")
	const conns, rounds = 4, 5
	resps := make([]Response, conns)
	id := 0
	for round := range rounds + 1 {
		if round > 0 {
			s.closeIdle(conns)
			waitIdleClosed(t, c, conns)
		}
		// conns POSTs at once: conns connections, all idle after.
		for i := range resps {
			id++
			body := fmt.Sprintf("call-%d", id)
			if err := c.Do(context.Background(), &Request{Template: post, Body: []byte(body)}, &resps[i]); err != nil {
				t.Fatalf("round %d, POST %d: %v (kind %s)", round, i, err, kindOf(err))
			}
		}
		for i := range resps {
			b, err := resps[i].ReadAll(nil, 100)
			if err != nil || !strings.HasPrefix(string(b), "got call-") {
				t.Fatalf("round %d: body %q, %v", round, b, err)
			}
		}
	}
	st := c.Stats()
	if want := (Stats{Dials: conns * (rounds + 1), Reconnects: conns * rounds}); st != want {
		t.Errorf("Stats = %+v, want %+v", st, want)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.seen) != id {
		t.Errorf("server handled %d distinct POSTs, want %d", len(s.seen), id)
	}
	for b, n := range s.seen {
		if n != 1 {
			t.Errorf("%s handled %d times", b, n)
		}
	}
}

// TestStaleAfterWrite: the server takes a request on a kept-alive
// connection and closes it without answering, so the request may have
// been processed. A POST fails and is not sent again; a replayable request
// goes again on a fresh connection.
func TestStaleAfterWrite(t *testing.T) {
	var requests atomic.Int64
	s := newRawServer(t, func(_ int64, c net.Conn) {
		br := bufio.NewReader(c)
		if _, err := readRequest(br); err != nil {
			return
		}
		requests.Add(1)
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
		if _, err := readRequest(br); err != nil {
			return
		}
		requests.Add(1) // then close without answering
	})
	post, _ := NewTemplate("POST", "/mcp")
	for i, tc := range []struct {
		req *Request
		ok  bool
	}{
		{&Request{}, true},                                      // GET: replayed
		{&Request{Template: post}, false},                       // POST: not
		{&Request{Template: post, Replayable: true}, true},      // unless allowed
		{&Request{Template: mustTemplate("DELETE", "/")}, true}, // idempotent
	} {
		c := s.client(t)
		accepted, before := s.accepted.Load(), requests.Load()
		var resp Response
		if err := c.Do(context.Background(), &Request{}, &resp); err != nil {
			t.Fatalf("%d: priming request: %v", i, err)
		}
		if _, err := resp.ReadAll(nil, 10); err != nil {
			t.Fatal(err)
		}
		err := c.Do(context.Background(), tc.req, &resp)
		want, wantRequests := Stats{Dials: 1}, int64(2)
		if tc.ok {
			if err != nil {
				t.Fatalf("%d: not replayed: %v", i, err)
			}
			if _, err := resp.ReadAll(nil, 10); err != nil {
				t.Fatal(err)
			}
			want, wantRequests = Stats{Dials: 2, Reconnects: 1, Replays: 1}, 3
		} else if k := kindOf(err); k != outcome.EOF && k != outcome.Reset {
			t.Fatalf("%d: err %v (kind %s), want eof or reset", i, err, k)
		}
		c.Close()
		if st := c.Stats(); st != want {
			t.Errorf("%d: Stats = %+v, want %+v", i, st, want)
		}
		if n := s.accepted.Load() - accepted; n != want.Dials {
			t.Errorf("%d: server accepted %d connections, want %d", i, n, want.Dials)
		}
		if tc.ok {
			continue
		}
		// The request reached the server once, and only once (the
		// server counted it before closing the connection).
		if n := requests.Load() - before; n != wantRequests {
			t.Errorf("%d: server read %d requests, want %d", i, n, wantRequests)
		}
	}
}

// brokenConn is a TCP connection whose writes fail as one closed by the
// peer fails, with no byte taken, once broken is set.
type brokenConn struct {
	net.Conn
	broken *atomic.Bool
}

func (b brokenConn) Write(p []byte) (int, error) {
	if b.broken.Load() {
		return 0, &net.OpError{Op: "write", Net: "tcp", Err: syscall.EPIPE}
	}
	return b.Conn.Write(p)
}

// TestNothingWrittenIsResent: when the write on a kept-alive connection
// fails with no byte of the request taken, nothing of it can have reached
// the server, so even a POST goes again on a fresh connection, once.
func TestNothingWrittenIsResent(t *testing.T) {
	s := newIdleCloser(t)
	var broken atomic.Bool
	var dials atomic.Int64
	c := &Client{Addr: s.srv.Listener.Addr().String(), Dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
		nc, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		if dials.Add(1) == 1 {
			return brokenConn{nc, &broken}, nil // not a syscall.Conn: no look before writing
		}
		return nc, nil
	}}
	defer c.Close()
	post, _ := NewTemplate("POST", "/mcp")
	var resp Response
	for i, body := range []string{"one", "two"} {
		if i == 1 {
			broken.Store(true)
		}
		if err := c.Do(context.Background(), &Request{Template: post, Body: []byte(body)}, &resp); err != nil {
			t.Fatalf("POST %s: %v", body, err)
		}
		if b, err := resp.ReadAll(nil, 100); err != nil || string(b) != "got "+body {
			t.Fatalf("POST %s: %q, %v", body, b, err)
		}
	}
	if st, want := c.Stats(), (Stats{Dials: 2, Reconnects: 1}); st != want {
		t.Errorf("Stats = %+v, want %+v", st, want)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.seen["one"] != 1 || s.seen["two"] != 1 || len(s.seen) != 2 {
		t.Errorf("server saw %v", s.seen)
	}
}
