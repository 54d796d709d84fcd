package mcp

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/reslua/reslua/engine/outcome"
)

// Response is how one call ended. The zero value is not a valid Response
// (its Kind is empty); Do always sets Kind.
type Response struct {
	// Kind is outcome.OK on success, else the class of the failure.
	Kind outcome.Kind
	// Err holds the detail when Kind is not OK (an *RPCError for a
	// JSON-RPC error; ErrToolError, ErrStatus, ErrProtocol, ... wrapped
	// otherwise); nil on success.
	Err error
	// Status is the HTTP status of the final exchange; 0 if none arrived.
	Status int
	// Result is the JSON-RPC result on success (also for a tools/call
	// with isError: true); nil otherwise, and with Request.NoResult. It
	// is the caller's to keep.
	Result json.RawMessage
	// Body is the start of a reply that broke the framing (outcome.Protocol:
	// invalid JSON, a wrong id, ...), at most 256 bytes, to show what came
	// back; nil otherwise.
	Body []byte
	// FirstByte is the time from sending the final request to its
	// response headers; zero if none arrived. On httpc it is measured
	// from the write of the request (a dial, if any, is not counted); on
	// net/http from handing the request to the transport.
	FirstByte time.Duration
	// Total is the time from sending the final request to reading its
	// response: the end of a JSON body, or the SSE event that carries the
	// response (the rest of the stream is not waited for). Zero if no
	// response arrived; for an HTTP error status, the time to its headers.
	Total time.Duration
	// Progress counts the notifications/progress that arrived on the
	// reply's SSE stream before the response (see Request.Progress).
	Progress int
	// ServerRequests counts the requests the server sent on the reply's
	// SSE stream before the response (ping, sampling, roots, elicitation),
	// each answered at once; see ServerRequests.
	ServerRequests ServerRequests
	// Init is the time this call spent in a session handshake of its own:
	// the lazy open of a session, a re-initialization, or the session of a
	// pool with FreshSessions. Zero if none, and always in the 2026-07-28
	// era, which has no handshake.
	Init time.Duration
	// Reinitialized reports that this call found its session forgotten
	// and initialized it again before retrying. Calls that waited for
	// another call's re-initialization report false.
	Reinitialized bool
}

// toolCallError checks a tools/call result: nil if it succeeded,
// ErrToolError (with the result's first text) if it has isError: true,
// ErrProtocol if it is not an object (or isError not a boolean). result
// is valid JSON (readResponse checked it); it is scanned, not decoded,
// unless it reports an error.
func toolCallError(result json.RawMessage) error {
	b := bytes.TrimSpace(result)
	if len(b) == 0 || !(b[0] == '{' || b[0] == 'n') {
		return fmt.Errorf("%w: tools/call result is not an object: %.32s", ErrProtocol, b)
	}
	isError := false
	for i := 1; b[0] == '{'; {
		key, val, next, ok := nextMember(b, i)
		if !ok {
			break
		}
		i = next
		if keyIs(key, "isError") {
			switch val[0] {
			case 't':
				isError = true
			case 'f':
				isError = false
			case 'n': // null leaves it as it was, as encoding/json does
			default:
				return fmt.Errorf("%w: tools/call result: isError is not a boolean: %.32s", ErrProtocol, val)
			}
		}
	}
	if !isError {
		return nil
	}
	var c struct {
		Content []struct {
			Type string `json:"type"`
			Text string `json:"text"`
		} `json:"content"`
	}
	json.Unmarshal(result, &c) // best effort: the text is only detail
	for _, part := range c.Content {
		if part.Type == "text" {
			return fmt.Errorf("%w: %s", ErrToolError, part.Text)
		}
	}
	return ErrToolError
}

// inputRequired checks whether result is an InputRequiredResult of the
// 2026-07-28 era (resultType "input_required": the server wants the
// client to answer sampling, elicitation or roots requests and retry),
// which a load client cannot complete. Results without the string cost a
// scan only.
func inputRequired(result json.RawMessage) bool {
	if !bytes.Contains(result, []byte(`"input_required"`)) {
		return false
	}
	var r struct {
		ResultType string `json:"resultType"`
	}
	return json.Unmarshal(result, &r) == nil && r.ResultType == "input_required"
}
