package breaker

import (
	"time"

	"github.com/reslua/reslua/internal/clock"
)

// Clock is the breaker's source of time. Open periods, time-based windows and
// the durations Execute measures are all read from it, so tests can run the
// breaker on a fake clock. Any type with a Now method fits, including the
// engine's clock.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
}

// SystemClock is the wall clock (time.Now). A nil Settings.Clock means
// SystemClock.
var SystemClock Clock = clock.System{}
