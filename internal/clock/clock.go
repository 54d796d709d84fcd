// Package clock holds the wall clock that reslua's packages share. Each
// package that waits or measures declares the Clock interface it needs
// (engine, chaos, deploy: Now and SleepUntil; breaker: Now) and uses System
// as its SystemClock, so the implementation is written once.
package clock

import (
	"context"
	"time"
)

// System is the wall clock: time.Now and a time.Timer. Inside a
// testing/synctest bubble it is the bubble's fake clock. Its zero value is
// ready to use.
type System struct{}

// Now returns the current time.
func (System) Now() time.Time { return time.Now() }

// SleepUntil blocks until t or until ctx is done, whichever is first, and
// returns ctx.Err() in the latter case; a t in the past returns at once.
func (System) SleepUntil(ctx context.Context, t time.Time) error {
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
