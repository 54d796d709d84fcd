package mcp

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
)

// maxReply caps the bytes of one reply held in memory at once: a JSON
// body, or the pending line and event data of an SSE stream. A reply
// whose result is kept (Request.NoResult unset: a check wants the body;
// the handshake and lists) fails past it with ErrTooLarge. A reply read
// only to judge it (Request.NoResult) is read to its end all the same:
// past skimAt, the contents of its long strings are skimmed (see
// skimmer), so that its id, error, isError and resultType are still
// found in a bounded buffer; it fails only if what is left of it is
// still over the cap.
const maxReply = 1 << 20

// skimAt is where a reply read only to be judged starts being skimmed:
// well below maxReply, so that a large reply holds a small buffer.
const skimAt = 64 << 10

// message is one JSON-RPC message of a reply, reduced to what a call needs.
// A response has an ID and either Result or Error; a notification or a
// server request has a Method. Returned by readResponse, ID may alias a
// buffer that is recycled; Result and Error do not.
type message struct {
	ID     json.RawMessage
	Method string
	Result json.RawMessage
	Error  *RPCError
}

// format is the framing of a reply body, from its Content-Type.
type format uint8

const (
	formatOther format = iota
	formatJSON
	formatSSE
)

// formatOf tells the framing of a reply from its Content-Type value (a
// string from net/http, bytes from httpc): the media type, without
// parameters, ASCII case ignored.
func formatOf[S ~string | ~[]byte](contentType S) format {
	i, j := 0, len(contentType)
	for k := 0; k < j; k++ {
		if contentType[k] == ';' {
			j = k
		}
	}
	for i < j && isSpace(contentType[i]) {
		i++
	}
	for j > i && isSpace(contentType[j-1]) {
		j--
	}
	is := func(want string) bool {
		if j-i != len(want) {
			return false
		}
		for k := 0; k < len(want); k++ {
			if lower(contentType[i+k]) != want[k] {
				return false
			}
		}
		return true
	}
	switch {
	case is("application/json"):
		return formatJSON
	case is("text/event-stream"):
		return formatSSE
	}
	return formatOther
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
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
// buffers; it may be nil. sn, if not nil, notes what comes before the
// response: it counts notifications/progress, and counts and answers the
// requests the server sends (see seen).
//
// The Result returned is a copy, the caller's to keep.
func readResponse[S ~string | ~[]byte](r io.Reader, contentType S, id, limit int64, bufs *buffers, sn *seen) (message, error) {
	rb := replyBufs{pool: bufs}
	defer rb.release()
	m, err := readMessage(r, contentType, id, limit, false, &rb, sn)
	m.Result = bytes.Clone(m.Result)
	return m, err
}

// replyBufs are the scratch buffers of reading one reply, taken from pool
// as needed and given back by release. What readMessage returns points
// into them until then.
type replyBufs struct {
	pool       *buffers
	body, data *[]byte
}

func (rb *replyBufs) get(p **[]byte) []byte {
	if *p == nil {
		*p = rb.pool.get()
	}
	return (**p)[:0]
}

func (rb *replyBufs) release() {
	for _, p := range [...]*[]byte{rb.body, rb.data} {
		if p != nil {
			rb.pool.put(p)
		}
	}
	rb.body, rb.data = nil, nil
}

// readMessage is readResponse without the copy: the message's ID and
// Result point into rb's buffers, valid until rb.release. With skim set
// the result is not kept: past limit bytes, the reply's long strings are
// cut short (see skimmer) rather than failing with ErrTooLarge, and the
// Result returned may be so cut.
func readMessage[S ~string | ~[]byte](r io.Reader, contentType S, id, limit int64, skim bool, rb *replyBufs, sn *seen) (message, error) {
	switch formatOf(contentType) {
	case formatJSON:
		return readJSON(r, id, limit, skim, rb, sn)
	case formatSSE:
		return readSSE(r, id, limit, skim, rb, sn)
	}
	return message{}, fmt.Errorf("%w: unexpected Content-Type %q", ErrProtocol, contentType)
}

// readJSON reads a whole application/json reply.
func readJSON(r io.Reader, id, limit int64, skim bool, rb *replyBufs, sn *seen) (message, error) {
	var sk skimmer
	skp := &sk
	if !skim {
		skp = nil
	}
	b, err := readAll(r, rb.get(&rb.body), limit, skp)
	*rb.body = b
	if err != nil {
		return message{}, err
	}
	m, ok, err := parseMessages(b, id, sn)
	if err != nil {
		return message{}, err
	}
	if !ok {
		if other := responseID(b); other != "" {
			return message{}, fmt.Errorf("%w: wrong id: the response's id is %.32s, the request's %d", ErrProtocol, other, id)
		}
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
func readSSE(r io.Reader, id, limit int64, skim bool, rb *replyBufs, sn *seen) (message, error) {
	lr := lineReader{r: r, buf: rb.get(&rb.body), left: limit, limit: limit, canSkim: skim}
	if skim {
		lr.left = min(limit, skimAt)
	}
	data := rb.get(&rb.data)
	defer func() { *rb.body, *rb.data = lr.buf, data }()
	hasData := false  // the event has a data line, maybe empty
	isMessage := true // the event's name is "message" or absent
	wrongID := ""     // the id of a response to another request, if one came
	for {
		line, err := lr.line()
		if err == io.EOF {
			if wrongID != "" {
				return message{}, fmt.Errorf("%w: wrong id: the stream's response has id %.32s, the request's %d", ErrProtocol, wrongID, id)
			}
			return message{}, ErrNoResponse
		}
		if err != nil {
			return message{}, err
		}
		if len(line) == 0 { // end of event
			if isMessage && len(data) > 0 {
				m, ok, err := parseMessages(data, id, sn)
				if err != nil || ok {
					return m, err
				}
				if m.Method == "" && len(m.ID) > 0 && string(m.ID) != "null" && wrongID == "" {
					wrongID = string(m.ID)
				}
			}
			data, hasData, isMessage = data[:0], false, true
			continue
		}
		if line[0] == ':' { // comment
			continue
		}
		field, value := line, line[len(line):]
		if i := bytes.IndexByte(line, ':'); i >= 0 {
			field, value = line[:i], line[i+1:]
			if len(value) > 0 && value[0] == ' ' {
				value = value[1:]
			}
		}
		switch string(field) {
		case "data":
			if hasData {
				data = append(data, '\n')
			}
			data = append(data, value...)
			hasData = true
			if int64(len(data)) > limit {
				return message{}, ErrTooLarge
			}
		case "event":
			isMessage = len(value) == 0 || string(value) == "message"
		}
	}
}

// lineReader splits a stream into SSE lines, which may end in "\n",
// "\r\n" or a lone "\r", reading at most left bytes in all (more fail with
// ErrTooLarge). A line is returned as soon as its end is read, so a
// stream that stays open after the response does not hold it. With a
// skimmer, the stream may bring any number of bytes once past left: from
// then on they are skimmed as they are read, and only a pending line
// longer than limit fails.
type lineReader struct {
	r          io.Reader
	buf        []byte // buf[start:end] is read but not returned yet
	start, end int
	left       int64 // bytes the stream may still bring before skimming
	limit      int64 // the longest pending line once skimming
	canSkim    bool  // past left, skim rather than fail
	sk         skimmer
	skimming   bool  // past left: what is read is skimmed
	err        error // the reader's error (io.EOF at the end), once met
	skipLF     bool  // the last line ended in "\r": a "\n" next belongs to it
}

// minRead is the room a lineReader reads into at least.
const minRead = 512

// line returns the next line without its end; io.EOF at the end of the
// stream (a last line without an end is returned first). The slice is
// valid until the next call.
func (l *lineReader) line() ([]byte, error) {
	for {
		if l.skipLF && l.start < l.end {
			if l.buf[l.start] == '\n' {
				l.start++
			}
			l.skipLF = false
		}
		seg := l.buf[l.start:l.end]
		if !l.skipLF {
			for i, c := range seg {
				if c == '\n' || c == '\r' {
					l.start += i + 1
					l.skipLF = c == '\r'
					return seg[:i], nil
				}
			}
		}
		if l.err != nil {
			if len(seg) > 0 {
				l.start = l.end
				return seg, nil
			}
			return nil, l.err
		}
		l.fill()
	}
}

// fill reads more of the stream, making room first.
func (l *lineReader) fill() {
	if l.start > 0 {
		l.end = copy(l.buf[:cap(l.buf)], l.buf[l.start:l.end])
		l.start = 0
	}
	if cap(l.buf)-l.end < minRead {
		l.buf = append(l.buf[:l.end], make([]byte, max(cap(l.buf), minRead))...)
	}
	room := l.buf[l.end:cap(l.buf)]
	if l.skimming {
		room = room[:min(int64(len(room)), l.limit+1-int64(l.end-l.start))]
	} else if int64(len(room)) > l.left+1 {
		room = room[:l.left+1] // one byte more than allowed tells "too large"
	}
	n, err := l.r.Read(room)
	from := l.end
	l.end += n
	l.buf = l.buf[:l.end]
	if !l.skimming {
		if l.left -= int64(n); l.left < 0 {
			if !l.canSkim {
				l.err = ErrTooLarge
				l.start, l.end = 0, 0
				return
			}
			// The pending bytes start a line, where the skimmer starts
			// afresh.
			l.skimming, from = true, l.start
		}
	}
	if l.skimming {
		l.end = from + len(l.sk.skim(l.buf[from:l.end]))
		l.buf = l.buf[:l.end]
		if int64(l.end-l.start) > l.limit {
			l.err = ErrTooLarge
			l.start, l.end = 0, 0
			return
		}
	}
	if err != nil {
		l.err = err
	}
}

// parseMessages parses one JSON-RPC message or a batch of them and returns
// the response to id, if there is one. Notifications and server requests
// are skipped, after sn (if not nil) noted them. An error response with a null id (the server could not read
// the request's id) counts as the response. The error wraps ErrProtocol.
// The message's ID and Result alias b.
//
// The envelope is parsed without encoding/json's reflection: b is checked
// with validJSON, then scanned; only an error object is decoded.
func parseMessages(b []byte, id int64, sn *seen) (message, bool, error) {
	b = bytes.TrimLeft(b, " \t\r\n")
	if !validJSON(b) {
		// For the detail of the error.
		var v any
		if err := json.Unmarshal(b, &v); err != nil {
			return message{}, false, fmt.Errorf("%w: invalid JSON: %v", ErrProtocol, err)
		}
		return message{}, false, fmt.Errorf("%w: invalid JSON", ErrProtocol)
	}
	if b[0] == '[' {
		for i := 1; ; {
			i = skipSpace(b, i)
			if b[i] == ']' {
				return message{}, false, nil
			}
			if b[i] == ',' {
				i = skipSpace(b, i+1)
			}
			j := skipValue(b, i)
			m, err := parseMessage(b[i:j])
			if err != nil {
				return message{}, false, err
			}
			sn.note(&m)
			if ok, err := m.answers(id); err != nil || ok {
				return m, ok, err
			}
			i = j
		}
	}
	m, err := parseMessage(b)
	if err != nil {
		return message{}, false, err
	}
	sn.note(&m)
	ok, err := m.answers(id)
	return m, ok, err
}

// parseMessage reads the members of one message that a call needs from
// b, a valid JSON value without surrounding space, as json.Unmarshal into
// a struct with fields id, method, result and error would: keys match
// ignoring case, the last of repeated keys wins, null is the zero message
// and any other non-object is an error.
func parseMessage(b []byte) (message, error) {
	var m message
	switch b[0] {
	case 'n':
		return m, nil
	case '{':
	default:
		return m, fmt.Errorf("%w: a JSON-RPC message is not an object: %.32s", ErrProtocol, b)
	}
	for i := 1; ; {
		key, val, next, ok := nextMember(b, i)
		if !ok {
			return m, nil
		}
		i = next
		switch {
		case keyIs(key, "id"):
			m.ID = val
		case keyIs(key, "result"):
			m.Result = val
		case keyIs(key, "method"):
			switch val[0] {
			case 'n':
			case '"':
				m.Method = stringValue(val)
			default:
				return m, fmt.Errorf("%w: method is not a string: %.32s", ErrProtocol, val)
			}
		case keyIs(key, "error"):
			m.Error = nil
			if val[0] != 'n' {
				e := new(RPCError)
				if err := json.Unmarshal(val, e); err != nil {
					return m, fmt.Errorf("%w: %v", ErrProtocol, err)
				}
				m.Error = e
			}
		}
	}
}

// nextMember returns the member of a JSON object b (valid JSON) that
// comes at or after b[i], where i is just past the '{' or the previous
// member, and the index past it; ok is false at the end of the object.
// key keeps its quotes; val is never empty.
func nextMember(b []byte, i int) (key, val []byte, next int, ok bool) {
	i = skipSpace(b, i)
	if i < len(b) && b[i] == ',' {
		i = skipSpace(b, i+1)
	}
	if i >= len(b) || b[i] != '"' {
		return nil, nil, i, false
	}
	k := i
	i = skipString(b, i)
	key = b[k:i]
	if i = skipSpace(b, i); i >= len(b) || b[i] != ':' {
		return nil, nil, i, false
	}
	if i = skipSpace(b, i+1); i >= len(b) {
		return nil, nil, i, false
	}
	v := i
	i = skipValue(b, i)
	return key, b[v:i], i, true
}

// keyIs reports whether key (a JSON string, quotes included) is name,
// ASCII case ignored (as encoding/json matches field names).
func keyIs(key []byte, name string) bool {
	if len(key) == len(name)+2 {
		k := key[1 : len(key)-1]
		for i := 0; i < len(name); i++ {
			if lower(k[i]) != lower(name[i]) {
				return false
			}
		}
		return true
	}
	if bytes.IndexByte(key, '\\') < 0 {
		return false
	}
	var s string
	if json.Unmarshal(key, &s) != nil || len(s) != len(name) {
		return false
	}
	for i := 0; i < len(name); i++ {
		if lower(s[i]) != lower(name[i]) {
			return false
		}
	}
	return true
}

// stringValue returns the JSON string v (quotes included) decoded; the
// methods a reply carries most come without an allocation.
func stringValue(v []byte) string {
	raw := v[1 : len(v)-1]
	if bytes.IndexByte(raw, '\\') >= 0 {
		var s string
		json.Unmarshal(v, &s) // cannot fail: v is a valid JSON string
		return s
	}
	switch string(raw) {
	case "notifications/progress":
		return "notifications/progress"
	case "notifications/message":
		return "notifications/message"
	}
	return string(raw)
}

// skipSpace returns the index of the first byte at or after i that is not
// JSON white space.
func skipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

// skipValue returns the index just past the JSON value that starts at
// b[i]. b is valid JSON (checked by validJSON), so the scan only tracks
// strings and nesting.
func skipValue(b []byte, i int) int {
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				i = skipString(b, i)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return len(b)
	default: // a number, true, false or null
		for i < len(b) {
			switch b[i] {
			case ',', '}', ']', ' ', '\t', '\r', '\n':
				return i
			}
			i++
		}
		return i
	}
}

// skipString returns the index just past the JSON string that starts at
// b[i].
func skipString(b []byte, i int) int {
	i++
	for i < len(b) {
		j := bytes.IndexByte(b[i:], '"')
		if j < 0 {
			break
		}
		k := bytes.IndexByte(b[i:i+j], '\\')
		if k < 0 {
			return i + j + 1
		}
		i += k + 2 // the backslash and the byte it escapes
	}
	return len(b)
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

// readAll appends r's bytes to b until EOF, like io.ReadAll into a buffer
// of the caller's, failing with ErrTooLarge past limit bytes. With a
// skimmer (sk not nil), the bytes past limit are read to the end all the
// same, and what is kept is skimmed: it fails only if still over limit.
func readAll(r io.Reader, b []byte, limit int64, sk *skimmer) ([]byte, error) {
	start := len(b)
	skimming := false
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		room := b[len(b):cap(b)]
		if left := limit - int64(len(b)-start) + 1; int64(len(room)) > left {
			room = room[:left] // one byte more than allowed tells "too large"
		}
		from := len(b)
		n, err := r.Read(room)
		b = b[:len(b)+n]
		if !skimming && sk != nil && int64(len(b)-start) > min(limit, skimAt) {
			skimming, from = true, start
		}
		if skimming {
			b = b[:from+len(sk.skim(b[from:]))]
		}
		if int64(len(b)-start) > limit {
			return b, ErrTooLarge
		}
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
	}
}

// skimmer shortens, in place and as they stream by, the JSON strings of a
// reply that is read to be judged but not kept: the content of a string
// past its first keepString bytes is dropped (whole escapes at a time, so
// the string stays valid JSON). A reply's size is mostly in its strings
// (text, base64 blobs); its envelope (id, error, isError, resultType)
// survives. Raw line ends reset it: a JSON string holds none, so in an
// SSE stream each line starts afresh. Dropped bytes are not checked
// (a control character in them goes unnoticed). The zero value is ready
// at the start of a value or of a line.
type skimmer struct {
	inString bool
	drop     bool // the current character (or escape) is dropped
	esc      int8 // bytes of an escape still to come: -1 after a backslash, 1..4 hex digits of \u
	n        int  // content bytes of the current string kept
}

// keepString is the content kept of each string of a skimmed reply: the
// text of a tool's error stays readable.
const keepString = 256

// skim rewrites b in place to what is kept of it and returns that.
func (s *skimmer) skim(b []byte) []byte {
	w := 0
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case c == '\n' || c == '\r':
			s.inString, s.esc, s.drop = false, 0, false
		case !s.inString:
			if c == '"' {
				s.inString, s.n = true, 0
			}
		case s.esc < 0: // the byte after a backslash
			s.esc = 0
			if c == 'u' {
				s.esc = 4
			}
		case s.esc > 0:
			s.esc--
		case c == '"':
			s.inString, s.drop = false, false
		default: // a new character or escape
			s.drop = s.n >= keepString
			if c == '\\' {
				s.esc = -1
			}
			if s.drop && s.esc == 0 {
				// Drop the run of plain bytes up to the next one that
				// matters, at once.
				j := i + 1
				for j < len(b) && b[j] != '"' && b[j] != '\\' && b[j] != '\n' && b[j] != '\r' {
					j++
				}
				i = j - 1
				continue
			}
		}
		if s.drop {
			continue
		}
		if s.inString {
			s.n++
		}
		b[w] = c
		w++
	}
	return b[:w]
}

// responseID returns the id of the first response (a message with an id
// and no method) in b, a valid JSON message or batch, or "" if none: what
// a reply that does not answer the request answered instead.
func responseID(b []byte) string {
	b = bytes.TrimLeft(b, " \t\r\n")
	one := func(b []byte) string {
		m, err := parseMessage(b)
		if err != nil || m.Method != "" || len(m.ID) == 0 || string(m.ID) == "null" {
			return ""
		}
		return string(m.ID)
	}
	if len(b) == 0 || b[0] != '[' {
		return one(b)
	}
	for i := 1; ; {
		if i = skipSpace(b, i); i >= len(b) || b[i] == ']' {
			return ""
		}
		if b[i] == ',' {
			i = skipSpace(b, i+1)
		}
		j := skipValue(b, i)
		if id := one(b[i:j]); id != "" {
			return id
		}
		i = j
	}
}
