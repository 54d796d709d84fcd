// Package httpc is a lean HTTP/1.1 client for load generation: one origin,
// keep-alive connections from a bounded pool, request heads encoded once
// per Template, and responses parsed into a Response the caller reuses, so
// that a request costs no allocation on the client side.
//
// It speaks plain http:// only (no TLS, no HTTP/2, no proxies, no
// redirects, no compression, no cookies). An https:// target stays on
// net/http until TLS is added here.
//
// # Use
//
//	c := &httpc.Client{Addr: "127.0.0.1:8080", MaxConns: 50}
//	defer c.Close()
//	get, err := httpc.NewTemplate("GET", "/get")           // once
//	...
//	var resp httpc.Response                                   // one per worker
//	err = c.Do(ctx, &httpc.Request{Template: get}, &resp)    // per request
//	if err == nil {
//		body, err = resp.ReadAll(body[:0], 1<<20)   // or read resp.Body incrementally
//	}
//
// Do borrows a connection, writes the request in one write, reads the
// status line and headers and returns; on a TCP socket the write and the
// read of the head share one syscall.RawConn.Read, so no read is tried
// before the response can have arrived; the body is then read through
// Response.Body (Content-Length, chunked or read-until-close framing), so
// an SSE stream can be consumed event by event and left early. The
// connection goes back to the pool when the body has been read to its end
// (or Response.ReadAll or Response.Discard did so); Response.Close before
// that closes the connection instead, since its unread rest cannot be
// skipped cheaply. The next Do on the same Response closes it first, so a
// worker that always reuses its Response never leaks a connection.
//
// # Deadlines, cancellation and errors
//
// The context of Do bounds the whole exchange, body included: its deadline
// becomes the connection's deadline, and its cancellation interrupts a
// blocked read or write. Client.Timeout bounds each exchange too, so that
// a worker can pass its own long-lived context instead of making a
// context.WithTimeout per request: watching a context without a deadline
// is registered once per connection and costs nothing per request, while
// a per-request context costs its own allocations and a registration
// (about ten allocations together). Errors are *Error values that wrap what happened,
// so that engine/outcome.Of classifies them: a refused dial wraps
// syscall.ECONNREFUSED, a deadline os.ErrDeadlineExceeded or
// context.DeadlineExceeded, a cancelled context context.Canceled, a reset
// syscall.ECONNRESET, a connection closed mid-response io.EOF or
// io.ErrUnexpectedEOF. A reply that breaks HTTP/1.1 framing wraps
// ErrMalformed, a body over a limit ErrTooLarge; outcome.Of calls both
// "other", so a caller that wants outcome.Protocol tests for them first.
//
// A connection kept alive in the pool may have been closed by the server
// meanwhile (Node closes idle ones after 5 s). Do looks at an idle
// connection before writing on it (one non-blocking recv with MSG_PEEK,
// see conn.alive) and replaces it when the server closed it or sent
// something unasked; Stats.Reconnects counts these. A request is sent
// again on another connection only when nothing of it can have been
// processed or it may be processed twice:
//
//   - any request, when the connection was found closed before the write,
//     or when the write on a reused connection failed as a closed one
//     fails (EOF, reset, broken pipe) with no byte taken by the kernel;
//   - a replayable request (GET, HEAD, OPTIONS, TRACE, PUT and DELETE
//     always, other methods when Request.Replayable is set), when a reused
//     connection fails so after the write but before the first byte of the
//     response (Stats.Replays).
//
// A POST that may have reached the server is never sent twice: its
// failure is returned. A request is sent at most twice.
//
// A response in HTTP/1.0, with "Connection: close", or framed by the end
// of the connection closes its connection once read. 1xx interim responses
// (other than 101) are skipped.
//
// # net/http
//
// Transport adapts a Client to http.RoundTripper so that code written
// against net/http types can switch with one line. It builds a Template
// and copies headers into maps on every call: it is the slow path, for
// handshakes and tools, not for the request loop.
package httpc
