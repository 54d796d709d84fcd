package mcp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/reslua/reslua/engine/httpc"
	"github.com/reslua/reslua/engine/outcome"
)

// Sentinel errors, found with errors.Is in a Response's Err.
var (
	// ErrProtocol marks a reply that breaks HTTP, JSON-RPC or MCP framing:
	// bad JSON, an unknown Content-Type, a response with neither result nor
	// error. Its kind is outcome.Protocol.
	ErrProtocol = errors.New("mcp: malformed reply")
	// ErrTooLarge marks a reply over the cap of what is held of one
	// (1 MiB) whose result had to be kept: a body, or an SSE line or
	// event. Its kind is outcome.TooLarge.
	ErrTooLarge = errors.New("mcp: reply too large to keep (over 1 MiB)")
	// ErrNoResponse marks an SSE stream that ended before the response to
	// the request arrived. Its kind is outcome.EOF.
	ErrNoResponse = errors.New("mcp: stream ended before the response")
	// ErrStatus marks an HTTP status of 400 or more. Its kind is
	// outcome.HTTPStatus(code).
	ErrStatus = errors.New("mcp: HTTP error status")
	// ErrToolError marks a tools/call result with isError: true. Its kind
	// is outcome.ToolError.
	ErrToolError = errors.New("mcp: tool reported an error")
	// ErrURL marks a Client.URL that is not an absolute http or https
	// URL. Its kind is outcome.Other.
	ErrURL = errors.New("mcp: Client.URL is not an http(s) URL")
	// ErrClosed is returned by calls on a closed Session or Pool. Its kind
	// is outcome.Canceled.
	ErrClosed = errors.New("mcp: session closed")
	// ErrParams marks a Request whose Params is not a JSON object (or
	// whose params._meta is not one). Its kind is outcome.Other.
	ErrParams = errors.New("mcp: request params are not a JSON object")
	// ErrPoolSize is returned by NewPool and OpenPool for a pool of no
	// sessions.
	ErrPoolSize = errors.New("mcp: a pool needs at least one session")
	// ErrInputRequired marks a result with resultType "input_required"
	// (revision 2026-07-28: the server needs sampling, elicitation or roots
	// answers before it can complete the request, which a load client does
	// not give). Its kind is KindInputRequired.
	ErrInputRequired = errors.New("mcp: server requires client input (resultType input_required)")
)

// KindInputRequired is the outcome of a call answered with an
// InputRequiredResult; see ErrInputRequired.
const KindInputRequired = outcome.Kind("mcp_input_required")

// RPCError is a JSON-RPC error object from a reply. The zero value is code
// 0 with no message.
type RPCError struct {
	Code    int             `json:"code"`
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data,omitempty"` // nil when absent
}

// Error returns "mcp: jsonrpc error CODE: MESSAGE".
func (e *RPCError) Error() string {
	return "mcp: jsonrpc error " + strconv.Itoa(e.Code) + ": " + e.Message
}

// OpenError is the failure of a session handshake (initialize and
// notifications/initialized), with the outcome of the exchange that failed.
// The zero value has no Kind and no cause.
type OpenError struct {
	Kind   outcome.Kind // how the failing exchange ended
	Status int          // its HTTP status; 0 if none
	Err    error        // the cause
}

// Error returns "mcp: open session: KIND: CAUSE".
func (e *OpenError) Error() string {
	return fmt.Sprintf("mcp: open session: %s: %v", e.Kind, e.Err)
}

// Unwrap returns the cause.
func (e *OpenError) Unwrap() error { return e.Err }

// kindOf classifies err, the failure of a call made with ctx. When ctx has
// ended, the call most likely failed because of that, whatever err says.
func kindOf(ctx context.Context, err error) outcome.Kind {
	switch {
	case err == nil:
		return outcome.OK
	case ctx.Err() != nil:
		return outcome.Of(ctx.Err())
	case errors.Is(err, ErrTooLarge):
		return outcome.TooLarge
	case errors.Is(err, ErrProtocol):
		return outcome.Protocol
	case errors.Is(err, ErrNoResponse):
		return outcome.EOF
	case errors.Is(err, ErrClosed), errors.Is(err, httpc.ErrClosed):
		return outcome.Canceled // the session (its own httpc.Client) was closed
	case errors.Is(err, httpc.ErrMalformed):
		return outcome.Protocol
	}
	var oe *OpenError
	if errors.As(err, &oe) {
		return oe.Kind
	}
	return outcome.Of(err)
}
