package mcp

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// maxReply caps the bytes read from one reply body or SSE stream.
const maxReply = 16 << 20

// message is one JSON-RPC message of a reply, reduced to what a call needs.
// A response has an ID and either Result or Error; a notification or a
// server request has a Method.
type message struct {
	ID     json.RawMessage `json:"id"`
	Method string          `json:"method"`
	Result json.RawMessage `json:"result"`
	Error  *RPCError       `json:"error"`
}

// readResponse reads a reply body whose Content-Type is contentType and
// returns the JSON-RPC response to the request numbered id. An
// application/json body must hold that response (alone or in a batch); a
// text/event-stream body is read event by event until it arrives, skipping
// everything else. Reading stops right after the response.
//
// Errors: ErrProtocol (wrapped, with detail) for anything malformed,
// ErrTooLarge past limit bytes (maxReply for calls), ErrNoResponse when a
// stream ends first, or the reader's own error. bufs lends scratch
// buffers; it may be nil. progress, if not nil, is incremented for every
// notifications/progress read before the response.
func readResponse(r io.Reader, contentType string, id, limit int64, bufs *buffers, progress *int) (message, error) {
	r = &capReader{r: r, n: limit}
	switch mediaType(contentType) {
	case "application/json":
		return readJSON(r, id, bufs, progress)
	case "text/event-stream":
		return readSSE(r, id, limit, bufs, progress)
	default:
		return message{}, fmt.Errorf("%w: unexpected Content-Type %q", ErrProtocol, contentType)
	}
}

// mediaType returns the lower-case media type of a Content-Type value,
// without parameters.
func mediaType(contentType string) string {
	t, _, _ := strings.Cut(contentType, ";")
	return strings.ToLower(strings.TrimSpace(t))
}

// readJSON reads a whole application/json reply.
func readJSON(r io.Reader, id int64, bufs *buffers, progress *int) (message, error) {
	bp := bufs.get()
	defer bufs.put(bp)
	b, err := readAll(r, (*bp)[:0])
	*bp = b
	if err != nil {
		return message{}, err
	}
	m, ok, err := parseMessages(b, id, progress)
	if err != nil {
		return message{}, err
	}
	if !ok {
		return message{}, fmt.Errorf("%w: no response with id %d in the body", ErrProtocol, id)
	}
	return m, nil
}

// readSSE reads a text/event-stream reply until the response to id.
// Events are parsed as the WHATWG EventSource rules say: lines end in
// "\n", "\r\n" or "\r"; a blank line ends an event; ":" starts a comment;
// "data" lines are joined with "\n"; an event not ended by a blank line
// when the stream ends is dropped. Only events named "message" (or not
// named) carry JSON-RPC messages; events with no data (priming events) are
// skipped.
func readSSE(r io.Reader, id, limit int64, bufs *buffers, progress *int) (message, error) {
	lp, dp := bufs.get(), bufs.get()
	defer bufs.put(lp)
	defer bufs.put(dp)

	sc := bufio.NewScanner(r)
	sc.Buffer(*lp, int(limit))
	sc.Split(scanLines)
	data := (*dp)[:0]
	defer func() { *dp = data }()
	hasData := false  // the event has a data line, maybe empty
	isMessage := true // the event's name is "message" or absent
	for sc.Scan() {
		line := sc.Bytes()
		if len(line) == 0 { // end of event
			if isMessage && len(data) > 0 {
				m, ok, err := parseMessages(data, id, progress)
				if err != nil || ok {
					return m, err
				}
			}
			data, hasData, isMessage = data[:0], false, true
			continue
		}
		if line[0] == ':' { // comment
			continue
		}
		field, value, _ := bytes.Cut(line, []byte(":"))
		value = bytes.TrimPrefix(value, []byte(" "))
		switch string(field) {
		case "data":
			if hasData {
				data = append(data, '\n')
			}
			data = append(data, value...)
			hasData = true
		case "event":
			isMessage = len(value) == 0 || string(value) == "message"
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return message{}, ErrTooLarge
		}
		return message{}, err
	}
	return message{}, ErrNoResponse
}

// scanLines is a bufio.SplitFunc for SSE lines, which may end in "\n",
// "\r\n" or a lone "\r".
func scanLines(data []byte, atEOF bool) (advance int, token []byte, err error) {
	i := bytes.IndexAny(data, "\r\n")
	switch {
	case i < 0 && atEOF && len(data) > 0:
		return len(data), data, nil
	case i < 0:
		return 0, nil, nil // need more
	case data[i] == '\n':
		return i + 1, data[:i], nil
	case i+1 < len(data) && data[i+1] == '\n':
		return i + 2, data[:i], nil
	case i+1 < len(data) || atEOF:
		return i + 1, data[:i], nil
	default:
		return 0, nil, nil // a "\r" at the end: is a "\n" next?
	}
}

// parseMessages parses one JSON-RPC message or a batch of them and returns
// the response to id, if there is one. Notifications and server requests
// are skipped; progress (if not nil) counts the notifications/progress
// among them. An error response with a null id (the server could not read
// the request's id) counts as the response. The error wraps ErrProtocol.
func parseMessages(b []byte, id int64, progress *int) (message, bool, error) {
	b = bytes.TrimLeft(b, " \t\r\n")
	if len(b) > 0 && b[0] == '[' {
		var batch []message
		if err := json.Unmarshal(b, &batch); err != nil {
			return message{}, false, fmt.Errorf("%w: %v", ErrProtocol, err)
		}
		for _, m := range batch {
			countProgress(&m, progress)
			if ok, err := m.answers(id); err != nil || ok {
				return m, ok, err
			}
		}
		return message{}, false, nil
	}
	var m message
	if err := json.Unmarshal(b, &m); err != nil {
		return message{}, false, fmt.Errorf("%w: %v", ErrProtocol, err)
	}
	countProgress(&m, progress)
	ok, err := m.answers(id)
	return m, ok, err
}

// countProgress adds one to *progress if m is a progress notification.
func countProgress(m *message, progress *int) {
	if progress != nil && m.Method == "notifications/progress" {
		*progress++
	}
}

// answers reports whether m is the response to the request numbered id.
// A response without result and error is malformed.
func (m *message) answers(id int64) (bool, error) {
	if m.Method != "" {
		return false, nil // a notification or a server request
	}
	nullID := len(m.ID) == 0 || string(m.ID) == "null"
	if !nullID && !idEqual(m.ID, id) {
		return false, nil
	}
	switch {
	case m.Error != nil:
		return true, nil
	case nullID:
		return false, nil
	case m.Result == nil:
		return false, fmt.Errorf("%w: response %d has neither result nor error", ErrProtocol, id)
	default:
		return true, nil
	}
}

// idEqual reports whether the JSON id raw is id, as a number or as a
// string of digits.
func idEqual(raw json.RawMessage, id int64) bool {
	if len(raw) >= 2 && raw[0] == '"' && raw[len(raw)-1] == '"' {
		raw = raw[1 : len(raw)-1]
	}
	var tmp [20]byte
	return bytes.Equal(raw, strconv.AppendInt(tmp[:0], id, 10))
}

// capReader reads at most n bytes from r and fails with ErrTooLarge past
// them (io.LimitReader would end silently instead).
type capReader struct {
	r io.Reader
	n int64
}

func (c *capReader) Read(p []byte) (int, error) {
	if c.n <= 0 {
		return 0, ErrTooLarge
	}
	if int64(len(p)) > c.n {
		p = p[:c.n]
	}
	n, err := c.r.Read(p)
	c.n -= int64(n)
	return n, err
}

// readAll appends r's bytes to b until EOF, like io.ReadAll into a buffer
// of the caller's.
func readAll(r io.Reader, b []byte) ([]byte, error) {
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
	}
}
