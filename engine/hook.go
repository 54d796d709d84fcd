package engine

import (
	"context"
	"errors"

	"github.com/reslua/reslua/engine/outcome"
)

// Hooks is what the engine needs of a script that builds requests or
// checks replies (package luabind implements it for Lua functions). The
// engine asks for one WorkerHooks per worker goroutine of an open load, or
// per virtual user of a closed one, and uses each from that goroutine only:
// an implementation keeps per-worker state (a Lua state) without locks.
// Mixes without hooks never call a script per request.
type Hooks interface {
	// NewWorker returns the hooks of one worker.
	NewWorker() (WorkerHooks, error)
}

// WorkerHooks are the hooks of one worker.
type WorkerHooks interface {
	// Build returns the request of mix entry `entry` (index into
	// LoadSpec.Mix) for request n of the load. An error fails the request
	// as outcome.ScriptError without sending anything. Build must return
	// when ctx is done (the request's timeout or the run's hard stop).
	Build(ctx context.Context, entry int, n int64) (RequestSpec, error)
	// Check inspects every reply to a request of mix entry `entry`: one
	// that succeeded, and one that did not (an HTTP error status, a
	// JSON-RPC error, a tool error; Reply.Kind says which). Nil accepts
	// the reply, which then counts as a success, so that a scenario can
	// expect a 404. An error rejects it: a reply that succeeded fails as
	// outcome.CheckFailed, one that failed keeps its kind. An error that
	// wraps ErrReplyRejected is the check's plain "no" (not logged for a
	// failed reply); others are the script's errors. A request that got no
	// reply (a timeout, a reset) is not checked.
	Check(ctx context.Context, entry int, r Reply) error
	// Close releases the worker's resources.
	Close()
}

// ErrReplyRejected is wrapped by the error of a check that answered no
// (rather than failing to run).
var ErrReplyRejected = errors.New("reply rejected by the check")

// Reply is what a check sees of one response.
type Reply struct {
	Kind outcome.Kind
	// Status is the HTTP status; 0 when no response arrived.
	Status int
	// Body is the JSON-RPC result of an MCP request, or the body of an HTTP
	// one; nil on failure. One over maxCheckedBody (1 MiB) is not checked:
	// the request fails as outcome.TooLarge.
	Body []byte
}

// maxCheckedBody bounds the HTTP body kept for a check.
const maxCheckedBody = 1 << 20
