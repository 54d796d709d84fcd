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
	"sync"
	"sync/atomic"
	"testing"

	"github.com/reslua/reslua/engine/outcome"
)

func TestKeepAliveReuse(t *testing.T) {
	s := newCountingServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello %s", r.URL.Path)
	}))
	c := s.client(t)
	tpl, _ := NewTemplate("GET", "/x")
	var resp Response
	var body []byte
	for i := range 50 {
		if err := c.Do(context.Background(), &Request{Template: tpl}, &resp); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		var err error
		if body, err = resp.ReadAll(body[:0], 1<<10); err != nil {
			t.Fatal(err)
		}
		if resp.Status != 200 || string(body) != "hello /x" || resp.ContentLength != 8 || resp.ConnClose {
			t.Fatalf("request %d: %d %q length %d close %v", i, resp.Status, body, resp.ContentLength, resp.ConnClose)
		}
		if resp.FirstByte <= 0 {
			t.Fatalf("FirstByte = %v", resp.FirstByte)
		}
	}
	if n := s.accepted.Load(); n != 1 {
		t.Errorf("server accepted %d connections, want 1", n)
	}
	if st := c.Stats(); st.Dials != 1 || st.Replays != 0 {
		t.Errorf("Stats = %+v", st)
	}
}

func TestHeaders(t *testing.T) {
	s := newCountingServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Mcp-Session-Id", r.Header.Get("X-Sess")+"-back")
		w.Header().Set("Content-Type", "application/json")
		w.Header().Add("X-Multi", "a")
		w.Header().Add("X-Multi", "b")
		fmt.Fprintf(w, `{"host":%q,"ua":%q,"a":%q}`, r.Host, r.UserAgent(), r.Header.Get("X-A"))
	}))
	c := s.client(t)
	tpl, err := NewTemplate("GET", "/h", [2]string{"X-A", "one"}, [2]string{"User-Agent", "reslua"})
	if err != nil {
		t.Fatal(err)
	}
	var resp Response
	if err := c.Do(context.Background(), &Request{Template: tpl, Header: [][2]string{{"X-Sess", "s1"}}}, &resp); err != nil {
		t.Fatal(err)
	}
	body, _ := resp.ReadAll(nil, 1<<10)
	want := fmt.Sprintf(`{"host":%q,"ua":"reslua","a":"one"}`, c.Addr)
	if string(body) != want {
		t.Errorf("body %s, want %s", body, want)
	}
	if got := resp.Get("mcp-session-id"); got != "s1-back" {
		t.Errorf("Mcp-Session-Id %q", got)
	}
	if got := string(resp.Header("CONTENT-TYPE")); got != "application/json" {
		t.Errorf("Content-Type %q", got)
	}
	if resp.Header("X-Absent") != nil {
		t.Error("X-Absent found")
	}
	if string(resp.Reason()) != "OK" {
		t.Errorf("Reason %q", resp.Reason())
	}
	var multi []string
	for name, value := range resp.Headers() {
		if string(name) == "X-Multi" {
			multi = append(multi, string(value))
		}
	}
	if strings.Join(multi, ",") != "a,b" {
		t.Errorf("X-Multi = %q", multi)
	}
}

func TestPostBody(t *testing.T) {
	s := newCountingServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "%s %d %s %s", r.Method, r.ContentLength, r.Header.Get("Content-Type"), b)
	}))
	c := s.client(t)
	tpl, _ := NewTemplate("POST", "/mcp", [2]string{"Content-Type", "application/json"})
	big := strings.Repeat("x", 100<<10) // past the one-write bound
	for _, body := range []string{`{"jsonrpc":"2.0"}`, big, ""} {
		var resp Response
		var b []byte
		if body != "" {
			b = []byte(body)
		}
		if err := c.Do(context.Background(), &Request{Template: tpl, Body: b}, &resp); err != nil {
			t.Fatal(err)
		}
		got, _ := resp.ReadAll(nil, 1<<20)
		if want := fmt.Sprintf("POST %d application/json %s", len(body), body); string(got) != want {
			t.Errorf("echo %.60q, want %.60q", got, want)
		}
	}
	if n := s.accepted.Load(); n != 1 {
		t.Errorf("accepted %d connections, want 1", n)
	}
}

func TestChunked(t *testing.T) {
	s := newCountingServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for i := range 5 {
			fmt.Fprintf(w, "part%d;", i)
			w.(http.Flusher).Flush()
		}
	}))
	c := s.client(t)
	for range 3 {
		resp, body := get(t, c, "/")
		if !resp.Chunked || resp.ContentLength != -1 || body != "part0;part1;part2;part3;part4;" {
			t.Fatalf("chunked %v length %d body %q", resp.Chunked, resp.ContentLength, body)
		}
	}
	if n := s.accepted.Load(); n != 1 {
		t.Errorf("accepted %d connections, want 1", n)
	}
}

func TestChunkedExtensionsAndTrailers(t *testing.T) {
	s := newRawServer(t, func(_ int64, c net.Conn) {
		br := bufio.NewReader(c)
		for {
			if _, err := readRequest(br); err != nil {
				return
			}
			io.WriteString(c, "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"+
				"5;name=value\r\nhello\r\n"+
				"1 \r\n \r\n"+
				"A\nworld!!!!!\n"+ // bare LF line ends are accepted
				"0\r\nX-Trailer: yes\r\nX-More: 1\r\n\r\n")
		}
	})
	c := s.client(t)
	for range 2 {
		resp, body := get(t, c, "/")
		if body != "hello world!!!!!" || !resp.Chunked {
			t.Fatalf("body %q chunked %v", body, resp.Chunked)
		}
	}
	if n := s.accepted.Load(); n != 1 {
		t.Errorf("accepted %d connections, want 1", n)
	}
}

func TestConnectionClose(t *testing.T) {
	s := newCountingServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Connection", "close")
		io.WriteString(w, "bye")
	}))
	c := s.client(t)
	for range 2 {
		resp, body := get(t, c, "/")
		if body != "bye" || !resp.ConnClose {
			t.Fatalf("body %q ConnClose %v", body, resp.ConnClose)
		}
	}
	if n := s.accepted.Load(); n != 2 {
		t.Errorf("accepted %d connections, want 2", n)
	}
}

func TestHTTP10AndReadUntilClose(t *testing.T) {
	for name, reply := range map[string]string{
		"http/1.0":     "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok",
		"until close":  "HTTP/1.1 200 OK\r\n\r\nok",
		"te not chunk": "HTTP/1.1 200 OK\r\nTransfer-Encoding: identity\r\n\r\nok",
	} {
		t.Run(name, func(t *testing.T) {
			s := newRawServer(t, func(_ int64, c net.Conn) {
				if _, err := readRequest(bufio.NewReader(c)); err == nil {
					io.WriteString(c, reply)
				}
			})
			c := s.client(t)
			for range 2 {
				resp, body := get(t, c, "/")
				if body != "ok" || !resp.ConnClose {
					t.Fatalf("body %q ConnClose %v", body, resp.ConnClose)
				}
			}
			if n := s.accepted.Load(); n != 2 {
				t.Errorf("accepted %d connections, want 2", n)
			}
		})
	}
}

func TestNoBody(t *testing.T) {
	s := newCountingServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/204":
			w.WriteHeader(204)
		case "/304":
			w.WriteHeader(304)
		default:
			w.Header().Set("Content-Length", "1234")
		}
	}))
	c := s.client(t)
	head, _ := NewTemplate("HEAD", "/")
	for _, tc := range []struct {
		tpl    *Template
		status int
		length int64
	}{
		{head, 200, 1234},
		{mustTemplate("GET", "/204"), 204, 0},
		{mustTemplate("GET", "/304"), 304, 0},
	} {
		var resp Response
		if err := c.Do(context.Background(), &Request{Template: tc.tpl}, &resp); err != nil {
			t.Fatal(err)
		}
		if resp.Status != tc.status || resp.ContentLength != tc.length {
			t.Errorf("%s: status %d length %d", tc.tpl.head, resp.Status, resp.ContentLength)
		}
		// The body ended with the head: the connection is back already.
		if resp.conn != nil {
			t.Errorf("%s: connection still held", tc.tpl.head)
		}
		if n, err := resp.Body.Read(make([]byte, 8)); n != 0 || err != io.EOF {
			t.Errorf("Read = %d, %v", n, err)
		}
	}
	if n := s.accepted.Load(); n != 1 {
		t.Errorf("accepted %d connections, want 1", n)
	}
}

func TestInterimResponsesSkipped(t *testing.T) {
	s := newRawServer(t, func(_ int64, c net.Conn) {
		br := bufio.NewReader(c)
		for {
			if _, err := readRequest(br); err != nil {
				return
			}
			io.WriteString(c, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\n"+
				"HTTP/1.1 201 Created\r\nContent-Length: 4\r\n\r\ndone")
		}
	})
	c := s.client(t)
	resp, body := get(t, c, "/")
	if resp.Status != 201 || body != "done" || resp.Header("Link") != nil {
		t.Fatalf("status %d body %q", resp.Status, body)
	}
}

func TestFreshConnectionNotReplayed(t *testing.T) {
	var requests, probes atomic.Int64
	s := newRawServer(t, func(_ int64, c net.Conn) {
		r, err := readRequest(bufio.NewReader(c)) // then close without answering
		switch {
		case err == nil && r.method == "PRI":
			probes.Add(1)
		case err == nil:
			requests.Add(1)
		}
	})
	c := s.client(t)
	var resp Response
	for range 3 {
		err := c.Do(context.Background(), &Request{}, &resp)
		if k := kindOf(err); k != outcome.EOF {
			t.Fatalf("err %v (kind %s), want eof", err, k)
		}
	}
	if n, p := requests.Load(), probes.Load(); n != 3 || p != 1 {
		t.Errorf("%d requests and %d h2c probes, want 3 (no replay on a fresh connection) and 1", n, p)
	}
}

func TestConcurrentUse(t *testing.T) {
	s := newCountingServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, r.URL.Path)
	}))
	c := &Client{Addr: s.Listener.Addr().String(), MaxConns: 4}
	defer c.Close()
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tpl, _ := NewTemplate("GET", fmt.Sprintf("/g%d", g))
			var resp Response
			var body []byte
			for i := range 100 {
				err := c.Do(context.Background(), &Request{Template: tpl}, &resp)
				if err == nil {
					body, err = resp.ReadAll(body[:0], 100)
				}
				if err == nil && string(body) != fmt.Sprintf("/g%d", g) {
					err = fmt.Errorf("body %q", body)
				}
				if err != nil {
					errs <- fmt.Errorf("goroutine %d request %d: %w", g, i, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := s.accepted.Load(); n > 4 {
		t.Errorf("accepted %d connections, want at most MaxConns = 4", n)
	}
}

func TestPoolWaitCancelled(t *testing.T) {
	s := newCountingServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	}))
	c := &Client{Addr: s.Listener.Addr().String(), MaxConns: 1}
	defer c.Close()
	var held Response
	if err := c.Do(context.Background(), &Request{}, &held); err != nil {
		t.Fatal(err)
	}
	// held keeps the only connection: a second Do waits until its ctx ends.
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		var resp Response
		done <- c.Do(ctx, &Request{}, &resp)
	}()
	cancel()
	if err := <-done; kindOf(err) != outcome.Canceled {
		t.Fatalf("waiting Do: %v, want canceled", err)
	}
	// Another waiter gets the connection when held's body is read.
	go func() {
		var resp Response
		err := c.Do(context.Background(), &Request{}, &resp)
		if err == nil {
			_, err = resp.ReadAll(nil, 10)
		}
		done <- err
	}()
	if _, err := held.ReadAll(nil, 10); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n := s.accepted.Load(); n != 1 {
		t.Errorf("accepted %d connections, want 1", n)
	}
}

func TestPoolSlotPassesOnClose(t *testing.T) {
	s := newCountingServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	}))
	c := &Client{Addr: s.Listener.Addr().String(), MaxConns: 1}
	defer c.Close()
	var held Response
	if err := c.Do(context.Background(), &Request{}, &held); err != nil {
		t.Fatal(err)
	}
	done := make(chan error)
	go func() {
		var resp Response
		err := c.Do(context.Background(), &Request{}, &resp)
		if err == nil {
			_, err = resp.ReadAll(nil, 10)
		}
		done <- err
	}()
	held.Close() // unread body: the connection is closed, the waiter dials
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n := s.accepted.Load(); n != 2 {
		t.Errorf("accepted %d connections, want 2", n)
	}
	if _, err := held.Body.Read(make([]byte, 1)); !errors.Is(err, ErrBodyClosed) {
		t.Errorf("Read after Close: %v", err)
	}
}

func TestClientClose(t *testing.T) {
	s := newCountingServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	c := s.client(t)
	get(t, c, "/")
	c.Close()
	var resp Response
	if err := c.Do(context.Background(), &Request{}, &resp); !errors.Is(err, ErrClosed) {
		t.Fatalf("Do after Close: %v", err)
	}
}

func TestInvalid(t *testing.T) {
	for _, tc := range []struct {
		method, path string
		header       [][2]string
	}{
		{"GE T", "/", nil},
		{"GET", "/a b", nil},
		{"GET", "/a\r\nX: y", nil},
		{"GET", "/", [][2]string{{"Bad Name", "v"}}},
		{"GET", "/", [][2]string{{"X", "a\r\nInjected: 1"}}},
		{"POST", "/", [][2]string{{"Content-Length", "5"}}},
		{"POST", "/", [][2]string{{"transfer-encoding", "chunked"}}},
	} {
		if _, err := NewTemplate(tc.method, tc.path, tc.header...); !errors.Is(err, ErrInvalid) {
			t.Errorf("NewTemplate(%q, %q, %q): %v, want ErrInvalid", tc.method, tc.path, tc.header, err)
		}
	}
	s := newCountingServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	c := s.client(t)
	var resp Response
	for _, h := range [][2]string{{"X", "a\nb"}, {"", "v"}, {"Content-Length", "1"}} {
		if err := c.Do(context.Background(), &Request{Header: [][2]string{h}}, &resp); !errors.Is(err, ErrInvalid) {
			t.Errorf("Do with header %q: %v, want ErrInvalid", h, err)
		}
	}
	get(t, c, "/") // the client still works
	for _, addr := range []string{"", "127.0.0.1"} {
		if err := (&Client{Addr: addr}).Do(context.Background(), &Request{}, &resp); !errors.Is(err, ErrInvalid) {
			t.Errorf("Addr %q: %v, want ErrInvalid", addr, err)
		}
	}
}

func TestCloseFailsWaiters(t *testing.T) {
	s := newCountingServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	}))
	c := &Client{Addr: s.Listener.Addr().String(), MaxConns: 1}
	var held Response
	if err := c.Do(context.Background(), &Request{}, &held); err != nil {
		t.Fatal(err)
	}
	done := make(chan error)
	go func() {
		var resp Response
		done <- c.Do(context.Background(), &Request{}, &resp)
	}()
	// The waiter may not be in line yet when Close runs; either way it
	// must fail with ErrClosed.
	c.Close()
	if err := <-done; !errors.Is(err, ErrClosed) {
		t.Fatalf("waiter: %v, want ErrClosed", err)
	}
	// The held response still reads; its connection is closed after.
	if b, err := held.ReadAll(nil, 10); err != nil || string(b) != "ok" {
		t.Fatalf("held: %q %v", b, err)
	}
}

// TestReplayDialsFresh: when every idle connection has gone stale (a
// server restart), the request does not take another stale one.
func TestReplayDialsFresh(t *testing.T) {
	closed := make(chan struct{}, 10)
	s := newRawServer(t, func(n int64, c net.Conn) {
		br := bufio.NewReader(c)
		for {
			if _, err := readRequest(br); err != nil {
				return
			}
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
			if n <= 3 {
				break // the first three connections go stale
			}
		}
		c.Close()
		closed <- struct{}{}
	})
	c := &Client{Addr: s.ln.Addr().String(), MaxConns: 3}
	defer c.Close()
	// Three connections in the pool at once.
	resps := make([]Response, 3)
	for i := range resps {
		if err := c.Do(context.Background(), &Request{}, &resps[i]); err != nil {
			t.Fatal(err)
		}
	}
	for i := range resps {
		if err := resps[i].Discard(10); err != nil {
			t.Fatal(err)
		}
	}
	for range 3 {
		<-closed
	}
	waitIdleClosed(t, c, 3)
	var resp Response
	for i := range 3 {
		if err := c.Do(context.Background(), &Request{}, &resp); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		resp.Discard(10)
	}
	// The first request found the three closed before writing and dialled.
	if st, want := c.Stats(), (Stats{Dials: 4, Reconnects: 3}); st != want {
		t.Errorf("Stats = %+v, want %+v", st, want)
	}
}
