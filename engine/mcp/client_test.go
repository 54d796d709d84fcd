package mcp_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/reslua/reslua/engine/demo"
	"github.com/reslua/reslua/engine/mcp"
	"github.com/reslua/reslua/engine/outcome"
)

func TestClientAgainstDemo(t *testing.T) {
	for _, m := range modes {
		for _, version := range []string{"2025-03-26", "2025-06-18", "2025-11-25"} {
			t.Run(m.name+"/"+version, func(t *testing.T) {
				srv := startDemo(t, m.opts)
				c := &mcp.Client{URL: srv.URL(), ProtocolVersion: version}
				s := open(t, c)
				if got := s.ProtocolVersion(); got != version {
					t.Errorf("negotiated %q, want %q", got, version)
				}
				if stateful := !m.opts.Stateless; stateful != (s.ID() != "") {
					t.Errorf("session id %q on a stateless=%v server", s.ID(), m.opts.Stateless)
				}

				ok := func(r mcp.Request) mcp.Response {
					t.Helper()
					res := s.Do(t.Context(), r)
					if res.Kind != outcome.OK || res.Err != nil || res.Status != 200 || res.Reinitialized {
						t.Fatalf("%s: %+v", r.Method, res)
					}
					return res
				}

				var list struct {
					Tools []struct{ Name string } `json:"tools"`
				}
				if err := json.Unmarshal(ok(mcp.ToolsList("")).Result, &list); err != nil || len(list.Tools) != 4 {
					t.Errorf("tools/list: %+v %v", list, err)
				}
				if got := toolText(t, ok(callTool(t, "echo", map[string]string{"message": "hé \"x\""})).Result); got != "hé \"x\"" {
					t.Errorf("echo = %q", got)
				}
				add := ok(callTool(t, "add", map[string]float64{"a": 1, "b": 2.5}))
				if got := toolText(t, add.Result); got != "3.5" {
					t.Errorf("add = %q", got)
				}
				if !strings.Contains(string(add.Result), `"structuredContent":{"sum":3.5}`) {
					t.Errorf("add result %s lacks the structured sum", add.Result)
				}
				if res := ok(mcp.Ping()); string(res.Result) != "{}" {
					t.Errorf("ping result %s", res.Result)
				}

				res := s.Do(t.Context(), callTool(t, "fail", map[string]string{"message": "boom"}))
				if res.Kind != outcome.ToolError || !errors.Is(res.Err, mcp.ErrToolError) || !strings.Contains(res.Err.Error(), "boom") || res.Result == nil {
					t.Errorf("fail: %+v", res)
				}
				// Bad arguments: the SDK validates them and answers isError.
				res = s.Do(t.Context(), callTool(t, "add", map[string]string{"a": "x"}))
				if res.Kind != outcome.ToolError {
					t.Errorf("add with bad arguments: %+v", res)
				}
				// Unknown tool: the SDK answers JSON-RPC -32602 (invalid params).
				res = s.Do(t.Context(), callTool(t, "nope", nil))
				var rpcErr *mcp.RPCError
				if res.Kind != outcome.JSONRPC(-32602) || !errors.As(res.Err, &rpcErr) || !strings.Contains(rpcErr.Message, "nope") {
					t.Errorf("unknown tool: %+v", res)
				}
				// Unknown method: the SDK answers a plain-text HTTP 400.
				res = s.Do(t.Context(), mcp.Request{Method: "no/such"})
				if res.Kind != outcome.HTTPStatus(400) || res.Status != 400 || !errors.Is(res.Err, mcp.ErrStatus) || res.Reinitialized {
					t.Errorf("unknown method: %+v", res)
				}

				id := s.ID()
				if err := s.Close(t.Context()); err != nil {
					t.Fatalf("Close: %v", err)
				}
				if res := s.Do(t.Context(), mcp.Ping()); res.Kind != outcome.Canceled || !errors.Is(res.Err, mcp.ErrClosed) {
					t.Errorf("Do after Close: %+v", res)
				}
				if err := s.Close(t.Context()); err != nil {
					t.Errorf("second Close: %v", err)
				}
				if id != "" {
					if code := rawPost(t, srv.URL(), id, `{"jsonrpc":"2.0","id":99,"method":"ping"}`); code != 404 {
						t.Errorf("ping on the deleted session: %d, want 404", code)
					}
				}
			})
		}
	}
}

// TestSSEExtrasFromDemo reads real SSE replies that carry a priming event
// and a progress notification before the response.
func TestSSEExtrasFromDemo(t *testing.T) {
	srv := startDemo(t, demo.Options{Resumable: true})
	s := open(t, &mcp.Client{URL: srv.URL(), ProtocolVersion: "2025-11-25"})
	r := mcp.Request{Method: "tools/call", Params: json.RawMessage(`{"name":"slow","arguments":{"ms":1},"_meta":{"progressToken":"p1"}}`)}
	res := s.Do(t.Context(), r)
	if res.Kind != outcome.OK || toolText(t, res.Result) != "slept" {
		t.Fatalf("slow with progress: %+v", res)
	}
}

func TestListAllTools(t *testing.T) {
	srv := startDemo(t, demo.Options{PageSize: 1})
	s := open(t, &mcp.Client{URL: srv.URL()})
	first := s.Do(t.Context(), mcp.ToolsList(""))
	if first.Kind != outcome.OK || !strings.Contains(string(first.Result), `"nextCursor"`) {
		t.Fatalf("first page: %+v", first)
	}
	tools, res := mcp.ListAllTools(t.Context(), s)
	if res.Kind != outcome.OK || len(tools) != 4 {
		t.Fatalf("ListAllTools: %d tools, %+v", len(tools), res)
	}

	// The same in 2026-07-28, where cursors cross stateless requests.
	srv = startDemo(t, demo.Options{Stateless: true, PageSize: 1})
	s = open(t, &mcp.Client{URL: srv.URL(), ProtocolVersion: mcp.Version20260728})
	tools, res = mcp.ListAllTools(t.Context(), s)
	if res.Kind != outcome.OK || len(tools) != 4 {
		t.Fatalf("ListAllTools in 2026-07-28: %d tools, %+v", len(tools), res)
	}
}

func TestRequestBuilders(t *testing.T) {
	call, err := mcp.CallTool("echo", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := mcp.CallTool("echo", func() {}); err == nil {
		t.Error("CallTool with an unencodable argument: no error")
	}
	for _, tc := range []struct {
		got        mcp.Request
		method, ps string
	}{
		{mcp.Ping(), "ping", ""},
		{mcp.ServerDiscover(), "server/discover", ""},
		{mcp.ToolsList(""), "tools/list", ""},
		{mcp.ToolsList("c2"), "tools/list", `{"cursor":"c2"}`},
		{call, "tools/call", `{"name":"echo","arguments":{}}`},
		{mcp.ResourcesList(""), "resources/list", ""},
		{mcp.ResourcesRead("file:///a"), "resources/read", `{"uri":"file:///a"}`},
		{mcp.PromptsList("x"), "prompts/list", `{"cursor":"x"}`},
		{mcp.PromptsGet("p", map[string]string{"k": "v"}), "prompts/get", `{"name":"p","arguments":{"k":"v"}}`},
	} {
		if tc.got.Method != tc.method || string(tc.got.Params) != tc.ps {
			t.Errorf("got %s %s, want %s %s", tc.got.Method, tc.got.Params, tc.method, tc.ps)
		}
	}
}

func TestBadURL(t *testing.T) {
	for _, u := range []string{"", "127.0.0.1:80/mcp", "ftp://x/mcp", "http://%zz"} {
		_, err := (&mcp.Client{URL: u}).Open(t.Context())
		var oe *mcp.OpenError
		if !errors.As(err, &oe) || oe.Kind != outcome.Other {
			t.Errorf("Open with URL %q: %v", u, err)
		}
	}
}

// TestHeaders checks what the client sends on a request after the
// handshake.
func TestHeaders(t *testing.T) {
	got := make(chan http.Header, 1)
	bt := startBadTarget(t, func(w http.ResponseWriter, r *http.Request, id string) {
		got <- r.Header.Clone()
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"jsonrpc":"2.0","id":`+id+`,"result":{}}`)
	})
	c := &mcp.Client{URL: bt.URL, Header: http.Header{"authorization": {"Bearer x"}}}
	s := open(t, c)
	if res := s.Do(t.Context(), mcp.Ping()); res.Kind != outcome.OK {
		t.Fatalf("ping: %+v", res)
	}
	h := <-got
	for name, want := range map[string]string{
		"Content-Type":         "application/json",
		"Accept":               "application/json, text/event-stream",
		"Mcp-Session-Id":       "s1",
		"MCP-Protocol-Version": "2025-06-18",
		"Authorization":        "Bearer x",
	} {
		if h.Get(name) != want {
			t.Errorf("%s = %q, want %q", name, h.Get(name), want)
		}
	}
}
