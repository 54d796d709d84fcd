package engine

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"
)

func TestGuard(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		parent, cancel := context.WithCancel(context.Background())
		g := newGuard(parent, time.Second)
		defer g.close()

		// A call that ends in time leaves the context alive for the next.
		ctx := g.begin()
		time.Sleep(900 * time.Millisecond)
		g.end()
		if err := ctx.Err(); err != nil {
			t.Fatalf("after a call in time: %v", err)
		}
		time.Sleep(time.Second) // the stopped timer must not fire now
		if err := ctx.Err(); err != nil {
			t.Fatalf("between calls: %v", err)
		}
		if g.begin() != ctx {
			t.Fatal("a live context was replaced")
		}

		// A call that overruns sees its context done with DeadlineExceeded;
		// the next call gets a fresh one.
		time.Sleep(1500 * time.Millisecond)
		select {
		case <-ctx.Done():
		default:
			t.Fatal("an overrunning call's context is not done")
		}
		if err := ctx.Err(); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("overrun: got %v, want %v", err, context.DeadlineExceeded)
		}
		g.end()
		next := g.begin()
		if next == ctx || next.Err() != nil {
			t.Fatalf("after an overrun: same context %v, err %v", next == ctx, next.Err())
		}
		g.end()

		// The parent's end ends the current context, with the parent's error.
		cancel()
		synctest.Wait()
		if err := next.Err(); !errors.Is(err, context.Canceled) {
			t.Fatalf("after the parent's cancel: got %v, want %v", err, context.Canceled)
		}
		if err := g.begin().Err(); !errors.Is(err, context.Canceled) {
			t.Fatalf("a call after the parent's end: got %v, want %v", err, context.Canceled)
		}
		g.end()
	})
}
