package mcp_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/reslua/reslua/engine/demo"
	"github.com/reslua/reslua/engine/mcp"
	"github.com/reslua/reslua/engine/outcome"
)

// TestResourcesAndPrompts runs the resources and prompts builders against
// the demo server in every flavour.
func TestResourcesAndPrompts(t *testing.T) {
	for _, f := range flavours() {
		t.Run(f.name, func(t *testing.T) {
			srv := startDemo(t, f.opts)
			s := open(t, f.client(srv.URL()))
			ok := func(r mcp.Request) json.RawMessage {
				t.Helper()
				res := s.Do(t.Context(), r)
				if res.Kind != outcome.OK {
					t.Fatalf("%s %s: %+v", r.Method, r.Params, res)
				}
				return res.Result
			}

			var resources struct {
				Resources []struct{ URI, Name, MimeType string } `json:"resources"`
			}
			if err := json.Unmarshal(ok(mcp.ResourcesList("")), &resources); err != nil || len(resources.Resources) != 2 {
				t.Fatalf("resources/list: %+v %v", resources, err)
			}
			var read struct {
				Contents []struct{ URI, MimeType, Text string } `json:"contents"`
			}
			if err := json.Unmarshal(ok(mcp.ResourcesRead("demo://config.json")), &read); err != nil ||
				len(read.Contents) != 1 || read.Contents[0].Text != `{"tools":4,"prompts":1}` || read.Contents[0].MimeType != "application/json" {
				t.Fatalf("resources/read: %+v %v", read, err)
			}
			// A missing resource: -32602 (with HTTP 400 in 2026-07-28).
			if res := s.Do(t.Context(), mcp.ResourcesRead("demo://nope")); res.Kind != outcome.JSONRPC(-32602) {
				t.Errorf("reading a missing resource: %+v", res)
			}

			var prompts struct {
				Prompts []struct {
					Name      string
					Arguments []struct {
						Name     string
						Required bool
					}
				} `json:"prompts"`
			}
			if err := json.Unmarshal(ok(mcp.PromptsList("")), &prompts); err != nil || len(prompts.Prompts) != 1 ||
				prompts.Prompts[0].Name != "greet" || len(prompts.Prompts[0].Arguments) != 1 || !prompts.Prompts[0].Arguments[0].Required {
				t.Fatalf("prompts/list: %+v %v", prompts, err)
			}
			var prompt struct {
				Messages []struct {
					Role    string
					Content struct{ Type, Text string }
				} `json:"messages"`
			}
			if err := json.Unmarshal(ok(mcp.PromptsGet("greet", map[string]string{"name": "Ada"})), &prompt); err != nil ||
				len(prompt.Messages) != 1 || prompt.Messages[0].Content.Text != "Say hello to Ada." || prompt.Messages[0].Role != "user" {
				t.Fatalf("prompts/get: %+v %v", prompt, err)
			}
			// A missing required argument: JSON-RPC invalid params.
			if res := s.Do(t.Context(), mcp.PromptsGet("greet", nil)); res.Kind != outcome.JSONRPC(-32602) {
				t.Errorf("prompts/get without its argument: %+v", res)
			}
		})
	}
}

// TestProgress counts the progress notification the slow tool sends on an
// SSE reply when asked (a JSON reply has no room for one), and checks the
// reply's timings.
func TestProgress(t *testing.T) {
	for _, f := range flavours() {
		t.Run(f.name, func(t *testing.T) {
			srv := startDemo(t, f.opts)
			s := open(t, f.client(srv.URL()))
			slow := callTool(t, "slow", map[string]int{"ms": 1})
			if res := s.Do(t.Context(), slow); res.Kind != outcome.OK || res.Progress != 0 {
				t.Fatalf("slow without a progress token: %+v", res)
			}
			slow.Progress = true
			res := s.Do(t.Context(), slow)
			want := 1
			if f.opts.JSON {
				want = 0
			}
			if res.Kind != outcome.OK || toolText(t, res.Result) != "slept" || res.Progress != want {
				t.Fatalf("slow with a progress token: %+v, want %d progress", res, want)
			}
			if res.FirstByte <= 0 || res.Total < res.FirstByte {
				t.Errorf("first byte %v, total %v", res.FirstByte, res.Total)
			}
		})
	}
}

// TestCancelNotification: a legacy-era call whose context ends before the
// response tells the server, which stops the call. In 2026-07-28 closing
// the stream is the cancellation and nothing is sent.
func TestCancelNotification(t *testing.T) {
	for _, f := range flavours() {
		if f.opts.Stateless && !f.stateless() {
			continue // a stateless legacy server cannot tie the notification to the call
		}
		t.Run(f.name, func(t *testing.T) {
			srv := startDemo(t, f.opts)
			p, err := mcp.NewPool(t.Context(), f.client(srv.URL()), 1)
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close(t.Context())

			ctx, cancel := context.WithCancel(t.Context())
			done := make(chan mcp.Response)
			go func() { done <- p.Do(ctx, callTool(t, "slow", map[string]int{"ms": 3_600_000})) }()
			if err := srv.Await(t.Context(), func(st demo.Stats) bool { return st.SlowStarted == 1 }); err != nil {
				t.Fatal(err)
			}
			cancel()
			if res := <-done; res.Kind != outcome.Canceled {
				t.Fatalf("cancelled slow call: %+v", res)
			}
			if f.stateless() {
				if st := p.Stats(); st.CancelsSent != 0 {
					t.Errorf("%d notifications/cancelled sent in 2026-07-28", st.CancelsSent)
				}
				return
			}
			if err := srv.Await(t.Context(), func(st demo.Stats) bool { return st.Cancels == 1 && st.SlowCanceled == 1 }); err != nil {
				t.Fatal(err)
			}
			if st := p.Stats(); st.CancelsSent != 1 {
				t.Errorf("%d notifications/cancelled sent, want 1", st.CancelsSent)
			}
			// The session still works.
			if res := p.Do(t.Context(), cheap()); res.Kind != outcome.OK {
				t.Errorf("tools/list after the cancellation: %+v", res)
			}
		})
	}
}
