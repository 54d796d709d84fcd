package engine

import (
	"context"
	"time"
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
var SystemClock Clock = systemClock{}

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

func (systemClock) SleepUntil(ctx context.Context, t time.Time) error {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err()
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}
