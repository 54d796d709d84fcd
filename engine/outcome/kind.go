package outcome

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// Kind is the class of a request's outcome as it appears in summaries and
// results. The zero value is not a valid Kind; use OK for success.
type Kind string

// The fixed kinds. HTTP status classes and JSON-RPC codes are built by
// HTTPStatus and JSONRPC.
const (
	OK             Kind = "ok"
	ConnectRefused Kind = "connect_refused" // nothing listens on the port
	Timeout        Kind = "timeout"         // the per-request timeout fired
	Reset          Kind = "reset"           // the peer reset the connection
	EOF            Kind = "eof"             // the peer closed the connection mid-exchange
	TLS            Kind = "tls"             // the TLS handshake failed: an untrusted or invalid certificate, a protocol mismatch
	Protocol       Kind = "protocol"        // a reply that breaks HTTP/JSON-RPC/MCP framing; the error text says how
	TooLarge       Kind = "too_large"       // a reply over the cap of what is kept of one (MCP: 1 MiB), where it had to be kept
	ToolError      Kind = "mcp_is_error"    // a tools/call result with isError: true
	Canceled       Kind = "canceled"        // the run stopped the request (not the target's fault)
	Interrupted    Kind = "interrupted"     // still unanswered when its load's graceful stop ran out; cut by reslua (a failure)
	CheckFailed    Kind = "check_failed"    // the scenario's response check rejected the reply
	ScriptError    Kind = "script_error"    // the scenario's request builder failed; nothing was sent
	Rejected       Kind = "rejected"        // the target's circuit breaker refused the call; nothing was sent
	Fallback       Kind = "fallback"        // the breaker refused the call and the client served its fallback; nothing was sent
	Other          Kind = "other"           // any transport error not named above
)

// IsFailure reports whether k counts against the error rate. A canceled
// request was stopped by the run (a Ctrl-C, a hard stop) and says nothing
// about the target; a fallback is the answer the client chose to give, as
// a resilient client does, and is reported beside the failures. An
// interrupted request is a failure: the target left it unanswered for at
// least its load's graceful stop (or its whole life, when sent after the
// load's end began), so a target that hangs cannot pass an error-rate
// check by never answering.
func (k Kind) IsFailure() bool { return k != OK && k != Canceled && k != Fallback }

// IsReply reports whether k says that the target answered: OK, an HTTP
// error status, a JSON-RPC error or a tool error. A scenario's response
// check sees every such reply; the other kinds (a timeout, a reset, a
// request never sent) brought none.
func (k Kind) IsReply() bool {
	switch k {
	case OK, ToolError, "http_4xx", "http_5xx":
		return true
	}
	return strings.HasPrefix(string(k), "jsonrpc_")
}

// Failures sums the counts of the kinds that are failures.
func Failures(counts map[Kind]int64) int64 {
	var n int64
	for k, v := range counts {
		if k.IsFailure() {
			n += v
		}
	}
	return n
}

// HTTPStatus returns the kind for an HTTP status code: OK for 1xx–3xx,
// "http_4xx" or "http_5xx" otherwise.
func HTTPStatus(code int) Kind {
	switch {
	case code >= 500:
		return "http_5xx"
	case code >= 400:
		return "http_4xx"
	default:
		return OK
	}
}

// JSONRPC returns the kind for a JSON-RPC error code, e.g. "jsonrpc_-32601".
func JSONRPC(code int) Kind { return Kind("jsonrpc_" + strconv.Itoa(code)) }

// Of classifies a transport-level error. A nil error is OK. Errors that
// wrap context.DeadlineExceeded or a net timeout are Timeout; a cancelled
// context is Canceled.
func Of(err error) Kind {
	var ne net.Error
	switch {
	case err == nil:
		return OK
	case errors.Is(err, context.Canceled):
		return Canceled
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return Timeout
	case errors.As(err, &ne) && ne.Timeout():
		return Timeout
	case isTLS(err):
		return TLS
	case errors.Is(err, syscall.ECONNREFUSED):
		return ConnectRefused
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return Reset
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return EOF
	default:
		return Other
	}
}

// isTLS reports whether err is a failed TLS handshake: a certificate that
// does not verify (unknown authority, wrong host name, expired), or an
// alert or a record that is not TLS from the peer.
func isTLS(err error) bool {
	var (
		verify   *tls.CertificateVerificationError
		record   tls.RecordHeaderError
		alert    tls.AlertError
		unknown  x509.UnknownAuthorityError
		hostname x509.HostnameError
		invalid  x509.CertificateInvalidError
	)
	return errors.As(err, &verify) || errors.As(err, &record) || errors.As(err, &alert) ||
		errors.As(err, &unknown) || errors.As(err, &hostname) || errors.As(err, &invalid)
}
