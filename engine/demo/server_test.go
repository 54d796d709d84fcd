package demo_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/reslua/reslua/engine/demo"
)

// modes are the four transport flavours the server offers.
var modes = []struct {
	name string
	opts demo.Options
}{
	{"stateful-sse", demo.Options{}},
	{"stateful-json", demo.Options{JSON: true}},
	{"stateless-sse", demo.Options{Stateless: true}},
	{"stateless-json", demo.Options{Stateless: true, JSON: true}},
}

func start(t *testing.T, opts demo.Options) *demo.Server {
	t.Helper()
	s, err := demo.Start(t.Context(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// connect opens an official SDK client session on s.
func connect(t *testing.T, s *demo.Server, copts *mcp.ClientOptions) *mcp.ClientSession {
	t.Helper()
	c := mcp.NewClient(&mcp.Implementation{Name: "demo-test", Version: "1"}, copts)
	cs, err := c.Connect(t.Context(), &mcp.StreamableClientTransport{Endpoint: s.URL(), DisableStandaloneSSE: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cs.Close() })
	return cs
}

func TestHealth(t *testing.T) {
	s := start(t, demo.Options{Version: "2.0.0"})
	if !strings.HasPrefix(s.Origin(), "http://127.0.0.1:") || s.URL() != s.Origin()+"/mcp" {
		t.Fatalf("Origin %q, URL %q", s.Origin(), s.URL())
	}
	resp, err := http.Get(s.Origin() + "/health")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]string
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" ||
		body["status"] != "ok" || body["version"] != "2.0.0" {
		t.Fatalf("health: %d %q %v", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
}

func TestToolsWithSDKClient(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			s := start(t, m.opts)
			cs := connect(t, s, nil)
			if got := cs.InitializeResult().ServerInfo; got.Name != "reslua-demo" || got.Version != "1.0.0" {
				t.Errorf("serverInfo = %+v", got)
			}

			var names []string
			for tool, err := range cs.Tools(t.Context(), nil) {
				if err != nil {
					t.Fatal(err)
				}
				names = append(names, tool.Name)
			}
			slices.Sort(names)
			if want := []string{"add", "echo", "fail", "slow"}; !slices.Equal(names, want) {
				t.Errorf("tools = %v, want %v", names, want)
			}

			call := func(name string, args any) *mcp.CallToolResult {
				t.Helper()
				res, err := cs.CallTool(t.Context(), &mcp.CallToolParams{Name: name, Arguments: args})
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				return res
			}
			if res := call("echo", map[string]any{"message": "hi"}); text(res) != "hi" || res.IsError {
				t.Errorf("echo: %q isError=%v", text(res), res.IsError)
			}
			res := call("add", map[string]any{"a": 1, "b": 2.5})
			if text(res) != "3.5" || res.IsError {
				t.Errorf("add: %q isError=%v", text(res), res.IsError)
			}
			if sc, _ := json.Marshal(res.StructuredContent); string(sc) != `{"sum":3.5}` {
				t.Errorf("add structured = %s", sc)
			}
			if res := call("slow", map[string]any{"ms": 1}); text(res) != "slept" {
				t.Errorf("slow: %q", text(res))
			}
			if res := call("fail", map[string]any{"message": "boom"}); !res.IsError || text(res) != "boom" {
				t.Errorf("fail: %q isError=%v", text(res), res.IsError)
			}
			if res := call("fail", nil); !res.IsError || text(res) != "failure requested" {
				t.Errorf("fail without message: %q isError=%v", text(res), res.IsError)
			}
		})
	}
}

func TestPageSize(t *testing.T) {
	s := start(t, demo.Options{PageSize: 1})
	cs := connect(t, s, nil)
	page, err := cs.ListTools(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Tools) != 1 || page.NextCursor == "" {
		t.Fatalf("first page: %d tools, cursor %q", len(page.Tools), page.NextCursor)
	}
	n := 0
	for _, err := range cs.Tools(t.Context(), nil) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 4 {
		t.Fatalf("%d tools over all pages, want 4", n)
	}
}

// post sends one raw JSON-RPC message and returns the reply.
func post(t *testing.T, url, session, body string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	if session != "" {
		req.Header.Set("Mcp-Session-Id", session)
		req.Header.Set("MCP-Protocol-Version", "2025-11-25")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

const initialize = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`

func TestForgetSessions(t *testing.T) {
	s := start(t, demo.Options{JSON: true})
	resp, _ := post(t, s.URL(), "", initialize)
	id := resp.Header.Get("Mcp-Session-Id")
	if resp.StatusCode != 200 || id == "" {
		t.Fatalf("initialize: %d, session %q", resp.StatusCode, id)
	}
	if resp, _ := post(t, s.URL(), id, `{"jsonrpc":"2.0","method":"notifications/initialized"}`); resp.StatusCode != 202 {
		t.Fatalf("initialized: %d", resp.StatusCode)
	}
	if resp, _ := post(t, s.URL(), id, `{"jsonrpc":"2.0","id":2,"method":"ping"}`); resp.StatusCode != 200 {
		t.Fatalf("ping: %d", resp.StatusCode)
	}

	s.ForgetSessions()
	resp, body := post(t, s.URL(), id, `{"jsonrpc":"2.0","id":3,"method":"ping"}`)
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("ping on a forgotten session: %d %q, want 404", resp.StatusCode, body)
	}
	// A new session works.
	if resp, _ := post(t, s.URL(), "", initialize); resp.StatusCode != 200 || resp.Header.Get("Mcp-Session-Id") == "" {
		t.Fatalf("initialize after forget: %d", resp.StatusCode)
	}
}

func TestStatelessGivesNoSessionID(t *testing.T) {
	s := start(t, demo.Options{Stateless: true, JSON: true})
	resp, body := post(t, s.URL(), "", initialize)
	if resp.StatusCode != 200 || resp.Header.Get("Mcp-Session-Id") != "" || !strings.Contains(body, `"protocolVersion":"2025-11-25"`) {
		t.Fatalf("initialize: %d, session %q, body %s", resp.StatusCode, resp.Header.Get("Mcp-Session-Id"), body)
	}
}

func TestResumableSendsPrimingEvent(t *testing.T) {
	s := start(t, demo.Options{Resumable: true})
	resp, body := post(t, s.URL(), "", initialize)
	if resp.StatusCode != 200 || !strings.HasPrefix(body, "event: prime\n") {
		t.Fatalf("initialize: %d %q", resp.StatusCode, body)
	}
}

// TestCloseEndsSlowCall checks that Close does not wait for a slow call.
// It uses SSE replies, which carry the progress notification that says the
// call has started.
func TestCloseEndsSlowCall(t *testing.T) {
	for _, m := range modes {
		if m.opts.JSON {
			continue
		}
		t.Run(m.name, func(t *testing.T) {
			s, err := demo.Start(t.Context(), m.opts)
			if err != nil {
				t.Fatal(err)
			}
			started := make(chan struct{}, 1)
			cs := connect(t, s, &mcp.ClientOptions{
				ProgressNotificationHandler: func(context.Context, *mcp.ProgressNotificationClientRequest) {
					started <- struct{}{}
				},
			})
			done := make(chan struct{})
			go func() {
				defer close(done)
				params := &mcp.CallToolParams{Name: "slow", Arguments: map[string]any{"ms": 3_600_000}}
				params.SetProgressToken("p")
				cs.CallTool(context.WithoutCancel(t.Context()), params) // fails when the server goes
			}()
			<-started
			if err := s.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			<-done
		})
	}
}

func text(res *mcp.CallToolResult) string {
	if len(res.Content) == 0 {
		return ""
	}
	if tc, ok := res.Content[0].(*mcp.TextContent); ok {
		return tc.Text
	}
	return ""
}

func TestResourcesAndPromptsWithSDKClient(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			s := start(t, m.opts)
			cs := connect(t, s, nil)
			var uris []string
			for r, err := range cs.Resources(t.Context(), nil) {
				if err != nil {
					t.Fatal(err)
				}
				uris = append(uris, r.URI)
			}
			slices.Sort(uris)
			if want := []string{"demo://config.json", "demo://readme"}; !slices.Equal(uris, want) {
				t.Errorf("resources = %v, want %v", uris, want)
			}
			read, err := cs.ReadResource(t.Context(), &mcp.ReadResourceParams{URI: "demo://readme"})
			if err != nil || len(read.Contents) != 1 || read.Contents[0].MIMEType != "text/plain" || !strings.HasPrefix(read.Contents[0].Text, "reslua demo server") {
				t.Errorf("read: %+v %v", read, err)
			}
			if _, err := cs.ReadResource(t.Context(), &mcp.ReadResourceParams{URI: "demo://nope"}); err == nil {
				t.Error("reading a missing resource: no error")
			}
			prompts, err := cs.ListPrompts(t.Context(), nil)
			if err != nil || len(prompts.Prompts) != 1 || prompts.Prompts[0].Name != "greet" {
				t.Fatalf("prompts: %+v %v", prompts, err)
			}
			got, err := cs.GetPrompt(t.Context(), &mcp.GetPromptParams{Name: "greet", Arguments: map[string]string{"name": "Ada"}})
			if err != nil || len(got.Messages) != 1 || got.Messages[0].Content.(*mcp.TextContent).Text != "Say hello to Ada." {
				t.Errorf("greet: %+v %v", got, err)
			}
			if _, err := cs.GetPrompt(t.Context(), &mcp.GetPromptParams{Name: "greet"}); err == nil || !strings.Contains(err.Error(), "required") {
				t.Errorf("greet without a name: %v", err)
			}
		})
	}
}

// TestEras connects the SDK's own client, which asks for 2026-07-28 and
// falls back to initialize: a stateless server speaks 2026-07-28, a
// stateful one or one narrowed by ProtocolVersions a legacy revision.
func TestEras(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts demo.Options
		want string
	}{
		{"stateless", demo.Options{Stateless: true}, "2026-07-28"},
		{"stateful", demo.Options{}, "2025-11-25"},
		{"stateless legacy-only", demo.Options{Stateless: true, ProtocolVersions: []string{"2025-06-18"}}, "2025-06-18"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := start(t, tc.opts)
			c := mcp.NewClient(&mcp.Implementation{Name: "demo-test", Version: "1"}, nil)
			cs, err := c.Connect(t.Context(), &mcp.StreamableClientTransport{Endpoint: s.URL(), DisableStandaloneSSE: true},
				&mcp.ClientSessionOptions{ProtocolVersion: "2026-07-28"})
			if err != nil {
				t.Fatal(err)
			}
			defer cs.Close()
			if got := cs.InitializeResult().ProtocolVersion; got != tc.want {
				t.Errorf("protocol version %q, want %q", got, tc.want)
			}
			res, err := cs.CallTool(t.Context(), &mcp.CallToolParams{Name: "echo", Arguments: map[string]any{"message": "hi"}})
			if err != nil || text(res) != "hi" {
				t.Errorf("echo: %v %v", res, err)
			}
		})
	}
}

func TestStats(t *testing.T) {
	s := start(t, demo.Options{JSON: true})
	if st := s.Stats(); st != (demo.Stats{}) {
		t.Fatalf("stats of a new server: %+v", st)
	}
	resp, _ := post(t, s.URL(), "", initialize)
	id := resp.Header.Get("Mcp-Session-Id")
	post(t, s.URL(), id, `{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	post(t, s.URL(), id, `{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":7}}`)
	post(t, s.URL(), id, `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"slow","arguments":{"ms":1}}}`)
	if err := s.Await(t.Context(), func(st demo.Stats) bool { return st.Cancels == 1 }); err != nil {
		t.Fatal(err)
	}
	st := s.Stats()
	if st.Connections < 1 || st.Initializes != 1 || st.Sessions != 1 || st.SlowStarted != 1 || st.SlowCanceled != 0 {
		t.Errorf("stats %+v", st)
	}
	s.ForgetSessions()
	if st := s.Stats(); st.Sessions != 0 || st.Initializes != 1 {
		t.Errorf("stats after ForgetSessions: %+v", st)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := s.Await(ctx, func(st demo.Stats) bool { return st.Initializes == 2 }); err != context.Canceled {
		t.Errorf("Await with a cancelled context: %v", err)
	}
}

func TestErrorRateFailsAnExactShare(t *testing.T) {
	s := start(t, demo.Options{Stateless: true, JSON: true, ErrorRate: 0.25})
	var failed []int
	for i := 1; i <= 12; i++ {
		resp, body := post(t, s.URL(), "", initialize)
		switch resp.StatusCode {
		case http.StatusServiceUnavailable:
			failed = append(failed, i)
		case http.StatusOK:
		default:
			t.Fatalf("request %d: %d %s", i, resp.StatusCode, body)
		}
	}
	if want := []int{4, 8, 12}; !slices.Equal(failed, want) {
		t.Fatalf("failed requests %v, want %v", failed, want)
	}
	if got := s.Stats().Failed; got != 3 {
		t.Fatalf("Stats().Failed = %d, want 3", got)
	}
	// /health stays healthy: a failing version that passes its health
	// checks is what rollout analysis is for.
	resp, err := http.Get(s.Origin() + "/health")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("health: %d", resp.StatusCode)
	}
}

// The lookup tool asks the server's TCP dependency; when the dependency
// is gone the call fails (isError), it does not hang.
func TestLookupUsesTheDependency(t *testing.T) {
	kv, err := demo.StartKV(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	s := start(t, demo.Options{Stateless: true, JSON: true, Dependency: kv.Addr()})
	cs := connect(t, s, nil)
	lookup := func() *mcp.CallToolResult {
		t.Helper()
		res, err := cs.CallTool(t.Context(), &mcp.CallToolParams{Name: "lookup", Arguments: map[string]any{"key": "user-42"}})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	if res := lookup(); res.IsError || text(res) != "value-of-user-42" {
		t.Fatalf("lookup: %q isError=%v", text(res), res.IsError)
	}
	if err := kv.Close(); err != nil {
		t.Fatal(err)
	}
	if res := lookup(); !res.IsError || !strings.HasPrefix(text(res), "dependency: ") {
		t.Fatalf("lookup without its dependency: %q isError=%v", text(res), res.IsError)
	}
}
