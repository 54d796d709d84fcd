package chaos

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
)

// rpcMessage is what the proxy needs of a JSON-RPC request body.
type rpcMessage struct {
	Method string
	// Tool is params.name of a tools/call request; "" otherwise.
	Tool string
	// ID is the raw id; nil for a notification (no id, or a null id).
	ID json.RawMessage
}

// peekRPC parses r's body as one JSON-RPC message without consuming it:
// r.Body is replaced by a reader that yields the same bytes. It returns
// nil when there is no body, the body is longer than limit, or it is not
// a single JSON-RPC message (a batch, or not JSON).
func peekRPC(r *http.Request, limit int64) *rpcMessage {
	if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
		return nil
	}
	orig := r.Body
	buf, err := io.ReadAll(io.LimitReader(orig, limit+1))
	rest := io.Reader(orig)
	if err != nil {
		// The target reads the same failure (a body cut short, say),
		// not the original body's next read, which may be a clean EOF.
		rest = errReader{err}
	}
	r.Body = &replayBody{Reader: io.MultiReader(bytes.NewReader(buf), rest), body: orig}
	if err != nil || int64(len(buf)) > limit {
		return nil
	}
	return parseRPC(buf)
}

// parseRPC parses one JSON-RPC message; nil when b is not one.
func parseRPC(b []byte) *rpcMessage {
	b = bytes.TrimLeft(b, " \t\r\n")
	if len(b) == 0 || b[0] != '{' {
		return nil
	}
	var msg struct {
		Method string          `json:"method"`
		ID     json.RawMessage `json:"id"`
		Params json.RawMessage `json:"params"`
	}
	if json.Unmarshal(b, &msg) != nil || msg.Method == "" {
		return nil
	}
	m := &rpcMessage{Method: msg.Method}
	if len(msg.ID) > 0 && !bytes.Equal(msg.ID, []byte("null")) {
		m.ID = msg.ID
	}
	if msg.Method == "tools/call" && len(msg.Params) > 0 {
		var params struct {
			Name string `json:"name"`
		}
		if json.Unmarshal(msg.Params, &params) == nil {
			m.Tool = params.Name
		}
	}
	return m
}

// replayBody yields the peeked bytes, then the rest of the original body,
// and closes the original.
type replayBody struct {
	io.Reader
	body io.Closer
}

func (b *replayBody) Close() error { return b.body.Close() }

// errReader fails every read with its error.
type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }
