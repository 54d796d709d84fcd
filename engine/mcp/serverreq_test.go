package mcp_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/reslua/reslua/engine/mcp"
	"github.com/reslua/reslua/engine/outcome"
)

// asked is what the go-sdk server's tool got back from the client for
// each request it sent during the call.
type asked struct {
	ping, sampling, roots, elicit error
}

// askingServer is a real go-sdk MCP server whose tool "ask" calls the
// session's Ping, CreateMessage, ListRoots and Elicit during the call, and
// reports what came back on answers.
func askingServer(t *testing.T) (url string, answers <-chan asked) {
	t.Helper()
	ch := make(chan asked, 16)
	srv := sdk.NewServer(&sdk.Implementation{Name: "asker", Version: "1"}, nil)
	sdk.AddTool(srv, &sdk.Tool{Name: "ask", Description: "Asks the client things."},
		func(ctx context.Context, req *sdk.CallToolRequest, _ struct{}) (*sdk.CallToolResult, any, error) {
			var a asked
			a.ping = req.Session.Ping(ctx, nil)
			_, a.sampling = req.Session.CreateMessage(ctx, &sdk.CreateMessageParams{
				MaxTokens: 8,
				Messages:  []*sdk.SamplingMessage{{Role: "user", Content: &sdk.TextContent{Text: "hi"}}},
			})
			_, a.roots = req.Session.ListRoots(ctx, nil)
			_, a.elicit = req.Session.Elicit(ctx, &sdk.ElicitParams{Message: "name?"})
			ch <- a
			return &sdk.CallToolResult{Content: []sdk.Content{&sdk.TextContent{Text: "done"}}}, nil, nil
		})
	ts := httptest.NewServer(sdk.NewStreamableHTTPHandler(func(*http.Request) *sdk.Server { return srv }, nil))
	t.Cleanup(ts.Close)
	return ts.URL, ch
}

// isMethodNotFound reports whether err is the JSON-RPC error -32601 the
// server got back.
func isMethodNotFound(err error) bool {
	var we *jsonrpc.Error
	return errors.As(err, &we) && we.Code == jsonrpc.CodeMethodNotFound
}

// TestServerRequestsAnswered: requests a server sends on a call's SSE
// stream are answered at once (ping with an empty result, the rest with
// method not found, since reslua declares no client capability), so the
// call completes, and each is counted by kind. Before, they were skipped
// and the call hung until its timeout.
func TestServerRequestsAnswered(t *testing.T) {
	for _, transport := range []string{"httpc", "net/http"} {
		t.Run(strings.ReplaceAll(transport, "/", ""), func(t *testing.T) {
			url, answers := askingServer(t)
			// The timeout only bounds a regression (a call left hanging):
			// nothing here waits for it.
			c := &mcp.Client{URL: url, ProtocolVersion: mcp.LatestLegacyVersion, Timeout: time.Minute}
			if transport == "net/http" {
				c.HTTP = &http.Client{Transport: &http.Transport{}}
			}
			defer c.CloseIdleConnections()
			s := open(t, c)
			defer s.Close(context.Background())
			const calls = 3
			var total mcp.ServerRequests
			for i := range calls {
				res := s.Do(t.Context(), callTool(t, "ask", map[string]any{}))
				if res.Kind != outcome.OK {
					t.Fatalf("call %d: %s: %v", i, res.Kind, res.Err)
				}
				total.Add(res.ServerRequests)
				a := <-answers
				if a.ping != nil {
					t.Errorf("call %d: the server's ping failed: %v", i, a.ping)
				}
				if !isMethodNotFound(a.sampling) {
					t.Errorf("call %d: sampling/createMessage got %v, want method not found", i, a.sampling)
				}
				if !isMethodNotFound(a.roots) {
					t.Errorf("call %d: roots/list got %v, want method not found", i, a.roots)
				}
				// go-sdk does not send elicitation/create to a client that
				// did not declare the capability.
				if a.elicit == nil || !strings.Contains(a.elicit.Error(), "does not support elicitation") {
					t.Errorf("call %d: Elicit: %v", i, a.elicit)
				}
			}
			want := mcp.ServerRequests{Ping: calls, Sampling: calls, Roots: calls}
			if total != want {
				t.Errorf("ServerRequests = %+v, want %+v", total, want)
			}
		})
	}
}
