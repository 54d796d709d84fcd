package demo

import (
	"context"
	"fmt"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// The demo resources: static, so reading them costs the server nothing but
// the protocol.
var resources = []struct {
	uri, name, mimeType, text string
}{
	{"demo://readme", "readme", "text/plain", "reslua demo server: tools echo, add, slow, fail; prompt greet."},
	{"demo://config.json", "config", "application/json", `{"tools":4,"prompts":1}`},
}

// registerContent adds the demo resources and the greet prompt to s.
func registerContent(s *mcp.Server) {
	for _, r := range resources {
		s.AddResource(&mcp.Resource{URI: r.uri, Name: r.name, MIMEType: r.mimeType},
			func(context.Context, *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
				return &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{
					{URI: r.uri, MIMEType: r.mimeType, Text: r.text},
				}}, nil
			})
	}
	s.AddPrompt(&mcp.Prompt{
		Name:        "greet",
		Description: "Asks the model to greet someone.",
		Arguments:   []*mcp.PromptArgument{{Name: "name", Description: "who to greet", Required: true}},
	}, greet)
}

// greet renders the greet prompt; without a name it fails with JSON-RPC
// invalid params (-32602), as the SDK does not check required arguments.
func greet(_ context.Context, req *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
	if req.Params.Arguments["name"] == "" {
		return nil, &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: `greet: argument "name" is required`}
	}
	return &mcp.GetPromptResult{
		Description: "A greeting",
		Messages: []*mcp.PromptMessage{{
			Role:    "user",
			Content: &mcp.TextContent{Text: fmt.Sprintf("Say hello to %s.", req.Params.Arguments["name"])},
		}},
	}, nil
}
