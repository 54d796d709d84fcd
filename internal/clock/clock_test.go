package clock

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"
)

func TestSystemSleepUntil(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var c System
		start := c.Now()
		if err := c.SleepUntil(context.Background(), start.Add(3*time.Second)); err != nil || c.Now().Sub(start) != 3*time.Second {
			t.Fatalf("SleepUntil: %v after %s, want nil after 3s", err, c.Now().Sub(start))
		}
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(time.Second, cancel)
		if err := c.SleepUntil(ctx, c.Now().Add(time.Hour)); !errors.Is(err, context.Canceled) || c.Now().Sub(start) != 4*time.Second {
			t.Fatalf("cancelled SleepUntil: %v after %s", err, c.Now().Sub(start))
		}
		if err := c.SleepUntil(ctx, start); !errors.Is(err, context.Canceled) {
			t.Fatalf("a past time with a done ctx: %v", err)
		}
		if err := c.SleepUntil(context.Background(), start); err != nil {
			t.Fatalf("a past time: %v", err)
		}
	})
}
