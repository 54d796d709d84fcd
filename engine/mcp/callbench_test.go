package mcp_test

import (
	"bufio"
	"bytes"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/reslua/reslua/engine/mcp"
	"github.com/reslua/reslua/engine/outcome"
)

// fastTarget is a minimal MCP target on 127.0.0.1 for benchmarks: a
// hand-rolled HTTP/1.1 responder that answers initialize (with an
// Mcp-Session-Id), notifications (202), DELETE (200) and any other request
// with a small JSON-RPC result, as application/json or, with sse set, as
// a text/event-stream. It allocates nothing per request, so a benchmark's
// allocs/op are the client's. It is no MCP server: the correctness tests
// run against the demo server.
type fastTarget struct {
	ln net.Listener
	fastOptions
	requests atomic.Int64 // requests read
	wg       sync.WaitGroup
	mu       sync.Mutex
	cs       []net.Conn
}

type fastOptions struct {
	sse     bool // reply in SSE
	oneShot bool // answer one request per connection; read the next and close without answering
}

func startFastTarget(tb testing.TB, opts fastOptions) *fastTarget {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	ft := &fastTarget{ln: ln, fastOptions: opts}
	ft.wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			ft.mu.Lock()
			ft.cs = append(ft.cs, c)
			ft.mu.Unlock()
			ft.wg.Go(func() {
				defer c.Close()
				ft.serve(c)
			})
		}
	})
	tb.Cleanup(ft.close)
	return ft
}

func (ft *fastTarget) url() string { return "http://" + ft.ln.Addr().String() + "/mcp" }

func (ft *fastTarget) close() {
	ft.ln.Close()
	ft.mu.Lock()
	for _, c := range ft.cs {
		c.Close()
	}
	ft.mu.Unlock()
	ft.wg.Wait()
}

func (ft *fastTarget) serve(c net.Conn) {
	br := bufio.NewReaderSize(c, 4096)
	body := make([]byte, 0, 4096)
	out := make([]byte, 0, 4096)
	msg := make([]byte, 0, 1024)
	var session int
	for n := 1; ; n++ {
		length, isDelete := 0, false
		line, err := br.ReadSlice('\n')
		if err != nil {
			return
		}
		isDelete = bytes.HasPrefix(line, []byte("DELETE "))
		for {
			line, err := br.ReadSlice('\n')
			if err != nil {
				return
			}
			if len(line) <= 2 {
				break
			}
			if k, v, ok := bytes.Cut(line, []byte(":")); ok && bytes.EqualFold(k, []byte("Content-Length")) {
				length, _ = strconv.Atoi(string(bytes.TrimSpace(v))) // no allocation: the string does not escape
			}
		}
		if cap(body) < length {
			body = make([]byte, length)
		}
		body = body[:length]
		if _, err := readFull(br, body); err != nil {
			return
		}
		ft.requests.Add(1)
		if ft.oneShot && n > 1 {
			return // the request may have been processed; no answer comes
		}
		out = out[:0]
		switch id, method := jsonValue(body, `"id":`), jsonValue(body, `"method":`); {
		case isDelete:
			out = append(out, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"...)
		case id == nil:
			out = append(out, "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n"...)
		default:
			msg = append(msg[:0], `{"jsonrpc":"2.0","id":`...)
			msg = append(msg, id...)
			sid := false
			switch string(method) {
			case `"initialize"`:
				msg = append(msg, `,"result":{"protocolVersion":"2025-11-25","capabilities":{"tools":{}},"serverInfo":{"name":"fast","version":"1"}}}`...)
				session++
				sid = true
			case `"tools/call"`:
				msg = append(msg, `,"result":{"content":[{"type":"text","text":"hello"}],"isError":false}}`...)
			default:
				msg = append(msg, `,"result":{}}`...)
			}
			out = append(out, "HTTP/1.1 200 OK\r\nContent-Type: "...)
			if ft.sse {
				out = append(out, "text/event-stream\r\nTransfer-Encoding: chunked\r\n"...)
			} else {
				out = append(out, "application/json\r\n"...)
			}
			if sid {
				out = append(out, "Mcp-Session-Id: fast-"...)
				out = strconv.AppendInt(out, int64(session), 10)
				out = append(out, "\r\n"...)
			}
			if ft.sse {
				// One chunk with a priming event and the response, then
				// the last chunk: the stream ends after the response.
				n := len("id: 1\ndata: \n\n") + len("event: message\ndata: ") + len(msg) + 2
				out = append(out, "\r\n"...)
				out = strconv.AppendInt(out, int64(n), 16)
				out = append(out, "\r\nid: 1\ndata: \n\nevent: message\ndata: "...)
				out = append(out, msg...)
				out = append(out, "\n\n\r\n0\r\n\r\n"...)
			} else {
				out = append(out, "Content-Length: "...)
				out = strconv.AppendInt(out, int64(len(msg)), 10)
				out = append(out, "\r\n\r\n"...)
				out = append(out, msg...)
			}
		}
		if _, err := c.Write(out); err != nil {
			return
		}
	}
}

func readFull(br *bufio.Reader, b []byte) (int, error) {
	n := 0
	for n < len(b) {
		m, err := br.Read(b[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// jsonValue returns the scalar after the first key (e.g. `"id":`) in b,
// quotes kept for a string; nil if there is none. Good enough for the
// requests the client sends.
func jsonValue(b []byte, key string) []byte {
	i := bytes.Index(b, []byte(key))
	if i < 0 {
		return nil
	}
	v := b[i+len(key):]
	end := 0
	if len(v) > 0 && v[0] == '"' {
		end = bytes.IndexByte(v[1:], '"') + 2
	} else {
		end = bytes.IndexAny(v, ",}")
	}
	if end <= 0 {
		return nil
	}
	return v[:end]
}

// BenchmarkCallTool measures one tools/call echo through the client
// against fastTarget: per era and reply framing, on a Session and through
// a Pool (a connection per session, as the engine's loads use it).
func BenchmarkCallTool(b *testing.B) {
	echo, err := mcp.CallTool("echo", map[string]string{"message": "hello"})
	if err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		version  string
		sse      bool
		pool     bool
		noResult bool
	}{
		{"legacy/json/session", mcp.LatestLegacyVersion, false, false, false},
		{"legacy/json/pool", mcp.LatestLegacyVersion, false, true, false},
		{"legacy/json/pool/noresult", mcp.LatestLegacyVersion, false, true, true},
		{"legacy/sse/pool", mcp.LatestLegacyVersion, true, true, false},
		{"2026/json/pool", mcp.Version20260728, false, true, false},
	} {
		b.Run(tc.name, func(b *testing.B) {
			ft := startFastTarget(b, fastOptions{sse: tc.sse})
			c := &mcp.Client{URL: ft.url(), ProtocolVersion: tc.version}
			var d mcp.Doer
			if tc.pool {
				p, err := mcp.OpenPool(b.Context(), c, mcp.PoolOptions{Sessions: 1})
				if err != nil {
					b.Fatal(err)
				}
				defer p.Close(b.Context())
				d = p
			} else {
				s, err := c.Open(b.Context())
				if err != nil {
					b.Fatal(err)
				}
				defer s.Close(b.Context())
				d = s
			}
			ctx := b.Context()
			echo := echo
			echo.NoResult = tc.noResult
			if res := d.Do(ctx, echo); res.Kind != outcome.OK {
				b.Fatalf("%+v", res)
			}
			b.ReportAllocs()
			for b.Loop() {
				if res := d.Do(ctx, echo); res.Kind != outcome.OK {
					b.Fatal(res.Err)
				}
			}
		})
	}
}
