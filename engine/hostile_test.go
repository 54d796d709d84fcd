package engine

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/reslua/reslua/engine/outcome"
)

// Hostile targets: each is a real socket on 127.0.0.1 that misbehaves on
// purpose, driven through a Run as a scenario would. Every run ends, and
// its result names what came back.

// hostileTimeout is the request timeout of the targets that never
// answer: short, so that the tests are quick.
const hostileTimeout = 300 * time.Millisecond

// hostileRun runs one open load of mix (rate per second for d) against
// url with the request timeout given, and returns its only request's
// result and the run's summary.
func hostileRun(t *testing.T, url string, timeout time.Duration, rate float64, d time.Duration, mix MixEntry, hooks Hooks) (RequestResult, string) {
	t.Helper()
	ctx := context.Background()
	r := NewRun(Config{Seed: 1})
	target, err := r.AddTarget(TargetSpec{Name: "hostile", URL: url, Timeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	l, err := r.StartLoad(ctx, LoadSpec{Name: "l", Target: target, Rate: rate, Duration: d, Sessions: 1, Mix: []MixEntry{mix}, Hooks: hooks})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.WaitLoad(ctx, l); err != nil {
		t.Fatal(err)
	}
	res, err := r.Finish(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var sum strings.Builder
	res.WriteSummary(&sum, RunMeta{})
	if len(res.Loads) != 1 || len(res.Loads[0].Requests) != 1 {
		t.Fatalf("loads: %+v", res.Loads)
	}
	return res.Loads[0].Requests[0], sum.String()
}

var (
	getRoot  = MixEntry{Weight: 1, Request: RequestSpec{HTTP: &HTTPRequest{Path: "/"}}}
	callEcho = MixEntry{Weight: 1, Request: RequestSpec{MCP: &MCPRequest{Method: "tools/call", Tool: "echo",
		Params: []byte(`{"name":"echo","arguments":{"message":"hi"}}`)}}}
)

// rawServer accepts connections on 127.0.0.1 and hands each, numbered
// from 1, to serve in a goroutine of its own; the connection is closed
// when serve returns (or at the end of the test).
func rawServer(t *testing.T, serve func(n int64, c net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() { close(done); ln.Close() })
	var n atomic.Int64
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				stop := context.AfterFunc(doneCtx(done), func() { c.Close() })
				defer stop()
				serve(n.Add(1), c)
			}()
		}
	}()
	return "http://" + ln.Addr().String()
}

// doneCtx is a context that ends when done is closed.
func doneCtx(done <-chan struct{}) context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-done; cancel() }()
	return ctx
}

// readHead reads a request's head (and drops it).
func readHead(br *bufio.Reader) error {
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return err
		}
		if line == "\r\n" || line == "\n" {
			return nil
		}
	}
}

// hostileMCP is a real go-sdk MCP server (discovery, handshake and the
// echo tool) whose answers to tools/call are call's instead: the
// misbehaviour under test. id is the call's JSON-RPC id.
func hostileMCP(t *testing.T, call func(w http.ResponseWriter, r *http.Request, id string)) string {
	t.Helper()
	srv := sdk.NewServer(&sdk.Implementation{Name: "hostile", Version: "1"}, nil)
	sdk.AddTool(srv, &sdk.Tool{Name: "echo"}, func(ctx context.Context, req *sdk.CallToolRequest, _ struct{}) (*sdk.CallToolResult, any, error) {
		return &sdk.CallToolResult{Content: []sdk.Content{&sdk.TextContent{Text: "hi"}}}, nil, nil
	})
	h := sdk.NewStreamableHTTPHandler(func(*http.Request) *sdk.Server { return srv }, nil)
	hs := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var msg struct {
			ID     json.RawMessage `json:"id"`
			Method string          `json:"method"`
		}
		json.Unmarshal(body, &msg)
		if msg.Method == "tools/call" {
			call(w, r, string(msg.ID))
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		h.ServeHTTP(w, r)
	}))
	hs.Config.ErrorLog = log.New(io.Discard, "", 0)
	hs.Start()
	t.Cleanup(hs.Close)
	return hs.URL + "/mcp"
}

// wantFailures checks that every request of q failed as kind, and that
// its samples say so with text (in the error or the body).
func wantFailures(t *testing.T, q RequestResult, kind outcome.Kind, text string) {
	t.Helper()
	if q.Count == 0 || q.Errors[kind] != q.Count {
		t.Errorf("%d requests, errors %v; want every one %s", q.Count, q.Errors, kind)
	}
	if len(q.Samples) == 0 {
		t.Fatalf("no samples")
	}
	for _, s := range q.Samples {
		if s.Kind != kind || !strings.Contains(s.Error+s.Body, text) {
			t.Errorf("sample %+v, want %s saying %q", s, kind, text)
		}
	}
}

func TestHostileTargets(t *testing.T) {
	if testing.Short() {
		t.Skip("runs loads against real sockets")
	}
	t.Run("connection refused", func(t *testing.T) {
		t.Parallel()
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		url := "http://" + ln.Addr().String()
		ln.Close()
		q, _ := hostileRun(t, url, hostileTimeout, 20, 200*time.Millisecond, getRoot, nil)
		wantFailures(t, q, outcome.ConnectRefused, "connection refused")
	})
	t.Run("accept and never answer", func(t *testing.T) {
		t.Parallel()
		url := rawServer(t, func(_ int64, c net.Conn) { io.Copy(io.Discard, c) })
		q, _ := hostileRun(t, url, hostileTimeout, 20, 200*time.Millisecond, getRoot, nil)
		wantFailures(t, q, outcome.Timeout, "")
	})
	t.Run("random bytes", func(t *testing.T) {
		t.Parallel()
		url := rawServer(t, func(n int64, c net.Conn) {
			readHead(bufio.NewReader(c))
			b := make([]byte, 300)
			rng := rand.New(rand.NewPCG(uint64(n), 1))
			for i := range b {
				b[i] = byte(rng.Uint32())
			}
			b[0] = 0x9c // not a letter: never the start of a status line
			c.Write(b)
		})
		q, _ := hostileRun(t, url, hostileTimeout, 20, 200*time.Millisecond, getRoot, nil)
		wantFailures(t, q, outcome.Protocol, "malformed")
	})
	t.Run("HTTP/1.0 without Content-Length", func(t *testing.T) {
		t.Parallel()
		url := rawServer(t, func(_ int64, c net.Conn) {
			readHead(bufio.NewReader(c))
			io.WriteString(c, "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n"+strings.Repeat("read me to the close. ", 1000))
		})
		q, _ := hostileRun(t, url, 5*time.Second, 20, 200*time.Millisecond, getRoot, nil)
		if q.Count == 0 || len(q.Errors) != 0 {
			t.Errorf("%d requests, errors %v, samples %+v; want every one ok", q.Count, q.Errors, q.Samples)
		}
	})
	t.Run("MCP reply as HTTP/1.0 without Content-Length", func(t *testing.T) {
		t.Parallel()
		url := hostileMCP(t, func(w http.ResponseWriter, r *http.Request, id string) {
			c, _, err := w.(http.Hijacker).Hijack()
			if err != nil {
				return
			}
			defer c.Close()
			io.WriteString(c, "HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n"+
				`{"jsonrpc":"2.0","id":`+id+`,"result":{"content":[{"type":"text","text":"`+strings.Repeat("x", 10000)+`"}]}}`)
		})
		q, _ := hostileRun(t, url, 5*time.Second, 20, 200*time.Millisecond, callEcho, nil)
		if q.Count == 0 || len(q.Errors) != 0 {
			t.Errorf("%d requests, errors %v, samples %+v; want every one ok", q.Count, q.Errors, q.Samples)
		}
	})
	t.Run("SSE stream that never sends the response", func(t *testing.T) {
		t.Parallel()
		url := hostileMCP(t, func(w http.ResponseWriter, r *http.Request, id string) {
			w.Header().Set("Content-Type", "text/event-stream")
			io.WriteString(w, ": working\n\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\",\"params\":{\"level\":\"info\",\"data\":\"x\"}}\n\n")
			w.(http.Flusher).Flush()
			<-r.Context().Done()
		})
		q, _ := hostileRun(t, url, hostileTimeout, 20, 200*time.Millisecond, callEcho, nil)
		wantFailures(t, q, outcome.Timeout, "")
	})
	t.Run("invalid JSON", func(t *testing.T) {
		t.Parallel()
		url := hostileMCP(t, func(w http.ResponseWriter, r *http.Request, id string) {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"jsonrpc":"2.0","id":`+id+`,"result":{"content":[}`)
		})
		q, _ := hostileRun(t, url, 5*time.Second, 20, 200*time.Millisecond, callEcho, nil)
		wantFailures(t, q, outcome.Protocol, "invalid JSON: invalid character '}'")
		for _, s := range q.Samples {
			if !strings.Contains(s.Body, `"result":{"content":[}`) {
				t.Errorf("sample %+v does not show the body", s)
			}
		}
	})
	t.Run("JSON-RPC reply with the wrong id", func(t *testing.T) {
		t.Parallel()
		url := hostileMCP(t, func(w http.ResponseWriter, r *http.Request, id string) {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"jsonrpc":"2.0","id":9999,"result":{"content":[]}}`)
		})
		q, _ := hostileRun(t, url, 5*time.Second, 20, 200*time.Millisecond, callEcho, nil)
		wantFailures(t, q, outcome.Protocol, "wrong id: the response's id is 9999, the request's")
	})
	t.Run("SSE response with the wrong id", func(t *testing.T) {
		t.Parallel()
		url := hostileMCP(t, func(w http.ResponseWriter, r *http.Request, id string) {
			w.Header().Set("Content-Type", "text/event-stream")
			io.WriteString(w, "data: {\"jsonrpc\":\"2.0\",\"id\":\"other\",\"result\":{\"content\":[]}}\n\n")
		})
		q, _ := hostileRun(t, url, 5*time.Second, 20, 200*time.Millisecond, callEcho, nil)
		wantFailures(t, q, outcome.Protocol, `wrong id: the stream's response has id "other", the request's`)
	})
	t.Run("chunked one byte per 100 ms", func(t *testing.T) {
		t.Parallel()
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			for range 20 {
				w.Write([]byte("x"))
				w.(http.Flusher).Flush()
				select {
				case <-r.Context().Done():
					return
				case <-time.After(100 * time.Millisecond):
				}
			}
		}))
		t.Cleanup(srv.Close)
		q, _ := hostileRun(t, srv.URL, hostileTimeout, 20, 200*time.Millisecond, getRoot, nil)
		wantFailures(t, q, outcome.Timeout, "")
	})
	t.Run("reset on every third connection", func(t *testing.T) {
		t.Parallel()
		url := rawServer(t, func(n int64, c net.Conn) {
			readHead(bufio.NewReader(c))
			if n%3 == 0 {
				c.(*net.TCPConn).SetLinger(0) // close sends RST
				return
			}
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
		})
		q, _ := hostileRun(t, url, 5*time.Second, 30, 300*time.Millisecond, getRoot, nil)
		if q.Count < 3 || q.Errors[outcome.Reset] == 0 || q.Errors[outcome.Reset]+q.Errors[outcome.OK] != q.Errors[outcome.Reset] ||
			len(q.Errors) != 1 || q.Errors[outcome.Reset] > q.Count/3+1 {
			t.Errorf("%d requests, errors %v, samples %+v; want every third reset, the others ok", q.Count, q.Errors, q.Samples)
		}
		for _, s := range q.Samples {
			if !strings.Contains(s.Error, "connection reset by peer") {
				t.Errorf("sample %+v", s)
			}
		}
	})
	t.Run("self-signed https", func(t *testing.T) {
		t.Parallel()
		srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
		srv.Config.ErrorLog = log.New(io.Discard, "", 0)
		srv.StartTLS()
		t.Cleanup(srv.Close)
		q, _ := hostileRun(t, srv.URL, 5*time.Second, 20, 200*time.Millisecond, getRoot, nil)
		wantFailures(t, q, outcome.TLS, "certificate signed by unknown authority")
	})
	t.Run("HTTP/2 SETTINGS frame in reply", func(t *testing.T) {
		t.Parallel()
		// As an HTTP/2-only server that sends its preface first (RFC 9113
		// §3.4): SETTINGS (MAX_CONCURRENT_STREAMS 100), then GOAWAY
		// PROTOCOL_ERROR for the HTTP/1.1 request it cannot read.
		url := rawServer(t, func(_ int64, c net.Conn) {
			c.Write([]byte{0, 0, 6, 0x4, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 100,
				0, 0, 8, 0x7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1})
			readHead(bufio.NewReader(c))
		})
		q, _ := hostileRun(t, url, 5*time.Second, 20, 200*time.Millisecond, getRoot, nil)
		wantFailures(t, q, outcome.Protocol, "server speaks HTTP/2 only (h2c preface)")
	})
	for _, tc := range []struct {
		name string
		mix  MixEntry
	}{{"HTTP/2-only (h2c) server", getRoot}, {"HTTP/2-only (h2c) MCP server", callEcho}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
			srv.Config.Protocols = new(http.Protocols)
			srv.Config.Protocols.SetUnencryptedHTTP2(true)
			srv.Config.ErrorLog = log.New(io.Discard, "", 0)
			srv.Start()
			t.Cleanup(srv.Close)
			q, _ := hostileRun(t, srv.URL+"/mcp", 5*time.Second, 20, 200*time.Millisecond, tc.mix, nil)
			wantFailures(t, q, outcome.Protocol, "server speaks HTTP/2 only")
		})
	}
}

// bodyCheck is a check that asks for every reply's body.
type bodyCheck struct{}

func (bodyCheck) NewWorker() (WorkerHooks, error) { return bodyCheck{}, nil }
func (bodyCheck) Build(context.Context, int, int64) (RequestSpec, error) {
	return RequestSpec{}, fmt.Errorf("not built")
}
func (bodyCheck) Check(_ context.Context, _ int, r Reply) error {
	if len(r.Body) == 0 {
		return fmt.Errorf("%w: no body", ErrReplyRejected)
	}
	return nil
}
func (bodyCheck) Close() {}

// A 200 MB tools/call reply, generated as it is sent: read to its end and
// judged (its isError seen past the 200 MB of text) in bounded memory
// when nothing needs its body, counted as too_large when a check does.
// Before the cap, each in-flight reply held up to 16 MiB (and failed
// there).
func TestHugeMCPReply(t *testing.T) {
	if testing.Short() {
		t.Skip("sends 400 MB over loopback")
	}
	const size = 200 << 20
	url := hostileMCP(t, func(w http.ResponseWriter, r *http.Request, id string) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"jsonrpc":"2.0","id":`+id+`,"result":{"content":[{"type":"text","text":"`)
		chunk := bytes.Repeat([]byte("0123456789abcdef"), 4<<10)
		for sent := 0; sent < size; sent += len(chunk) {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
		io.WriteString(w, `"}],"isError":true}}`)
	})
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	q, sum := hostileRun(t, url, time.Minute, 4, 500*time.Millisecond, callEcho, nil)
	runtime.ReadMemStats(&after)
	// The tool said isError after 200 MB of text: the reply was read to
	// its end and judged.
	wantFailures(t, q, outcome.ToolError, "0123456789abcdef")
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("%d replies of 200 MiB: %d MiB allocated in all, heap in use %+d MiB", q.Count,
		alloc>>20, (int64(after.HeapInuse)-int64(before.HeapInuse))>>20)
	if perReply := alloc / uint64(max(q.Count, 1)); perReply > 4<<20 {
		t.Errorf("%d bytes allocated per 200 MiB reply, want at most 4 MiB:\n%s", perReply, sum)
	}

	q, _ = hostileRun(t, url, time.Minute, 4, 500*time.Millisecond,
		MixEntry{Weight: 1, Check: true, Request: callEcho.Request}, bodyCheck{})
	wantFailures(t, q, outcome.TooLarge, "too large")
}

// A 200 MB plain HTTP body: its status counts when nothing needs it (the
// rest is dropped as it streams), too_large when a check needs it whole
// (a check would otherwise see its first MiB as if it were all).
func TestHugeHTTPBody(t *testing.T) {
	if testing.Short() {
		t.Skip("sends large bodies over loopback")
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		chunk := bytes.Repeat([]byte("0123456789abcdef"), 4<<10)
		for sent := 0; sent < 200<<20; sent += len(chunk) {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	t.Cleanup(srv.Close)
	q, _ := hostileRun(t, srv.URL, time.Minute, 4, 500*time.Millisecond, getRoot, nil)
	if q.Count == 0 || len(q.Errors) != 0 {
		t.Errorf("%d requests, errors %v; want every one ok", q.Count, q.Errors)
	}
	q, _ = hostileRun(t, srv.URL, time.Minute, 4, 500*time.Millisecond,
		MixEntry{Weight: 1, Check: true, Request: getRoot.Request}, bodyCheck{})
	wantFailures(t, q, outcome.TooLarge, "too large to check")
}
