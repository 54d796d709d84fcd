package engine

import (
	"context"

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
	// Check inspects the reply to a request of mix entry `entry` that
	// succeeded; an error fails it as outcome.CheckFailed.
	Check(ctx context.Context, entry int, r Reply) error
	// Close releases the worker's resources.
	Close()
}

// Reply is what a check sees of one response.
type Reply struct {
	Kind outcome.Kind
	// Status is the HTTP status; 0 when no response arrived.
	Status int
	// Body is the JSON-RPC result of an MCP request, or the body of an HTTP
	// one (up to maxCheckedBody bytes); nil on failure.
	Body []byte
}

// maxCheckedBody bounds the HTTP body kept for a check.
const maxCheckedBody = 1 << 20
