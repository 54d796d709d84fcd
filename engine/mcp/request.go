package mcp

import (
	"encoding/json"
	"strconv"
)

// Request is one JSON-RPC request to send. Params is encoded once, when the
// Request is built, so a load mix does not re-encode it on every call. The
// zero value has no method; servers refuse it.
type Request struct {
	// Method is the JSON-RPC method, e.g. "tools/call".
	Method string
	// Params is the encoded params object; nil: the request has no params.
	Params json.RawMessage
}

// Ping returns a ping request.
func Ping() Request { return Request{Method: "ping"} }

// ToolsList returns a tools/list request for the page at cursor; an empty
// cursor asks for the first page. To fetch every page, use ListAllTools.
func ToolsList(cursor string) Request { return listRequest("tools/list", cursor) }

// ResourcesList returns a resources/list request for the page at cursor;
// an empty cursor asks for the first page.
func ResourcesList(cursor string) Request { return listRequest("resources/list", cursor) }

// PromptsList returns a prompts/list request for the page at cursor; an
// empty cursor asks for the first page.
func PromptsList(cursor string) Request { return listRequest("prompts/list", cursor) }

func listRequest(method, cursor string) Request {
	if cursor == "" {
		return Request{Method: method}
	}
	return Request{Method: method, Params: stringParams("cursor", cursor)}
}

// ResourcesRead returns a resources/read request for uri.
func ResourcesRead(uri string) Request {
	return Request{Method: "resources/read", Params: stringParams("uri", uri)}
}

// CallTool returns a tools/call request for the tool name with arguments
// args, which must encode to a JSON object (a struct or a map); nil sends
// {}. The error is json.Marshal's.
func CallTool(name string, args any) (Request, error) {
	if args == nil {
		args = struct{}{}
	}
	p, err := json.Marshal(struct {
		Name      string `json:"name"`
		Arguments any    `json:"arguments"`
	}{name, args})
	if err != nil {
		return Request{}, err
	}
	return Request{Method: "tools/call", Params: p}, nil
}

// PromptsGet returns a prompts/get request for the prompt name with
// arguments args; nil sends none.
func PromptsGet(name string, args map[string]string) Request {
	p, _ := json.Marshal(struct { // cannot fail: strings only
		Name      string            `json:"name"`
		Arguments map[string]string `json:"arguments,omitempty"`
	}{name, args})
	return Request{Method: "prompts/get", Params: p}
}

// stringParams encodes {"key": value}.
func stringParams(key, value string) json.RawMessage {
	p, _ := json.Marshal(map[string]string{key: value}) // cannot fail: strings only
	return p
}

// appendRequest appends the JSON-RPC request {jsonrpc, id, method, params}
// to b. An id below zero makes a notification (no id).
func appendRequest(b []byte, id int64, method string, params json.RawMessage) []byte {
	b = append(b, `{"jsonrpc":"2.0",`...)
	if id >= 0 {
		b = append(b, `"id":`...)
		b = strconv.AppendInt(b, id, 10)
		b = append(b, ',')
	}
	b = append(b, `"method":`...)
	b = appendString(b, method)
	if len(params) > 0 {
		b = append(b, `,"params":`...)
		b = append(b, params...)
	}
	return append(b, '}')
}

// appendString appends s as a JSON string. Method names are plain ASCII, so
// that case skips encoding/json.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			q, _ := json.Marshal(s) // cannot fail for a string
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
