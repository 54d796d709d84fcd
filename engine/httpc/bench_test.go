package httpc

import (
	"context"
	"io"
	"net"
	"net/http"
	"testing"
)

// The benchmark peer answers with fixed bytes and allocates nothing per
// request, so allocs/op is the client's.
const (
	getReply = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\nhello, world\n"
	mcpReply = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nMcp-Session-Id: 3f2a\r\nContent-Length: 78\r\n\r\n" +
		`{"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"hello"}]}}`
	mcpBody = `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"message":"hello"}}}`
)

func fixedServer(b *testing.B, reply string) *rawServer {
	resp := []byte(reply)
	return newRawServer(b, func(_ int64, c net.Conn) { serveFixed(c, resp) })
}

func BenchmarkGet(b *testing.B) {
	s := fixedServer(b, getReply)
	c := s.client(b)
	tpl, _ := NewTemplate("GET", "/get")
	req := &Request{Template: tpl}
	var resp Response
	buf := make([]byte, 0, 512)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if err := c.Do(ctx, req, &resp); err != nil {
			b.Fatal(err)
		}
		var err error
		if buf, err = resp.ReadAll(buf[:0], 1<<20); err != nil || len(buf) != 13 {
			b.Fatal(err, len(buf))
		}
	}
}

// BenchmarkPost sends an MCP tools/call as the engine would: fixed headers
// in the Template, the session id per request.
func BenchmarkPost(b *testing.B) {
	s := fixedServer(b, mcpReply)
	c := s.client(b)
	tpl, _ := NewTemplate("POST", "/mcp",
		[2]string{"Content-Type", "application/json"},
		[2]string{"Accept", "application/json, text/event-stream"},
		[2]string{"Mcp-Protocol-Version", "2025-06-18"})
	req := &Request{Template: tpl, Header: [][2]string{{"Mcp-Session-Id", "3f2a"}}, Body: []byte(mcpBody)}
	var resp Response
	buf := make([]byte, 0, 512)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if err := c.Do(ctx, req, &resp); err != nil {
			b.Fatal(err)
		}
		var err error
		if buf, err = resp.ReadAll(buf[:0], 1<<20); err != nil || len(buf) != 78 {
			b.Fatal(err, len(buf))
		}
		if string(resp.Header("Content-Type")) != "application/json" || len(resp.Header("Mcp-Session-Id")) != 4 {
			b.Fatal("headers")
		}
	}
}

// BenchmarkGetTimeout is BenchmarkGet with a per-request context as the
// engine's workers make one: deadline and cancel watch cost included.
func BenchmarkGetTimeout(b *testing.B) {
	s := fixedServer(b, getReply)
	c := s.client(b)
	tpl, _ := NewTemplate("GET", "/get")
	req := &Request{Template: tpl}
	var resp Response
	buf := make([]byte, 0, 512)
	b.ReportAllocs()
	for b.Loop() {
		ctx, cancel := context.WithTimeout(context.Background(), 10e9)
		if err := c.Do(ctx, req, &resp); err != nil {
			b.Fatal(err)
		}
		var err error
		if buf, err = resp.ReadAll(buf[:0], 1<<20); err != nil {
			b.Fatal(err)
		}
		cancel()
	}
}

// BenchmarkGetLongContext is BenchmarkGet as a worker with a long-lived,
// cancellable context and Client.Timeout would run it: no per-request
// allocation.
func BenchmarkGetLongContext(b *testing.B) {
	s := fixedServer(b, getReply)
	c := &Client{Addr: s.ln.Addr().String(), Timeout: 10e9}
	defer c.Close()
	tpl, _ := NewTemplate("GET", "/get")
	req := &Request{Template: tpl}
	var resp Response
	buf := make([]byte, 0, 512)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b.ReportAllocs()
	for b.Loop() {
		if err := c.Do(ctx, req, &resp); err != nil {
			b.Fatal(err)
		}
		var err error
		if buf, err = resp.ReadAll(buf[:0], 1<<20); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGetParallel runs GETs from GOMAXPROCS×4 goroutines over a
// bounded pool.
func BenchmarkGetParallel(b *testing.B) {
	s := fixedServer(b, getReply)
	c := &Client{Addr: s.ln.Addr().String(), MaxConns: 50}
	defer c.Close()
	tpl, _ := NewTemplate("GET", "/get")
	b.ReportAllocs()
	b.SetParallelism(4)
	b.RunParallel(func(pb *testing.PB) {
		req := &Request{Template: tpl}
		var resp Response
		buf := make([]byte, 0, 512)
		for pb.Next() {
			if err := c.Do(context.Background(), req, &resp); err != nil {
				b.Fatal(err)
			}
			var err error
			if buf, err = resp.ReadAll(buf[:0], 1<<20); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkGetHTTPTest is BenchmarkGet against a net/http server: allocs
// are mostly the server's.
func BenchmarkGetHTTPTest(b *testing.B) {
	s := newCountingServer(b, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "hello, world\n")
	}))
	c := s.client(b)
	tpl, _ := NewTemplate("GET", "/get")
	req := &Request{Template: tpl}
	var resp Response
	buf := make([]byte, 0, 512)
	b.ReportAllocs()
	for b.Loop() {
		if err := c.Do(context.Background(), req, &resp); err != nil {
			b.Fatal(err)
		}
		var err error
		if buf, err = resp.ReadAll(buf[:0], 1<<20); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNetHTTPGet is the net/http client on BenchmarkGet's peer, for
// comparison.
func BenchmarkNetHTTPGet(b *testing.B) {
	s := fixedServer(b, getReply)
	tr := &http.Transport{MaxIdleConnsPerHost: 64, DisableCompression: true}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr}
	url := "http://" + s.ln.Addr().String() + "/get"
	buf := make([]byte, 512)
	b.ReportAllocs()
	for b.Loop() {
		req, _ := http.NewRequestWithContext(context.Background(), "GET", url, nil)
		resp, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		for {
			if _, err := resp.Body.Read(buf); err != nil {
				break
			}
		}
		resp.Body.Close()
	}
}

// BenchmarkTransportGet is the RoundTripper adapter: the slow path.
func BenchmarkTransportGet(b *testing.B) {
	s := fixedServer(b, getReply)
	c := s.client(b)
	hc := &http.Client{Transport: &Transport{Client: c}}
	url := "http://" + s.ln.Addr().String() + "/get"
	b.ReportAllocs()
	for b.Loop() {
		resp, err := hc.Get(url)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}
