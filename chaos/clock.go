package chaos

import (
	"context"
	"time"

	"github.com/reslua/reslua/internal/clock"
)

// Clock is the proxy's source of time. Latency, bandwidth pacing, slow
// closes, cuts after a time, and the start and end of timed faults all go
// through it, so tests can drive a proxy on a fake clock (or run it under
// testing/synctest with SystemClock). Any type with these two methods
// fits, including the engine's clock.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// SleepUntil blocks until t or until ctx is done, whichever is
	// first, and returns ctx.Err() in the latter case. A t in the past
	// returns at once.
	SleepUntil(ctx context.Context, t time.Time) error
}

// SystemClock is the wall clock: time.Now and a time.Timer. Under
// testing/synctest it is the bubble's fake clock. A nil Proxy.Clock means
// SystemClock.
var SystemClock Clock = clock.System{}
