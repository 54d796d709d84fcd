package httpc

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"time"
)

// field locates one header in Response.raw: name raw[n0:n1], value
// raw[v0:v1].
type field struct{ n0, n1, v0, v1 int32 }

// framing says how a response body ends.
type framing uint8

const (
	noBody   framing = iota // no body (HEAD, 1xx, 204, 304) or Content-Length: 0
	byLength                // Content-Length bytes
	byChunks                // chunked transfer coding
	byClose                 // until the server closes the connection
)

// readHead reads a response head from br into r, skipping 1xx interim
// responses other than 101, and works out the body's framing. isHead says
// the request was HEAD; max bounds the head's bytes (interim ones
// included); FirstByte is measured from sent when the first status line is
// in. started reports whether any byte of a response arrived (a kept-alive
// connection that fails with none may be retried).
func (r *Response) readHead(br *bufio.Reader, max int, isHead bool, sent time.Time) (started bool, err error) {
	budget := max
	for {
		r.resetHead()
		line, err := r.readLine(br, &budget)
		if err != nil {
			if len(r.raw) > 0 && !started {
				if err := notHTTP(r.raw); err != nil {
					return true, err
				}
			}
			if started || len(r.raw) > 0 {
				return true, unexpected(err)
			}
			return false, err
		}
		if !started {
			r.FirstByte = time.Since(sent)
			started = true
		}
		if err := notHTTP(r.raw); err != nil {
			return true, err
		}
		if err := r.parseStatus(line); err != nil {
			return true, err
		}
		if err := r.readFields(br, &budget); err != nil {
			return true, err
		}
		if r.Status >= 200 || r.Status == 101 {
			break
		}
	}
	return true, r.frame(isHead)
}

// resetHead forgets a previous head.
func (r *Response) resetHead() {
	r.raw, r.fields = r.raw[:0], r.fields[:0]
	r.Status, r.ProtoMinor, r.ContentLength = 0, 0, -1
	r.Chunked, r.ConnClose = false, false
	r.reason = [2]int32{}
	r.framing, r.hasLength, r.hasTE = noBody, false, false
}

// readLine reads one line into r.raw and returns it without its line end
// ("\r\n" or "\n"); the slice is valid until r.raw grows. Lines count
// against budget; past it the head is malformed.
func (r *Response) readLine(br *bufio.Reader, budget *int) ([]byte, error) {
	start := len(r.raw)
	for {
		frag, err := br.ReadSlice('\n')
		if len(r.raw)-start+len(frag) > *budget {
			return nil, fmt.Errorf("%w: head too large", ErrMalformed)
		}
		r.raw = append(r.raw, frag...)
		if err == nil {
			break
		}
		if err != bufio.ErrBufferFull {
			return nil, err
		}
	}
	*budget -= len(r.raw) - start
	end := len(r.raw) - 1 // the '\n'
	if end > start && r.raw[end-1] == '\r' {
		end--
	}
	r.raw = r.raw[:end]
	return r.raw[start:end], nil
}

// parseStatus parses "HTTP/1.x NNN reason" at the end of r.raw.
func (r *Response) parseStatus(line []byte) error {
	if len(line) < 12 || string(line[:7]) != "HTTP/1." || !isDigit(line[7]) || line[8] != ' ' ||
		!isDigit(line[9]) || !isDigit(line[10]) || !isDigit(line[11]) || len(line) > 12 && line[12] != ' ' {
		return fmt.Errorf("%w: status line %q", ErrMalformed, clip(line))
	}
	if !validValue(line) {
		return fmt.Errorf("%w: status line %q", ErrMalformed, clip(line))
	}
	r.ProtoMinor = int(line[7] - '0')
	r.Status = int(line[9]-'0')*100 + int(line[10]-'0')*10 + int(line[11]-'0')
	if r.Status < 100 {
		return fmt.Errorf("%w: status %d", ErrMalformed, r.Status)
	}
	off := int32(len(r.raw) - len(line))
	if len(line) > 13 {
		r.reason = [2]int32{off + 13, off + int32(len(line))}
	}
	return nil
}

// readFields reads header lines up to the blank line that ends the head,
// noting the ones that frame the body.
func (r *Response) readFields(br *bufio.Reader, budget *int) error {
	for {
		line, err := r.readLine(br, budget)
		if err != nil {
			return unexpected(err)
		}
		if len(line) == 0 {
			return nil
		}
		if line[0] == ' ' || line[0] == '\t' {
			return fmt.Errorf("%w: folded header line %q", ErrMalformed, clip(line))
		}
		colon := -1
		for i, c := range line {
			if c == ':' {
				colon = i
				break
			}
			if !tokenChar[c] {
				return fmt.Errorf("%w: header line %q", ErrMalformed, clip(line))
			}
		}
		if colon <= 0 {
			return fmt.Errorf("%w: header line %q", ErrMalformed, clip(line))
		}
		v0, v1 := colon+1, len(line)
		for v0 < v1 && (line[v0] == ' ' || line[v0] == '\t') {
			v0++
		}
		for v1 > v0 && (line[v1-1] == ' ' || line[v1-1] == '\t') {
			v1--
		}
		name, value := line[:colon], line[v0:v1]
		if !validValue(value) {
			return fmt.Errorf("%w: header line %q", ErrMalformed, clip(line))
		}
		if err := r.noteField(name, value); err != nil {
			return err
		}
		off := int32(len(r.raw) - len(line))
		r.fields = append(r.fields, field{off, off + int32(colon), off + int32(v0), off + int32(v1)})
	}
}

// noteField records what the framing headers say.
func (r *Response) noteField(name, value []byte) error {
	switch len(name) {
	case len("Content-Length"):
		if !equalFold(name, "Content-Length") {
			return nil
		}
		n, ok := parseLength(value)
		if !ok || r.hasLength && n != r.ContentLength {
			return fmt.Errorf("%w: Content-Length %q", ErrMalformed, clip(value))
		}
		r.ContentLength, r.hasLength = n, true
	case len("Transfer-Encoding"):
		if !equalFold(name, "Transfer-Encoding") {
			return nil
		}
		r.hasTE = true
		last := value
		for i := len(value) - 1; i >= 0; i-- {
			if value[i] == ',' {
				last = value[i+1:]
				break
			}
		}
		r.Chunked = equalFold(trimSpace(last), "chunked")
	case len("Connection"):
		if !equalFold(name, "Connection") {
			return nil
		}
		for len(value) > 0 {
			tok := value
			if i := bytes.IndexByte(value, ','); i >= 0 {
				tok, value = value[:i], value[i+1:]
			} else {
				value = nil
			}
			if equalFold(trimSpace(tok), "close") {
				r.ConnClose = true
			}
		}
	}
	return nil
}

// frame works out how the body ends once the head is read (RFC 9112 §6.3).
func (r *Response) frame(isHead bool) error {
	if r.ProtoMinor == 0 {
		r.ConnClose = true // HTTP/1.0: no keep-alive
	}
	switch {
	case r.Status == 101:
		r.ConnClose = true // another protocol follows; the connection is no use to us
		r.framing, r.Chunked = noBody, false
	case isHead || r.Status == 204 || r.Status == 304:
		r.framing, r.Chunked = noBody, false
		if !isHead {
			r.ContentLength = 0
		}
	case r.hasTE:
		if r.hasLength {
			r.ConnClose = true // both: Transfer-Encoding wins, and the connection is suspect
		}
		r.ContentLength = -1
		if r.Chunked {
			r.framing = byChunks
		} else {
			r.framing, r.ConnClose = byClose, true
		}
	case r.hasLength && r.ContentLength == 0:
		r.framing = noBody
	case r.hasLength:
		r.framing = byLength
	default:
		r.framing, r.ConnClose = byClose, true
	}
	return nil
}

// parseLength parses a Content-Length value: decimal digits only.
func parseLength(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if !isDigit(c) {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// parseChunkSize parses a chunk-size line: hex digits, then nothing or
// optional whitespace and chunk extensions, which are ignored.
func parseChunkSize(line []byte) (int64, bool) {
	var n int64
	i := 0
	for ; i < len(line); i++ {
		c := line[i]
		var d byte
		switch {
		case isDigit(c):
			d = c - '0'
		case 'a' <= c && c <= 'f':
			d = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			d = c - 'A' + 10
		default:
			goto rest
		}
		if i >= 15 {
			return 0, false
		}
		n = n<<4 | int64(d)
	}
rest:
	if i == 0 {
		return 0, false
	}
	if i < len(line) && line[i] != ';' && line[i] != ' ' && line[i] != '\t' {
		return 0, false
	}
	return n, true
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// clip shortens a bad line for an error message.
func clip(b []byte) []byte {
	if len(b) > 64 {
		return b[:64]
	}
	return b
}

// unexpected turns an EOF inside a response into io.ErrUnexpectedEOF.
func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// ErrH2C is the detail of a reply from a server that speaks HTTP/2 only
// (h2c, "prior knowledge"): its first bytes are an HTTP/2 frame rather
// than a status line, or (see Client.Do) it closed the HTTP/1.1 request
// without a byte and answered the HTTP/2 preface. It wraps ErrMalformed.
var ErrH2C = fmt.Errorf("%w: server speaks HTTP/2 only (h2c preface), not HTTP/1.1", ErrMalformed)

// notHTTP tells why the first bytes b of a reply cannot start an HTTP/1
// response: an HTTP/2 frame (ErrH2C), or bytes that are not "HTTP/";
// nil if they may.
func notHTTP(b []byte) error {
	if isH2Frame(b) {
		return ErrH2C
	}
	const proto = "HTTP/"
	if n := min(len(b), len(proto)); string(b[:n]) != proto[:n] {
		return fmt.Errorf("%w: the reply is not HTTP: %q", ErrMalformed, clip(b))
	}
	return nil
}

// isH2Frame reports whether b starts with the header of an HTTP/2
// SETTINGS or GOAWAY frame on stream 0, the first frame an HTTP/2 server
// sends (RFC 9113 §3.4, §6.5, §6.8).
func isH2Frame(b []byte) bool {
	if len(b) < 9 || b[5]|b[6]|b[7]|b[8]&0x7f != 0 {
		return false
	}
	n := int(b[0])<<16 | int(b[1])<<8 | int(b[2])
	switch b[3] {
	case 0x4: // SETTINGS: six bytes a setting
		return n%6 == 0 && b[4]&^1 == 0
	case 0x7: // GOAWAY: last stream id and error code, then debug data
		return n >= 8 && b[4] == 0
	}
	return false
}
