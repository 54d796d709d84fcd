package engine

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"
)

// A script schedules work on the run's timeline with At and Every. The
// callbacks run on the script's own goroutine (a Lua state is not safe
// for concurrent use), whenever the script is blocked in a Run method that
// waits: Sleep, WaitLoad, a Rollout's holds, Drain. A callback that comes
// due while the script computes runs at its next wait; callbacks do not
// interrupt one another (one scheduled by a callback, or due while one
// runs, waits for it to return).

// timer is one scheduled callback.
type timer struct {
	at    time.Duration // due, from the run's start (the plan's timeline in a dry run)
	every time.Duration // repeat period; zero: once
	fn    func(ctx context.Context) error
	where string // where the script scheduled it, for messages
	seq   int    // order of scheduling, to break ties
	late  bool   // a period was skipped and logged
}

// MinEvery is the shortest period Every takes: 10 ms. Callbacks run one
// at a time on the script's goroutine, between its waits; a shorter
// period would have them run back to back, leaving the script no time of
// its own, for no gain (the run's figures are kept per second). A
// callback slower than its period does not queue up runs: the periods
// missed meanwhile are skipped, as a time.Ticker drops ticks.
const MinEvery = 10 * time.Millisecond

// CallbackError is a scheduled callback's error; it ends the script.
type CallbackError struct {
	Where string
	Err   error
}

func (e *CallbackError) Error() string { return e.Err.Error() }
func (e *CallbackError) Unwrap() error { return e.Err }

// At schedules fn to run once at offset at from the run's start (at once,
// at the next wait, when at has passed). where says where the script
// asked, for messages. In a dry run the callback runs on the plan's
// timeline, so that what it declares is checked.
func (r *Run) At(at time.Duration, where string, fn func(ctx context.Context) error) error {
	if at < 0 {
		return fmt.Errorf("expected a time >= 0 from the run's start, got %s", at)
	}
	r.schedule(&timer{at: at, fn: fn, where: where})
	return nil
}

// Every schedules fn to run every period (at least MinEvery) from now
// until the run's loads have all ended; periods that pass while fn runs
// are skipped, not made up for. In a dry run it runs once, a period from
// now.
func (r *Run) Every(period time.Duration, where string, fn func(ctx context.Context) error) error {
	if period <= 0 {
		return fmt.Errorf("expected a period > 0, got %s", period)
	}
	if period < MinEvery {
		return fmt.Errorf("expected a period of at least %s (callbacks run one at a time on the script's goroutine), got %s", MinEvery, period)
	}
	r.mu.Lock()
	now := r.elapsedLocked()
	r.mu.Unlock()
	every := period
	if r.cfg.DryRun {
		every = 0
	}
	r.schedule(&timer{at: now + period, every: every, fn: fn, where: where})
	return nil
}

func (r *Run) schedule(t *timer) {
	r.mu.Lock()
	r.timerSeq++
	t.seq = r.timerSeq
	r.timers = append(r.timers, t)
	r.mu.Unlock()
}

// nextTimer returns the timer due first, or nil.
func (r *Run) nextTimer() *timer {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.timers) == 0 {
		return nil
	}
	return slices.MinFunc(r.timers, func(a, b *timer) int {
		if a.at != b.at {
			return int(a.at - b.at)
		}
		return a.seq - b.seq
	})
}

// fire runs t (already due), rescheduling it if it repeats.
func (r *Run) fire(ctx context.Context, t *timer) error {
	r.mu.Lock()
	r.timers = slices.DeleteFunc(r.timers, func(x *timer) bool { return x == t })
	r.inCallback = true
	r.mu.Unlock()
	err := t.fn(ctx)
	r.mu.Lock()
	r.inCallback = false
	var skipped time.Duration
	if t.every > 0 && err == nil {
		t.at += t.every
		// Periods missed while fn ran are skipped: the next run is at
		// the first period's time not yet past.
		if now := r.elapsedLocked(); t.at < now {
			n := (now - t.at + t.every - 1) / t.every
			t.at += n * t.every
			if !t.late {
				t.late, skipped = true, n*t.every
			}
		}
		r.timers = append(r.timers, t)
	}
	r.mu.Unlock()
	if skipped > 0 {
		r.logf("%s: every %s: the callback took longer than its period; missed periods are skipped (%d this time; not logged again)", t.where, t.every, skipped/t.every)
	}
	if err != nil {
		return &CallbackError{Where: t.where, Err: err}
	}
	return nil
}

// block waits until the run's clock reaches deadline (zero: no deadline)
// or done is closed (nil: never) or ctx is done, running the callbacks
// that come due meanwhile. It returns ctx's error, or a callback's.
func (r *Run) block(ctx context.Context, deadline time.Time, done <-chan struct{}) error {
	r.mu.Lock()
	nested := r.inCallback
	r.mu.Unlock()
	var wake context.Context
	if done != nil {
		var cancel context.CancelFunc
		wake, cancel = context.WithCancel(ctx)
		defer cancel()
		go func() {
			select {
			case <-done:
				cancel()
			case <-wake.Done():
			}
		}()
	} else {
		wake = ctx
	}
	for {
		if done != nil {
			select {
			case <-done:
				return nil
			default:
			}
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		now := r.clock.Now()
		var next *timer
		if !nested {
			next = r.nextTimer()
		}
		if next != nil && !r.start.Add(next.at).After(now) {
			if err := r.fire(ctx, next); err != nil {
				return err
			}
			continue
		}
		if !deadline.IsZero() && !now.Before(deadline) {
			return nil
		}
		until := deadline
		if next != nil {
			if due := r.start.Add(next.at); until.IsZero() || due.Before(until) {
				until = due
			}
		}
		if until.IsZero() {
			<-wake.Done() // done closed, or ctx ended: both checked above
			continue
		}
		_ = r.clock.SleepUntil(wake, until) // an early end is checked above
	}
}

// advancePlan moves a dry run's timeline to offset to, running the
// callbacks due on the way, each at its own time.
func (r *Run) advancePlan(ctx context.Context, to time.Duration) error {
	if err := r.runPlanned(ctx, to); err != nil {
		return err
	}
	r.mu.Lock()
	r.planOffset = max(r.planOffset, to)
	r.mu.Unlock()
	return nil
}

// runPlanned runs a dry run's callbacks due up to offset upTo, in order,
// moving the plan's timeline to each one's time (not further). A callback
// running already runs no other.
func (r *Run) runPlanned(ctx context.Context, upTo time.Duration) error {
	for {
		r.mu.Lock()
		nested := r.inCallback
		r.mu.Unlock()
		var next *timer
		if !nested {
			next = r.nextTimer()
		}
		if next == nil || next.at > upTo {
			return nil
		}
		r.mu.Lock()
		r.planOffset = max(r.planOffset, next.at)
		r.mu.Unlock()
		if err := r.fire(ctx, next); err != nil {
			return err
		}
	}
}

// scriptClock is the run's clock as a script-driven controller (a
// rollout) sees it: its waits run the script's due callbacks. The first
// callback error ends the wait, as a cancellation would, and is kept in
// err for the caller to report.
type scriptClock struct {
	r   *Run
	err error
}

func (c *scriptClock) Now() time.Time { return c.r.clock.Now() }

func (c *scriptClock) SleepUntil(ctx context.Context, t time.Time) error {
	err := c.r.block(ctx, t, nil)
	if err != nil && ctx.Err() == nil && c.err == nil {
		c.err = err
	}
	return err
}

// Drain waits until every load has ended, running the callbacks due
// meanwhile; callbacks still pending then are dropped, each with a log
// line. The script calls it when its main chunk has returned, so that
// callbacks scheduled for the rest of the run still run.
func (r *Run) Drain(ctx context.Context) error {
	r.mu.Lock()
	loads := slices.Clone(r.loads)
	r.mu.Unlock()
	if r.cfg.DryRun {
		// Every callback runs, however late: a dry run checks what each
		// one declares.
		if err := r.runPlanned(ctx, math.MaxInt64); err != nil {
			return err
		}
	} else {
		actx, cancel := r.abortable(ctx)
		defer cancel()
		for _, l := range loads {
			if err := r.block(actx, time.Time{}, l.done); err != nil {
				return r.abortErr(err)
			}
		}
		// Callbacks due by now (the last load's end) still run.
		if err := r.block(ctx, r.clock.Now(), nil); err != nil {
			return err
		}
	}
	r.mu.Lock()
	pending := r.timers
	r.timers = nil
	r.mu.Unlock()
	for _, t := range pending {
		if t.every == 0 {
			r.logf("%s: a callback due at %s did not run: the run's loads had ended", t.where, t.at)
		}
	}
	return nil
}
