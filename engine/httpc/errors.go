package httpc

import (
	"context"
	"errors"
)

// Sentinel errors, found with errors.Is.
var (
	// ErrClosed is returned by Do after Client.Close.
	ErrClosed = errors.New("httpc: client closed")
	// ErrMalformed marks a response that breaks HTTP/1.1 framing: a bad
	// status line, header or chunk, a head over Client.MaxHeaderBytes.
	// engine/outcome.Of does not know it (it says "other"); callers map it
	// to outcome.Protocol.
	ErrMalformed = errors.New("httpc: malformed response")
	// ErrTooLarge marks a body longer than the limit given to
	// Response.ReadAll or Response.Discard.
	ErrTooLarge = errors.New("httpc: body too large")
	// ErrInvalid marks a request that cannot be sent: a bad method, path
	// or header in NewTemplate or Request.Header, a Client without Addr.
	ErrInvalid = errors.New("httpc: invalid request")
	// ErrBodyClosed is returned by a Body read after Response.Close (or
	// the next Do) ended it before its end.
	ErrBodyClosed = errors.New("httpc: read on a closed body")
	// ErrOrigin is returned by Transport for a request to another origin
	// than its Client's, or with a scheme other than http.
	ErrOrigin = errors.New("httpc: request for another origin")
)

// Error is a failed exchange. Err is what went wrong (a net.OpError, a
// context error, io.EOF, a sentinel above ...); it is unwrapped by
// errors.Is and errors.As, so engine/outcome.Of sees through it.
type Error struct {
	// Op is the step that failed: "dial", "write", "read head" or
	// "read body".
	Op string
	// Err is the cause; never nil.
	Err error
}

func (e *Error) Error() string { return "httpc: " + e.Op + ": " + e.Err.Error() }

func (e *Error) Unwrap() error { return e.Err }

// wrap makes the error of step op. When ctx is done, the failure was (most
// likely) the interrupt that ctx's end set off, so ctx's error is what is
// reported; the cause is kept too, so both match errors.Is.
func wrap(ctx context.Context, op string, err error) error {
	if ctx == nil {
		return &Error{Op: op, Err: err}
	}
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		err = errors.Join(cerr, err)
	}
	return &Error{Op: op, Err: err}
}
