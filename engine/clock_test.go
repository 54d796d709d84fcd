package engine

import (
	"context"
	"testing"
	"time"
)

func TestPreciseClockHonoursContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := PreciseClock.SleepUntil(ctx, time.Now().Add(time.Hour)); err != context.Canceled {
		t.Fatalf("SleepUntil on a cancelled context = %v, want context.Canceled", err)
	}
	// A deadline in the past returns at once.
	if err := PreciseClock.SleepUntil(context.Background(), time.Now().Add(-time.Second)); err != nil {
		t.Fatalf("SleepUntil(past) = %v", err)
	}
}
