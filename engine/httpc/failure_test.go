package httpc

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/reslua/reslua/engine/outcome"
)

func TestConnectRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	c := &Client{Addr: addr}
	defer c.Close()
	var resp Response
	err = c.Do(context.Background(), &Request{}, &resp)
	if k := kindOf(err); k != outcome.ConnectRefused {
		t.Fatalf("err %v (kind %s), want connect_refused", err, k)
	}
	var e *Error
	if !errors.As(err, &e) || e.Op != "dial" {
		t.Errorf("err %#v, want an *Error from dial", err)
	}
}

func TestResetMidBody(t *testing.T) {
	headRead := make(chan struct{})
	s := newRawServer(t, func(_ int64, c net.Conn) {
		if _, err := readRequest(bufio.NewReader(c)); err != nil {
			return
		}
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n0123456789")
		<-headRead
		c.(*net.TCPConn).SetLinger(0) // close with RST
	})
	c := s.client(t)
	var resp Response
	if err := c.Do(context.Background(), &Request{}, &resp); err != nil {
		t.Fatal(err)
	}
	close(headRead)
	_, err := resp.ReadAll(nil, 1<<20)
	if k := kindOf(err); k != outcome.Reset {
		t.Fatalf("err %v (kind %s), want reset", err, k)
	}
	// The broken connection is not reused.
	if resp.conn != nil {
		t.Error("connection still held after a failed body")
	}
}

func TestEOFMidBody(t *testing.T) {
	for name, reply := range map[string]string{
		"length":  "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort",
		"chunked": "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel",
		"head":    "HTTP/1.1 200 OK\r\nContent-Le",
	} {
		t.Run(name, func(t *testing.T) {
			s := newRawServer(t, func(_ int64, c net.Conn) {
				if _, err := readRequest(bufio.NewReader(c)); err == nil {
					io.WriteString(c, reply)
				}
			})
			c := s.client(t)
			var resp Response
			err := c.Do(context.Background(), &Request{}, &resp)
			if err == nil {
				_, err = resp.ReadAll(nil, 1<<20)
			}
			if k := kindOf(err); k != outcome.EOF || !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Fatalf("err %v (kind %s), want unexpected EOF", err, k)
			}
		})
	}
}

// stallServer reads a request, sends head (maybe empty) and then nothing
// until the test ends; got is signalled when the request is in.
func stallServer(t *testing.T, head string) (*rawServer, chan struct{}) {
	got := make(chan struct{}, 1)
	release := make(chan struct{})
	s := newRawServer(t, func(_ int64, c net.Conn) {
		if _, err := readRequest(bufio.NewReader(c)); err != nil {
			return
		}
		io.WriteString(c, head)
		got <- struct{}{}
		<-release
	})
	t.Cleanup(func() { close(release) }) // runs before the server's cleanup
	return s, got
}

func TestDeadline(t *testing.T) {
	for name, head := range map[string]string{
		"head":          "",
		"body":          "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc",
		"chunked body":  "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n",
		"body to close": "HTTP/1.1 200 OK\r\n\r\nabc",
	} {
		t.Run(name, func(t *testing.T) {
			s, _ := stallServer(t, head)
			c := s.client(t)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
			defer cancel()
			var resp Response
			err := c.Do(ctx, &Request{}, &resp)
			if err == nil {
				_, err = resp.ReadAll(nil, 1<<20)
			}
			if k := kindOf(err); k != outcome.Timeout {
				t.Fatalf("err %v (kind %s), want timeout", err, k)
			}
		})
	}
}

func TestCancel(t *testing.T) {
	for name, head := range map[string]string{
		"head": "",
		"body": "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc",
	} {
		t.Run(name, func(t *testing.T) {
			s, got := stallServer(t, head)
			c := s.client(t)
			ctx, cancel := context.WithCancel(context.Background())
			go func() {
				<-got
				cancel()
			}()
			var resp Response
			err := c.Do(ctx, &Request{}, &resp)
			if err == nil {
				_, err = resp.ReadAll(nil, 1<<20)
			}
			if k := kindOf(err); k != outcome.Canceled {
				t.Fatalf("err %v (kind %s), want canceled", err, k)
			}
		})
	}
}

func TestCancelledBeforeDo(t *testing.T) {
	s, _ := stallServer(t, "")
	c := s.client(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var resp Response
	if err := c.Do(ctx, &Request{}, &resp); kindOf(err) != outcome.Canceled {
		t.Fatalf("err %v, want canceled", err)
	}
}

func TestDeadlineClearedForNextRequest(t *testing.T) {
	// A connection used under a deadline must not keep it for a request
	// without one.
	s := newRawServer(t, func(_ int64, c net.Conn) {
		br := bufio.NewReader(c)
		for {
			if _, err := readRequest(br); err != nil {
				return
			}
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
		}
	})
	c := s.client(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	var resp Response
	if err := c.Do(ctx, &Request{}, &resp); err != nil {
		t.Fatal(err)
	}
	resp.Discard(10)
	cancel() // the interrupt must not fire on the pooled connection
	for range 3 {
		if err := c.Do(context.Background(), &Request{}, &resp); err != nil {
			t.Fatal(err)
		}
		if err := resp.Discard(10); err != nil {
			t.Fatal(err)
		}
	}
	if st := c.Stats(); st.Dials != 1 {
		t.Errorf("Dials = %d, want 1", st.Dials)
	}
}

func TestMalformed(t *testing.T) {
	for _, reply := range []string{
		"HTTP/2 200 OK\r\n\r\n",
		"HTTP/1.1 20 OK\r\n\r\n",
		"HTTP/1.1 200OK\r\n\r\n",
		"HTTP/1.1 099 Low\r\n\r\n",
		"ICY 200 OK\r\n\r\n",
		"HTTP/1.1 200 OK\r\nBad Header: x\r\n\r\n",
		"HTTP/1.1 200 OK\r\n: novalue\r\n\r\n",
		"HTTP/1.1 200 OK\r\nNoColon\r\n\r\n",
		"HTTP/1.1 200 OK\r\nX: a\r\n folded\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
		"HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1000000000000000\r\n",
		"HTTP/1.1 200 OK\r\nX-Big: " + string(make([]byte, 2000)) + "\r\n\r\n",
	} {
		s := newRawServer(t, func(_ int64, c net.Conn) {
			if _, err := readRequest(bufio.NewReader(c)); err == nil {
				io.WriteString(c, reply)
			}
		})
		c := &Client{Addr: s.ln.Addr().String(), MaxHeaderBytes: 1024}
		var resp Response
		err := c.Do(context.Background(), &Request{}, &resp)
		if err == nil {
			_, err = resp.ReadAll(nil, 1<<20)
		}
		if !errors.Is(err, ErrMalformed) {
			t.Errorf("reply %.60q: err %v, want ErrMalformed", reply, err)
		}
		c.Close()
	}
}

func TestClientTimeout(t *testing.T) {
	s, _ := stallServer(t, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")
	c := &Client{Addr: s.ln.Addr().String(), Timeout: 20 * time.Millisecond}
	defer c.Close()
	var resp Response
	err := c.Do(context.Background(), &Request{}, &resp)
	if err == nil {
		_, err = resp.ReadAll(nil, 1<<20)
	}
	if k := kindOf(err); k != outcome.Timeout {
		t.Fatalf("err %v (kind %s), want timeout", err, k)
	}
}

// TestLongLivedContext uses one cancellable context for many requests (the
// watch stays registered between them), then cancels it mid-request.
func TestLongLivedContext(t *testing.T) {
	stall := make(chan struct{})
	got := make(chan struct{})
	s := newRawServer(t, func(_ int64, c net.Conn) {
		br := bufio.NewReader(c)
		for {
			r, err := readRequest(br)
			if err != nil {
				return
			}
			if r.path == "/stall" {
				got <- struct{}{}
				<-stall
				return
			}
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
		}
	})
	defer close(stall)
	c := &Client{Addr: s.ln.Addr().String(), Timeout: time.Hour}
	defer c.Close()
	ctx, cancel := context.WithCancel(context.Background())
	var resp Response
	for range 5 {
		if err := c.Do(ctx, &Request{}, &resp); err != nil {
			t.Fatal(err)
		}
		if err := resp.Discard(10); err != nil {
			t.Fatal(err)
		}
	}
	go func() {
		<-got
		cancel()
	}()
	err := c.Do(ctx, &Request{Template: mustTemplate("GET", "/stall")}, &resp)
	if k := kindOf(err); k != outcome.Canceled {
		t.Fatalf("err %v (kind %s), want canceled", err, k)
	}
	// A new context on the same client works; the cancelled one's watch
	// does not touch it.
	if err := c.Do(context.Background(), &Request{}, &resp); err != nil {
		t.Fatal(err)
	}
	resp.Discard(10)
	if st := c.Stats(); st.Dials != 2 {
		t.Errorf("Dials = %d, want 2 (the interrupted connection is replaced)", st.Dials)
	}
}

// TestNotASocket runs requests over a net.Conn that is not a socket (no
// syscall.RawConn): the plain read and write path.
func TestNotASocket(t *testing.T) {
	c := &Client{Addr: "pipe:1", Dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
		client, server := net.Pipe()
		go func() {
			defer server.Close()
			br := bufio.NewReader(server)
			for {
				if _, err := readRequest(br); err != nil {
					return
				}
				io.WriteString(server, "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\npipe")
			}
		}()
		return client, nil
	}}
	defer c.Close()
	for range 3 {
		resp, body := get(t, c, "/")
		if resp.Status != 200 || body != "pipe" {
			t.Fatalf("%d %q", resp.Status, body)
		}
	}
	if st := c.Stats(); st.Dials != 1 {
		t.Errorf("Dials = %d, want 1", st.Dials)
	}
}
