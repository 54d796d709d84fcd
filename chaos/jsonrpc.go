package chaos

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// JSONRPCError answers a JSON-RPC request with a JSON-RPC error object
// instead of forwarding it: 200 OK, Content-Type application/json, and
// {"jsonrpc":"2.0","id":<the request's id>,"error":{"code":…,"message":…}}.
// This is how an MCP server reports a failed method; with Match.Tool it
// fails one tool while the others pass. The proxy reads the request body
// to find the id and hands the body on unchanged when the fault does not
// apply. HTTP only.
//
// Only requests that carry an id match: a notification, a batch or a
// body that is not JSON-RPC is never answered with an error (a
// notification has no response to replace).
type JSONRPCError struct {
	// Code is the error code. Zero: -32603 (internal error).
	Code int

	// Message is the error message. Zero: "Internal error".
	Message string

	// Data, when set, is sent as the error's data member; it must be
	// valid JSON. Zero (nil): no data member.
	Data json.RawMessage
}

// Kind returns "jsonrpc_error".
func (JSONRPCError) Kind() string { return "jsonrpc_error" }

func (a JSONRPCError) validate(_ Scope, p *problems) {
	if a.Data != nil && !json.Valid(a.Data) {
		p.add("JSONRPCError.Data", "is not valid JSON")
	}
}

func (a JSONRPCError) apply(h *hit) {
	h.plan.respond = func(w http.ResponseWriter, rpc *rpcMessage) {
		code := a.Code
		if code == 0 {
			code = -32603
		}
		msg := a.Message
		if msg == "" {
			msg = "Internal error"
		}
		b := make([]byte, 0, 128)
		b = append(b, `{"jsonrpc":"2.0","id":`...)
		b = append(b, rpc.ID...)
		b = append(b, `,"error":{"code":`...)
		b = strconv.AppendInt(b, int64(code), 10)
		b = append(b, `,"message":`...)
		m, _ := json.Marshal(msg)
		b = append(b, m...)
		if a.Data != nil {
			b = append(b, `,"data":`...)
			b = append(b, a.Data...)
		}
		b = append(b, "}}\n"...)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(b)))
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(b)
	}
}
