package engine

import (
	"context"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/reslua/reslua/engine/outcome"
)

// fakeSender stands in for a target inside a synctest bubble, where time is
// fake and exact: it answers after whatever delay the test gives.
type fakeSender func(ctx context.Context) outcome.Kind

func (f fakeSender) send(ctx context.Context) outcome.Kind { return f(ctx) }

// sleepSender answers OK after d, or Canceled/Timeout when ctx ends first.
func sleepSender(d func(n int64) time.Duration) fakeSender {
	var n atomic.Int64
	return func(ctx context.Context) outcome.Kind {
		t := time.NewTimer(d(n.Add(1) - 1))
		defer t.Stop()
		select {
		case <-t.C:
			return outcome.OK
		case <-ctx.Done():
			return outcome.Of(ctx.Err())
		}
	}
}

func testLoad(rate float64, dur time.Duration, workers, queue int, mix int) *Load {
	spec := LoadSpec{
		Name: "l", Target: &Target{spec: TargetSpec{Name: "t", Timeout: time.Minute}},
		Rate: rate, Duration: dur, Workers: workers, Queue: queue,
	}
	for i := range mix {
		spec.Mix = append(spec.Mix, MixEntry{Weight: 1, Request: RequestSpec{Name: string(rune('a' + i)), HTTP: &HTTPRequest{Path: "/"}}})
	}
	return newLoad(spec, SystemClock, nil, 0)
}

func runLoad(l *Load, s ...sender) LoadResult {
	ctx, cancel := context.WithCancel(context.Background())
	l.cancel = cancel
	l.run(ctx, func(context.Context) []sender { return s })
	return l.result()
}

func TestExactArrivalsAtConstantRate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := testLoad(1000, 10*time.Second, 10, 100, 1)
		r := runLoad(l, sleepSender(func(int64) time.Duration { return time.Millisecond }))
		if r.Scheduled != 10000 || r.Completed() != 10000 || r.Dropped != 0 || r.Unsent != 0 {
			t.Fatalf("scheduled %d, completed %d, dropped %d, unsent %d; want 10000, 10000, 0, 0",
				r.Scheduled, r.Completed(), r.Dropped, r.Unsent)
		}
		if r.Elapsed != 10*time.Second-time.Millisecond {
			t.Errorf("arrival window %s, want 9.999s (last arrival at 9.999s)", r.Elapsed)
		}
		q := r.Requests[0]
		if got := q.Latency.ValueAtQuantile(100); got != 1000 {
			t.Errorf("latency max %dµs, want 1000µs", got)
		}
		if got := r.Lag.Max(); got > 1 {
			t.Errorf("scheduler lag max %dµs on a fake clock, want ≤ 1µs (the histogram's floor)", got)
		}
	})
}

func TestStalledTargetShowsInLatencyNotServiceTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// One worker, 100/s for 1 s; request 20 (due at 200 ms) stalls for
		// 500 ms, every other answers in 1 ms. Requests due while it stalls
		// queue behind it: their latency (from intended start) grows, their
		// service time (from send) does not.
		l := testLoad(100, time.Second, 1, 1000, 1)
		r := runLoad(l, sleepSender(func(n int64) time.Duration {
			if n == 20 {
				return 500 * time.Millisecond
			}
			return time.Millisecond
		}))
		q := r.Requests[0]
		if q.Count != 100 {
			t.Fatalf("count %d, want 100", q.Count)
		}
		if got := q.Service.ValueAtQuantile(50); got != 1000 {
			t.Errorf("service p50 %dµs, want 1000µs", got)
		}
		if got := q.Service.ValueAtQuantile(98); got != 1000 {
			t.Errorf("service p98 %dµs, want 1000µs: only one request stalled", got)
		}
		// Requests 21..75 wait behind the stall: request k's latency is
		// 680-9k ms (491 ms down to 5 ms). With 44 requests at 1 ms below
		// them, the 90th value is the ramp's 46th: 5+45·9 = 410 ms, while
		// service p90 stays 1 ms.
		if got := q.Latency.ValueAtQuantile(90); got < 409_000 || got > 411_000 {
			t.Errorf("latency p90 %dµs, want about 410ms: the stall must show", got)
		}
		if got := q.Service.ValueAtQuantile(90); got != 1000 {
			t.Errorf("service p90 %dµs, want 1000µs", got)
		}
		if got := q.Latency.Max(); got < 500_000 || got > 501_000 {
			t.Errorf("latency max %dµs, want about 500ms", got)
		}
		if got := q.Wait.Max(); got < 489_000 || got > 491_000 {
			t.Errorf("queue wait max %dµs, want about 490ms (request 21)", got)
		}
	})
}

func TestFullQueueDropsAndCounts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// One worker stalls 505 ms on the first request; the queue holds 5.
		// Arrivals 1..5 queue, 6..50 (due 60..500 ms) find it full.
		l := testLoad(100, time.Second, 1, 5, 1)
		r := runLoad(l, sleepSender(func(n int64) time.Duration {
			if n == 0 {
				return 505 * time.Millisecond
			}
			return time.Millisecond
		}))
		if r.Dropped != 45 {
			t.Errorf("dropped %d, want 45", r.Dropped)
		}
		if r.Scheduled != 100 || r.Completed() != 55 {
			t.Errorf("scheduled %d, completed %d; want 100, 55", r.Scheduled, r.Completed())
		}
		if r.QueueMax != 5 {
			t.Errorf("queue max %d, want 5", r.QueueMax)
		}
	})
}

func TestStopEndsArrivalsAndCountsUnsent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// One worker busy 1 s per request at 10/s: stopping at 2.55 s leaves
		// arrivals queued; they are counted as unsent, not sent.
		l := testLoad(10, 10*time.Second, 1, 100, 1)
		go func() {
			time.Sleep(2550 * time.Millisecond)
			l.Stop()
		}()
		r := runLoad(l, sleepSender(func(int64) time.Duration { return time.Second }))
		if r.Scheduled != 26 {
			t.Errorf("scheduled %d, want 26 (arrivals due up to 2.5 s)", r.Scheduled)
		}
		if r.Completed() != 3 || r.Unsent != 23 {
			t.Errorf("completed %d, unsent %d; want 3 (the one in flight finishes), 23", r.Completed(), r.Unsent)
		}
	})
}

func TestMixSharesAreExact(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := testLoad(100, 10*time.Second, 4, 100, 3)
		l.spec.Mix[0].Weight, l.spec.Mix[1].Weight, l.spec.Mix[2].Weight = 60, 30, 10
		l.order = mixOrder([]int{60, 30, 10})
		ok := sleepSender(func(int64) time.Duration { return time.Millisecond })
		r := runLoad(l, ok, ok, ok)
		for i, want := range []int64{600, 300, 100} {
			if got := r.Requests[i].Count; got != want {
				t.Errorf("request %s: %d, want %d", r.Requests[i].Name, got, want)
			}
		}
	})
}

func TestTimeoutIsClassified(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := testLoad(10, time.Second, 2, 10, 1)
		l.spec.Target.spec.Timeout = 50 * time.Millisecond
		r := runLoad(l, sleepSender(func(int64) time.Duration { return time.Second }))
		q := r.Requests[0]
		if q.Errors[outcome.Timeout] != 10 {
			t.Errorf("errors %v, want 10 timeouts", q.Errors)
		}
		if got := q.Service.Max(); got < 50_000 || got > 50_100 {
			t.Errorf("service max %dµs, want the 50ms timeout", got)
		}
	})
}
