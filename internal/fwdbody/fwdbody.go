package fwdbody

import (
	"bytes"
	"io"
	"net/http"
)

// MaxPrefetch is the largest request body Prepare reads before the
// request is forwarded: bigger bodies, and bodies of unknown length, are
// streamed to the backend as they arrive.
const MaxPrefetch = 64 << 10

// Prepare readies r, received by the handler that writes to w, for a
// reverse proxy to forward. It enables full-duplex HTTP/1.x on w (a
// writer that cannot, such as HTTP/2's, which needs none, or one outside a
// server, is left as it is). When prefetch is true and r's body has a
// known length of at most MaxPrefetch bytes, it reads the body and
// replaces it with the bytes read, so that the transport sends the
// request in one write and never reads the client's body after the reply
// has begun. A body that fails to read keeps its failure: the bytes read
// are handed on, followed by the error, as the transport would have met
// them. Call it before anything writes to w.
func Prepare(w http.ResponseWriter, r *http.Request, prefetch bool) {
	_ = http.NewResponseController(w).EnableFullDuplex()
	if !prefetch || r.Body == nil || r.Body == http.NoBody || r.ContentLength <= 0 || r.ContentLength > MaxPrefetch {
		return
	}
	buf := make([]byte, r.ContentLength)
	n, err := io.ReadFull(r.Body, buf)
	if err != nil {
		if err == io.ErrUnexpectedEOF || err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		r.Body = readCloser{io.MultiReader(bytes.NewReader(buf[:n]), errReader{err}), r.Body}
		return
	}
	// Look for the end too: the server watches the connection for the
	// client going away once the body has reached it.
	var one [1]byte
	if m, err := r.Body.Read(one[:]); m > 0 || err != io.EOF {
		// More than Content-Length: the server does not let that happen.
		r.Body = readCloser{io.MultiReader(bytes.NewReader(buf), bytes.NewReader(one[:m]), r.Body), r.Body}
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(buf))
}

// readCloser reads from Reader and closes Closer.
type readCloser struct {
	io.Reader
	io.Closer
}

// errReader fails every read with its error.
type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }
