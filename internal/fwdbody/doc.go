// Package fwdbody readies a request received by an http.Server for a
// reverse proxy (httputil.ReverseProxy) to forward, so that a streamed
// reply cannot cut the exchange with the backend.
//
// net/http's server is half-duplex for HTTP/1.x: when a handler flushes a
// reply's headers before it has read the request body to its end, the
// server reads the rest and closes the body. A reverse proxy's transport
// sends a streamed body (one it does not know to be in memory) with its
// own goroutine, which writes the bytes and then reads once more for the
// body's end; when the backend answers in between (a Server-Sent Events
// reply flushed at once does), that read finds the body closed and the
// transport closes the connection to the backend, in the middle of the
// reply. Prepare removes both halves of that race: a small body of known
// length is read first and handed on from memory, and the server is told
// to allow reading and writing at once for the rest.
package fwdbody
