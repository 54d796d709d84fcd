package httpc

import (
	"context"
	"iter"
	"time"
)

// Response is one response, filled by Client.Do and meant to be reused
// from call to call: its buffers grow to the largest head seen and stay,
// so a worker that keeps one Response allocates nothing per request. It
// holds its connection until the body has been read to its end or Close
// is called; the next Do on it calls Close first. A Response is not safe
// for concurrent use and must not be copied. The zero value is an empty
// response ready for Do.
type Response struct {
	// Status is the status code, 100–999; 0 before a successful Do.
	Status int
	// ProtoMinor is 1 for HTTP/1.1 and 0 for HTTP/1.0 (which closes the
	// connection after the response).
	ProtoMinor int
	// ContentLength is the body's length from Content-Length; -1 when the
	// body is chunked or read until the connection closes; 0 when there
	// is none (204, 304). For HEAD it is what the header announces.
	ContentLength int64
	// Chunked reports a chunked body.
	Chunked bool
	// ConnClose reports that the connection is closed after this
	// response (Connection: close, HTTP/1.0, a body read until close),
	// not reused.
	ConnClose bool
	// FirstByte is the time from writing the request to reading the
	// (first) status line; on a replay on a fresh connection, from the
	// replay's write.
	FirstByte time.Duration
	// Body is the response body. Read it to io.EOF (or use ReadAll or
	// Discard) to return the connection to the pool.
	Body Body

	raw     []byte   // status line and header lines, without line ends
	fields  []field  // headers, in raw
	reason  [2]int32 // reason phrase, in raw
	framing framing
	// hasLength and hasTE: the head had Content-Length, Transfer-Encoding.
	hasLength, hasTE bool

	client *Client
	conn   *conn           // held until the body ends or Close
	ctx    context.Context // Do's, while conn is held: errors name its end
}

// Header returns the value of the first header called name (ASCII case
// ignored), without surrounding spaces; nil if there is none. The bytes
// are valid until the next Do and must not be modified.
func (r *Response) Header(name string) []byte {
	for _, f := range r.fields {
		if equalFold(r.raw[f.n0:f.n1], name) {
			return r.raw[f.v0:f.v1:f.v1]
		}
	}
	return nil
}

// Get returns Header(name) as a string (a copy); "" if there is none.
func (r *Response) Get(name string) string { return string(r.Header(name)) }

// Headers yields every header as it came, name and value, in order. The
// bytes are valid until the next Do and must not be modified.
func (r *Response) Headers() iter.Seq2[[]byte, []byte] {
	return func(yield func(name, value []byte) bool) {
		for _, f := range r.fields {
			if !yield(r.raw[f.n0:f.n1:f.n1], r.raw[f.v0:f.v1:f.v1]) {
				return
			}
		}
	}
}

// Reason returns the status line's reason phrase, e.g. "OK"; it may be
// empty. Valid until the next Do.
func (r *Response) Reason() []byte { return r.raw[r.reason[0]:r.reason[1]:r.reason[1]] }

// ReadAll appends the rest of the body to dst and returns it. A body
// longer than limit bytes fails with ErrTooLarge (wrapped) and closes the
// connection; dst then holds the first limit bytes. A known
// Content-Length over limit fails before reading. Reads are bounded by the
// context given to Do.
func (r *Response) ReadAll(dst []byte, limit int64) ([]byte, error) {
	return r.Body.readAll(dst, limit)
}

// Discard reads and drops the rest of the body so that the connection
// can be reused; more than limit bytes fail with ErrTooLarge (wrapped)
// and close the connection instead.
func (r *Response) Discard(limit int64) error { return r.Body.discard(limit) }

// Close ends the response: a connection whose body was read to its end
// goes back to the pool (it already has), any other is closed. Reads of
// an unfinished Body then fail with ErrBodyClosed. Close is idempotent
// and always returns nil.
func (r *Response) Close() error {
	if !r.Body.done && r.Body.err == nil && r.Body.br != nil {
		r.Body.err = ErrBodyClosed
	}
	r.Body.br = nil
	r.release()
	return nil
}

// attach gives r the connection its head came on and sets up the body.
func (r *Response) attach(ctx context.Context, c *Client, cn *conn) {
	r.client, r.conn, r.ctx = c, cn, ctx
	r.Body = Body{r: r, br: cn.br, how: r.framing}
	switch r.framing {
	case noBody:
		r.Body.finish()
	case byLength:
		r.Body.n = r.ContentLength
	}
}

// release hands r's connection back: to the pool when the body ended and
// the response allows reuse, else closed.
func (r *Response) release() {
	cn := r.conn
	if cn == nil {
		return
	}
	r.conn, r.ctx = nil, nil
	r.Body.br = nil
	poisoned := cn.end()
	r.client.pool.put(cn, r.Body.done && !r.ConnClose && !poisoned)
}
