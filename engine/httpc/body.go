package httpc

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"slices"
)

// Body is the body of a Response, read from its connection as the caller
// asks: io.EOF comes at the end that the response's framing says
// (Content-Length, the last chunk, or the server closing the
// connection). When the end is reached the connection goes back to the
// pool at once. A Body is only valid until its Response's next Do or
// Close; its zero value is an empty body.
type Body struct {
	r     *Response
	br    *bufio.Reader // the connection's; nil once done or detached
	how   framing
	state chunkState // byChunks only
	n     int64      // bytes left of the body (byLength) or of the chunk (byChunks)
	done  bool       // the end was read
	err   error      // sticky failure
}

// chunkState is where a chunked body stands.
type chunkState uint8

const (
	chunkSize    chunkState = iota // a chunk-size line is next
	chunkData                      // n bytes of chunk data are next
	chunkEnd                       // the CRLF after chunk data is next
	chunkTrailer                   // trailer lines, up to a blank line, are next
)

// maxTrailer bounds the trailer section of a chunked body.
const maxTrailer = 64 << 10

// Read reads up to len(p) bytes of the body. Errors are *Error values;
// after Response.Close before the end it returns ErrBodyClosed.
func (b *Body) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if b.done {
		return 0, io.EOF
	}
	if b.br == nil {
		return 0, ErrBodyClosed
	}
	if len(p) == 0 {
		return 0, nil
	}
	switch b.how {
	case byLength:
		if int64(len(p)) > b.n {
			p = p[:b.n]
		}
		n, err := b.br.Read(p)
		b.n -= int64(n)
		if b.n == 0 {
			b.finish()
			return n, nil
		}
		if err != nil {
			return n, b.fail(unexpected(err))
		}
		return n, nil
	case byChunks:
		if b.state != chunkData {
			if err := b.advance(true); err != nil {
				return 0, b.fail(err)
			}
			if b.done {
				return 0, io.EOF
			}
		}
		if int64(len(p)) > b.n {
			p = p[:b.n]
		}
		n, err := b.br.Read(p)
		b.n -= int64(n)
		if b.n == 0 {
			// Look past the chunk's end without blocking, so that a
			// body whose last chunk is already buffered ends now.
			b.state = chunkEnd
			if err := b.advance(false); err != nil {
				return n, b.fail(err)
			}
			return n, nil
		}
		if err != nil {
			return n, b.fail(unexpected(err))
		}
		return n, nil
	default: // byClose
		n, err := b.br.Read(p)
		if err == io.EOF {
			b.finish()
			return n, io.EOF
		}
		if err != nil {
			return n, b.fail(err)
		}
		return n, nil
	}
}

// Close is Response.Close.
func (b *Body) Close() error {
	if b.r != nil {
		return b.r.Close()
	}
	return nil
}

// advance reads chunk framing (the CRLF after data, size lines, the
// trailer) until chunk data is next or the body has ended. With block
// false it only consumes lines that are already buffered.
func (b *Body) advance(block bool) error {
	for !b.done && b.state != chunkData {
		if !block {
			buf, _ := b.br.Peek(b.br.Buffered())
			if bytes.IndexByte(buf, '\n') < 0 {
				return nil
			}
		}
		line, err := b.br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			return fmt.Errorf("%w: chunk line too long", ErrMalformed)
		}
		if err != nil {
			return unexpected(err)
		}
		line = line[:len(line)-1]
		if len(line) > 0 && line[len(line)-1] == '\r' {
			line = line[:len(line)-1]
		}
		switch b.state {
		case chunkEnd:
			if len(line) != 0 {
				return fmt.Errorf("%w: chunk data longer than its size", ErrMalformed)
			}
			b.state = chunkSize
		case chunkSize:
			n, ok := parseChunkSize(line)
			if !ok {
				return fmt.Errorf("%w: chunk size %q", ErrMalformed, clip(line))
			}
			if n == 0 {
				b.state, b.n = chunkTrailer, 0
			} else {
				b.state, b.n = chunkData, n
			}
		case chunkTrailer:
			if len(line) == 0 {
				b.finish()
				return nil
			}
			if b.n += int64(len(line)); b.n > maxTrailer {
				return fmt.Errorf("%w: trailer too large", ErrMalformed)
			}
		}
	}
	return nil
}

// readAll appends the rest of the body to dst, failing with ErrTooLarge
// past limit bytes.
func (b *Body) readAll(dst []byte, limit int64) ([]byte, error) {
	if b.how == byLength && !b.done && b.err == nil && b.br != nil {
		if b.n > limit {
			return dst, b.fail(ErrTooLarge)
		}
		dst = slices.Grow(dst, int(b.n))
	}
	start := len(dst)
	for {
		if len(dst) == cap(dst) {
			dst = append(dst, 0)[:len(dst)]
		}
		room := dst[len(dst):cap(dst)]
		if left := limit - int64(len(dst)-start) + 1; int64(len(room)) > left {
			room = room[:left] // one byte more than allowed tells "too large"
		}
		n, err := b.Read(room)
		dst = dst[:len(dst)+n]
		if int64(len(dst)-start) > limit {
			return dst[:start+int(limit)], b.fail(ErrTooLarge)
		}
		if err == io.EOF {
			return dst, nil
		}
		if err != nil {
			return dst, err
		}
	}
}

// discard reads and drops the rest of the body, failing with ErrTooLarge
// past limit bytes.
func (b *Body) discard(limit int64) error {
	var total int64
	for {
		if b.err != nil {
			return b.err
		}
		if b.done {
			return nil
		}
		if b.br == nil {
			return ErrBodyClosed
		}
		var k int64
		switch b.how {
		case byLength:
			k = b.n
		case byChunks:
			if b.state != chunkData {
				if err := b.advance(true); err != nil {
					return b.fail(err)
				}
				continue
			}
			k = b.n
		default: // byClose
			if _, err := b.br.Peek(1); err == io.EOF {
				b.finish()
				return nil
			} else if err != nil {
				return b.fail(err)
			}
			k = int64(b.br.Buffered())
		}
		if total+k > limit {
			return b.fail(ErrTooLarge)
		}
		d, err := b.br.Discard(int(k))
		total += int64(d)
		if b.how != byClose {
			b.n -= int64(d)
			if b.n == 0 {
				if b.how == byLength {
					b.finish()
					return nil
				}
				b.state = chunkEnd
			}
		}
		if err != nil {
			return b.fail(unexpected(err))
		}
	}
}

// finish marks the end of the body and releases the connection.
func (b *Body) finish() {
	b.done, b.br = true, nil
	if b.r != nil {
		b.r.release()
	}
}

// fail records err (sticky) and releases the connection, which is closed
// since the body did not end.
func (b *Body) fail(err error) error {
	ctx := b.r.ctx
	b.err, b.br = wrap(ctx, "read body", err), nil
	b.r.release()
	return b.err
}
