package engine

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/reslua/reslua/engine/mcp"
)

// runOneLoad runs one open load of mix against url and returns its result
// and the run's summary.
func runOneLoad(t *testing.T, url string, sessions int, mix []MixEntry) (LoadResult, string, []byte) {
	t.Helper()
	ctx := context.Background()
	r := NewRun(Config{Seed: 1})
	target, err := r.AddTarget(TargetSpec{Name: "t", URL: url, Timeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	l, err := r.StartLoad(ctx, LoadSpec{Name: "l", Target: target, Rate: 20, Duration: time.Second, Sessions: sessions, Mix: mix})
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
	data, err := res.JSON(RunMeta{Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Loads) != 1 {
		t.Fatalf("loads: %+v", res.Loads)
	}
	return res.Loads[0], sum.String(), data
}

// TestLoadCountsReconnects: a server that closes every connection as soon
// as it goes idle (after one response, without saying so) costs no
// request; the load shows the connections and reconnects.
func TestLoadCountsReconnects(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("ok"))
	}))
	srv.Config.ConnState = func(c net.Conn, st http.ConnState) {
		if st == http.StateIdle {
			c.Close() // before the server reads another request on it
		}
	}
	srv.Start()
	defer srv.Close()
	l, sum, data := runOneLoad(t, srv.URL, 0, []MixEntry{{Weight: 1, Request: RequestSpec{HTTP: &HTTPRequest{Path: "/"}}}})
	t.Logf("summary:\n%s", sum)
	q := l.Requests[0]
	if q.Count == 0 || q.Failures() != 0 {
		t.Fatalf("%d requests, %d failed: %v", q.Count, q.Failures(), q.Errors)
	}
	// Every request went on a connection of its own; each after the first
	// found the one before closed (at checkout, or as a GET replayed).
	c := l.Connections
	if c.Dials != q.Count || c.Reconnects < 1 || c.Reconnects > q.Count-1 || c.Replays > c.Reconnects {
		t.Errorf("Connections = %+v for %d requests", c, q.Count)
	}
	if !strings.Contains(sum, "connections: ") || !strings.Contains(sum, " reconnects (kept-alive connections the server had closed)") {
		t.Errorf("summary without the connections line:\n%s", sum)
	}
	if !strings.Contains(string(data), `"reconnects":`) {
		t.Error("results.json without reconnects")
	}
}

// TestLoadCountsServerRequests: an MCP server that pings the client and
// asks for its roots during every call; the calls complete, and the load
// counts the requests by kind, in the summary and results.json.
func TestLoadCountsServerRequests(t *testing.T) {
	srv := sdk.NewServer(&sdk.Implementation{Name: "asker", Version: "1"}, nil)
	sdk.AddTool(srv, &sdk.Tool{Name: "ask"}, func(ctx context.Context, req *sdk.CallToolRequest, _ struct{}) (*sdk.CallToolResult, any, error) {
		if err := req.Session.Ping(ctx, nil); err != nil {
			return nil, nil, err
		}
		if _, err := req.Session.ListRoots(ctx, nil); err == nil {
			return nil, nil, context.Canceled // reslua has no roots: this must fail
		}
		return &sdk.CallToolResult{Content: []sdk.Content{&sdk.TextContent{Text: "done"}}}, nil, nil
	})
	hs := httptest.NewServer(sdk.NewStreamableHTTPHandler(func(*http.Request) *sdk.Server { return srv }, nil))
	defer hs.Close()
	l, sum, data := runOneLoad(t, hs.URL, 2, []MixEntry{{Weight: 1, Request: RequestSpec{MCP: &MCPRequest{
		Method: "tools/call", Tool: "ask", Params: json.RawMessage(`{"name":"ask","arguments":{}}`)}}}})
	t.Logf("summary:\n%s", sum)
	q := l.Requests[0]
	if q.Count == 0 || q.Failures() != 0 {
		t.Fatalf("%d calls, %d failed: %v", q.Count, q.Failures(), q.Errors)
	}
	if want := (mcp.ServerRequests{Ping: q.Count, Roots: q.Count}); q.ServerRequests != want {
		t.Errorf("ServerRequests = %+v, want %+v", q.ServerRequests, want)
	}
	if !strings.Contains(sum, "server requests answered: ") {
		t.Errorf("summary without the server requests:\n%s", sum)
	}
	back, err := ReadResults(data)
	if err != nil {
		t.Fatal(err)
	}
	if got := back.Result.Loads[0].Requests[0].ServerRequests; got != q.ServerRequests {
		t.Errorf("results.json: ServerRequests = %+v, want %+v", got, q.ServerRequests)
	}
}
