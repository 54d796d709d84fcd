package mcp_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/reslua/reslua/engine/demo"
	"github.com/reslua/reslua/engine/mcp"
)

// modes are the four transport flavours of the demo server.
var modes = []struct {
	name string
	opts demo.Options
}{
	{"stateful-sse", demo.Options{}},
	{"stateful-json", demo.Options{JSON: true}},
	{"stateless-sse", demo.Options{Stateless: true}},
	{"stateless-json", demo.Options{Stateless: true, JSON: true}},
}

// flavour is a demo transport mode with the protocol revision the client
// pins: every legacy mode with 2025-11-25, and the stateless modes (the
// SDK speaks 2026-07-28 on stateless servers only) with 2026-07-28 too.
type flavour struct {
	name    string
	opts    demo.Options
	version string
}

func (f flavour) stateless() bool { return mcp.IsStateless(f.version) }

func (f flavour) client(url string) *mcp.Client {
	return &mcp.Client{URL: url, ProtocolVersion: f.version}
}

func flavours() []flavour {
	var fs []flavour
	for _, m := range modes {
		fs = append(fs, flavour{m.name + "/legacy", m.opts, mcp.LatestLegacyVersion})
		if m.opts.Stateless {
			fs = append(fs, flavour{m.name + "/2026", m.opts, mcp.Version20260728})
		}
	}
	return fs
}

// cheap is a request every server of both eras answers (ping is gone from
// 2026-07-28).
func cheap() mcp.Request { return mcp.ToolsList("") }

func startDemo(t *testing.T, opts demo.Options) *demo.Server {
	t.Helper()
	s, err := demo.Start(t.Context(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func open(t *testing.T, c *mcp.Client) *mcp.Session {
	t.Helper()
	s, err := c.Open(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func callTool(t *testing.T, name string, args any) mcp.Request {
	t.Helper()
	r, err := mcp.CallTool(name, args)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// toolText returns the first text content of a tools/call result.
func toolText(t *testing.T, result json.RawMessage) string {
	t.Helper()
	var r struct {
		Content []struct{ Text string } `json:"content"`
	}
	if err := json.Unmarshal(result, &r); err != nil || len(r.Content) == 0 {
		t.Fatalf("result %s: %v", result, err)
	}
	return r.Content[0].Text
}

// rawPost sends one JSON-RPC message outside the client under test.
func rawPost(t *testing.T, url, session, body string) int {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("Mcp-Session-Id", session)
	req.Header.Set("MCP-Protocol-Version", "2025-06-18")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// badTarget is a misbehaving target on 127.0.0.1 of the legacy era: it
// answers the era probe with 400, completes the handshake (sessions "s1",
// "s2", ...) and answers every other request with reply. It stands in for
// broken servers, which the real demo server is not.
type badTarget struct {
	*httptest.Server
	probes     atomic.Int64 // server/discover requests, answered as a legacy server does
	failProbe  atomic.Bool  // answer server/discover with 503
	handshakes atomic.Int64
	deletes    atomic.Int64
	failInit   atomic.Bool // answer initialize with 503
}

// replyFunc answers one request; id is the request's raw JSON id.
type replyFunc func(w http.ResponseWriter, r *http.Request, id string)

func startBadTarget(t *testing.T, reply replyFunc) *badTarget {
	t.Helper()
	return startGatedTarget(t, nil, reply)
}

// startGatedTarget is startBadTarget with a hook that runs before the
// target answers its n-th successful initialize (n from 1); nil: none.
func startGatedTarget(t *testing.T, beforeInit func(n int64), reply replyFunc) *badTarget {
	t.Helper()
	bt := &badTarget{}
	bt.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodDelete {
			bt.deletes.Add(1)
			w.WriteHeader(http.StatusNoContent)
			return
		}
		var msg struct {
			ID     json.RawMessage `json:"id"`
			Method string          `json:"method"`
		}
		if err := json.NewDecoder(r.Body).Decode(&msg); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		switch msg.Method {
		case "server/discover":
			bt.probes.Add(1)
			if bt.failProbe.Load() {
				http.Error(w, "unavailable", http.StatusServiceUnavailable)
				return
			}
			http.Error(w, "unknown method", http.StatusBadRequest)
		case "initialize":
			if bt.failInit.Load() {
				http.Error(w, "unavailable", http.StatusServiceUnavailable)
				return
			}
			n := bt.handshakes.Add(1)
			if beforeInit != nil {
				beforeInit(n)
			}
			w.Header().Set("Mcp-Session-Id", "s"+string(rune('0'+n)))
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"jsonrpc":"2.0","id":` + string(msg.ID) + `,"result":{"protocolVersion":"2025-06-18","capabilities":{},"serverInfo":{"name":"bad","version":"0"}}}`))
		case "notifications/initialized":
			w.WriteHeader(http.StatusAccepted)
		default:
			reply(w, r, string(msg.ID))
		}
	}))
	t.Cleanup(bt.Close)
	return bt
}
