package deploy

import (
	"context"
	"time"

	"github.com/reslua/reslua/internal/clock"
)

// Clock is the source of time for everything in this package that waits
// or dates: holds, analysis intervals, health-check intervals and
// timeouts, event times, breaker durations. It has the shape of the
// engine's clock, so the engine passes its own; tests pass a fake one or
// run under testing/synctest with SystemClock.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// SleepUntil blocks until t or until ctx is done, whichever comes
	// first, and returns ctx.Err() in the latter case.
	SleepUntil(ctx context.Context, t time.Time) error
}

// SystemClock is the wall clock. Inside a testing/synctest bubble it is the
// bubble's fake clock. A nil Clock field means SystemClock.
var SystemClock Clock = clock.System{}

func clockOr(c Clock) Clock {
	if c == nil {
		return SystemClock
	}
	return c
}
