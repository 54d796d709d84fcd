package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// Callbacks run on the waiting goroutine at their times, in order, during
// Sleep; one due while another runs waits for it; a failing one ends the
// wait with its error.
func TestTimersRunDuringSleep(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := NewRun(Config{})
		var got []time.Duration
		mark := func(ctx context.Context) error { got = append(got, r.Elapsed()); return nil }
		must(t, r.At(3*time.Second, "a", mark))
		must(t, r.At(1*time.Second, "b", func(ctx context.Context) error {
			got = append(got, r.Elapsed())
			// A nested sleep runs no other callback: the one due at 2 s
			// waits until this one returns at 2.5 s.
			return r.Sleep(ctx, 1500*time.Millisecond)
		}))
		must(t, r.At(2*time.Second, "c", mark))
		must(t, r.Every(2*time.Second, "d", mark))
		if err := r.Sleep(context.Background(), 5*time.Second); err != nil {
			t.Fatal(err)
		}
		want := []time.Duration{1 * time.Second, 2500 * time.Millisecond, 2500 * time.Millisecond, 3 * time.Second, 4 * time.Second}
		if !slices.Equal(got, want) {
			t.Fatalf("callbacks ran at %v, want %v", got, want)
		}
		boom := errors.New("boom")
		must(t, r.At(6*time.Second, "e", func(context.Context) error { return boom }))
		err := r.Sleep(context.Background(), 10*time.Second)
		var cb *CallbackError
		if !errors.As(err, &cb) || !errors.Is(err, boom) || cb.Where != "e" || r.Elapsed() != 6*time.Second {
			t.Fatalf("Sleep = %v at %s, want the callback's error at 6s", err, r.Elapsed())
		}
	})
}

// In a dry run, callbacks run on the plan's timeline, and Drain runs
// those still pending, however late, so that check sees what they declare.
func TestTimersInADryRun(t *testing.T) {
	r := NewRun(Config{DryRun: true})
	var got []time.Duration
	mark := func(context.Context) error { got = append(got, r.Elapsed()); return nil }
	must(t, r.At(2*time.Second, "a", mark))
	must(t, r.At(50*time.Second, "b", mark))
	must(t, r.Every(time.Second, "c", mark)) // once in a dry run
	if err := r.Sleep(context.Background(), 3*time.Second); err != nil {
		t.Fatal(err)
	}
	if err := r.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	if want := []time.Duration{time.Second, 2 * time.Second, 50 * time.Second}; !slices.Equal(got, want) {
		t.Fatalf("callbacks ran at %v, want %v", got, want)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// In a dry run, a rollout's holds pass on the plan's timeline with the
// callbacks due meanwhile run at their own times, so a fault scheduled
// mid-rollout is planned when it will happen, not when the rollout ends.
func TestDryRolloutRunsCallbacksInTime(t *testing.T) {
	r := NewRun(Config{DryRun: true})
	blue, err := r.AddTarget(TargetSpec{Name: "blue", URL: "http://127.0.0.1:1/mcp"})
	must(t, err)
	green, err := r.AddTarget(TargetSpec{Name: "green", URL: "http://127.0.0.1:2/mcp"})
	must(t, err)
	lb, err := r.AddRouter(context.Background(), RouterSpec{Name: "lb", Routes: []RouteSpec{{Target: blue, Weight: 100}, {Target: green}}})
	must(t, err)
	var at time.Duration
	must(t, r.At(7*time.Second, "x", func(context.Context) error { at = r.Elapsed(); return nil }))
	_, err = r.Rollout(context.Background(), RolloutSpec{Strategy: "canary", Router: lb, Steps: []int{50, 100}, Hold: 5 * time.Second})
	must(t, err)
	if at != 7*time.Second || r.Elapsed() != 10*time.Second {
		t.Fatalf("callback at %s, plan at %s; want 7s and 10s", at, r.Elapsed())
	}
}

// Issue 11: a periodic callback slower than its period (250 ms every
// 100 ms) once queued a run for every period missed, fell ever further
// behind and kept the wait (and so the run) from ever ending. Missed
// periods are now skipped, as a time.Ticker drops ticks: the wait ends on
// time and the callback runs at the periods not yet past.
func TestEverySkipsMissedPeriods(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var log bytes.Buffer
		r := NewRun(Config{Log: &log})
		var got []time.Duration
		must(t, r.Every(100*time.Millisecond, "scenario.lua:3", func(ctx context.Context) error {
			got = append(got, r.Elapsed())
			if len(got) > 20 { // the old behaviour: it never catches up
				return fmt.Errorf("ran %d times in a 1s wait", len(got))
			}
			time.Sleep(250 * time.Millisecond)
			return nil
		}))
		if err := r.Sleep(context.Background(), time.Second); err != nil {
			t.Fatal(err)
		}
		want := []time.Duration{100 * time.Millisecond, 400 * time.Millisecond, 700 * time.Millisecond, time.Second}
		if !slices.Equal(got, want) {
			t.Errorf("callback ran at %v, want %v", got, want)
		}
		if r.Elapsed() != 1250*time.Millisecond {
			t.Errorf("the wait ended at %s, want 1.25s (the run due at 1s ends then)", r.Elapsed())
		}
		if n := strings.Count(log.String(), "missed periods are skipped"); n != 1 {
			t.Errorf("logged %d times, want once:\n%s", n, log.String())
		}
	})
}

// Periods shorter than MinEvery are refused: every("1ns", f) once made
// the run never end.
func TestEveryMinimumPeriod(t *testing.T) {
	r := NewRun(Config{DryRun: true})
	for _, d := range []time.Duration{time.Nanosecond, time.Millisecond, MinEvery - 1} {
		err := r.Every(d, "x", func(context.Context) error { return nil })
		if err == nil || !strings.Contains(err.Error(), "at least 10ms") {
			t.Errorf("Every(%s) = %v, want a minimum of 10ms", d, err)
		}
	}
	must(t, r.Every(MinEvery, "x", func(context.Context) error { return nil }))
}
