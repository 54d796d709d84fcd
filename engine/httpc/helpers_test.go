package httpc

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/reslua/reslua/engine/outcome"
)

// countingServer is an httptest server that counts the connections it
// accepts.
type countingServer struct {
	*httptest.Server
	accepted atomic.Int64
}

func newCountingServer(t testing.TB, h http.Handler) *countingServer {
	t.Helper()
	s := &countingServer{}
	s.Server = httptest.NewUnstartedServer(h)
	s.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			s.accepted.Add(1)
		}
	}
	s.Start()
	t.Cleanup(s.Close)
	return s
}

func (s *countingServer) client(t testing.TB) *Client {
	c := &Client{Addr: s.Listener.Addr().String()}
	t.Cleanup(func() { c.Close() })
	return c
}

// rawServer accepts connections on 127.0.0.1 and runs serve on each, for
// servers that misbehave on purpose.
type rawServer struct {
	ln       net.Listener
	accepted atomic.Int64
	wg       sync.WaitGroup
	mu       sync.Mutex
	conns    []net.Conn
}

func newRawServer(t testing.TB, serve func(n int64, c net.Conn)) *rawServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &rawServer{ln: ln}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			n := s.accepted.Add(1)
			s.mu.Lock()
			s.conns = append(s.conns, c)
			s.mu.Unlock()
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				defer c.Close()
				serve(n, c)
			}()
		}
	}()
	t.Cleanup(s.close)
	return s
}

func (s *rawServer) close() {
	s.ln.Close()
	s.mu.Lock()
	for _, c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

func (s *rawServer) client(t testing.TB) *Client {
	c := &Client{Addr: s.ln.Addr().String()}
	t.Cleanup(func() { c.Close() })
	return c
}

// serverRequest is what readRequest read.
type serverRequest struct {
	method, path string
	header       http.Header
	body         []byte
}

// readRequest reads one request (Content-Length bodies only) from br.
func readRequest(br *bufio.Reader) (*serverRequest, error) {
	line, err := br.ReadString('\n')
	if err != nil {
		return nil, err
	}
	f := bytes.Fields([]byte(line))
	if len(f) != 3 {
		return nil, errors.New("bad request line " + strconv.Quote(line))
	}
	r := &serverRequest{method: string(f[0]), path: string(f[1]), header: http.Header{}}
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return nil, err
		}
		line = line[:len(line)-2]
		if line == "" {
			break
		}
		k, v, _ := bytes.Cut([]byte(line), []byte(": "))
		r.header.Add(string(k), string(v))
	}
	if cl := r.header.Get("Content-Length"); cl != "" {
		n, _ := strconv.Atoi(cl)
		r.body = make([]byte, n)
		if _, err := io.ReadFull(br, r.body); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// serveFixed answers every request on c with resp, allocating nothing per
// request: the benchmark peer.
func serveFixed(c net.Conn, resp []byte) {
	br := bufio.NewReaderSize(c, 4096)
	bw := bufio.NewWriterSize(c, 4096)
	for {
		length := 0
		for {
			line, err := br.ReadSlice('\n')
			if err != nil {
				return
			}
			if len(line) <= 2 {
				break
			}
			if len(line) > 16 && equalFold(line[:16], "Content-Length: ") {
				n, _ := parseLength(trimSpace(line[16 : len(line)-2]))
				length = int(n)
			}
		}
		if _, err := br.Discard(length); err != nil {
			return
		}
		bw.Write(resp)
		if br.Buffered() > 0 {
			continue // pipelined: flush after the last one
		}
		if err := bw.Flush(); err != nil {
			return
		}
	}
}

// kindOf is how the engine would classify err.
func kindOf(err error) outcome.Kind { return outcome.Of(err) }

// get sends a GET to path and reads the whole body.
func get(t testing.TB, c *Client, path string) (*Response, string) {
	t.Helper()
	tpl, err := NewTemplate("GET", path)
	if err != nil {
		t.Fatal(err)
	}
	resp := new(Response)
	if err := c.Do(context.Background(), &Request{Template: tpl}, resp); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	b, err := resp.ReadAll(nil, 1<<20)
	if err != nil {
		t.Fatalf("GET %s: body: %v", path, err)
	}
	return resp, string(b)
}
