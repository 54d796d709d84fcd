package demo

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// errStopped ends a slow call when its server forgets its sessions or
// closes.
var errStopped = errors.New("demo: server stopping")

// toolbox holds the demo tools of one server generation. stop is closed
// when that generation ends (ForgetSessions or Close), so that slow calls
// do not hold the shutdown up.
type toolbox struct {
	stop       <-chan struct{}
	counts     *counters
	dependency string // Options.Dependency
}

// register adds every tool to s.
func (t *toolbox) register(s *mcp.Server) {
	mcp.AddTool(s, &mcp.Tool{Name: "echo", Description: "Returns its message."}, t.echo)
	mcp.AddTool(s, &mcp.Tool{Name: "add", Description: "Adds two numbers."}, t.add)
	mcp.AddTool(s, &mcp.Tool{Name: "slow", Description: "Sleeps for ms milliseconds."}, t.slow)
	mcp.AddTool(s, &mcp.Tool{Name: "fail", Description: "Always fails (isError: true)."}, t.fail)
	if t.dependency != "" {
		mcp.AddTool(s, &mcp.Tool{Name: "lookup", Description: "Looks a key up in the server's TCP dependency."}, t.lookup)
	}
}

type echoInput struct {
	Message string `json:"message" jsonschema:"the text to return"`
}

func (t *toolbox) echo(_ context.Context, _ *mcp.CallToolRequest, in echoInput) (*mcp.CallToolResult, any, error) {
	return text(in.Message), nil, nil
}

type addInput struct {
	A float64 `json:"a" jsonschema:"the first addend"`
	B float64 `json:"b" jsonschema:"the second addend"`
}

type addOutput struct {
	Sum float64 `json:"sum" jsonschema:"a + b"`
}

func (t *toolbox) add(_ context.Context, _ *mcp.CallToolRequest, in addInput) (*mcp.CallToolResult, addOutput, error) {
	sum := in.A + in.B
	return text(strconv.FormatFloat(sum, 'g', -1, 64)), addOutput{Sum: sum}, nil
}

type slowInput struct {
	Ms int `json:"ms" jsonschema:"how long to sleep, in milliseconds"`
}

func (t *toolbox) slow(ctx context.Context, req *mcp.CallToolRequest, in slowInput) (*mcp.CallToolResult, any, error) {
	if token := req.Params.GetProgressToken(); token != nil {
		// Best effort: a client that has gone away cannot be told.
		_ = req.Session.NotifyProgress(ctx, &mcp.ProgressNotificationParams{
			ProgressToken: token, Message: "sleeping", Progress: 0, Total: 1,
		})
	}
	t.counts.add(func(st *Stats) { st.SlowStarted++ })
	timer := time.NewTimer(time.Duration(max(in.Ms, 0)) * time.Millisecond)
	defer timer.Stop()
	select {
	case <-timer.C:
		return text("slept"), nil, nil
	case <-ctx.Done():
		t.counts.add(func(st *Stats) { st.SlowCanceled++ })
		return nil, nil, ctx.Err()
	case <-t.stop:
		return nil, nil, errStopped
	}
}

type failInput struct {
	Message string `json:"message,omitempty" jsonschema:"the error text; optional"`
}

func (t *toolbox) fail(_ context.Context, _ *mcp.CallToolRequest, in failInput) (*mcp.CallToolResult, any, error) {
	msg := in.Message
	if msg == "" {
		msg = "failure requested"
	}
	res := text(msg)
	res.IsError = true
	return res, nil, nil
}

// text is a tool result holding one text content.
func text(s string) *mcp.CallToolResult {
	return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: s}}}
}
