package engine

import (
	"context"
	"time"

	"github.com/reslua/reslua/internal/clock"
)

// Clock is the run's source of time. Everything in the engine that waits or
// measures goes through one, so tests can run on testing/synctest's fake
// time or on a clock of their own.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// SleepUntil blocks until t or until ctx is done, whichever is first,
	// and returns ctx.Err() in the latter case.
	SleepUntil(ctx context.Context, t time.Time) error
}

// SystemClock is the wall clock. Under testing/synctest it is the bubble's
// fake clock.
var SystemClock Clock = clock.System{}

// PreciseClock is the wall clock with a sleep that wakes within tens of
// microseconds. Go's timers wake through the network poller, whose wait
// has millisecond resolution and rounds up, so a timer sleep may end up to
// 1 ms late, and that lateness would show as latency in every request
// measured from its intended start. PreciseClock sleeps on a timer until
// shortly before the deadline and finishes with nanosleep, which blocks
// its own thread and keeps that thread's Go processor: give the process
// GOMAXPROCS of 2 or more (cmd/reslua does) so that other goroutines and
// the network poller run meanwhile. It is for real runs; it does not work
// inside a testing/synctest bubble (use SystemClock there).
var PreciseClock Clock = preciseClock{}

type preciseClock struct{}

// preciseMargin is how long before a deadline the timer sleep hands over
// to nanosleep: more than the poller's rounding, plus scheduling noise.
const preciseMargin = 2 * time.Millisecond

// preciseStep bounds one nanosleep, so a cancelled ctx is noticed soon.
const preciseStep = 5 * time.Millisecond

func (preciseClock) Now() time.Time { return time.Now() }

func (preciseClock) SleepUntil(ctx context.Context, t time.Time) error {
	if d := time.Until(t); d > preciseMargin {
		if err := SystemClock.SleepUntil(ctx, t.Add(-preciseMargin)); err != nil {
			return err
		}
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		d := time.Until(t)
		if d <= 0 {
			return nil
		}
		nanosleep(min(d, preciseStep))
	}
}
