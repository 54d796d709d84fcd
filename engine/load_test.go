package engine

import (
	"context"
	"io"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/reslua/reslua/engine/outcome"
)

// fakeSender stands in for a target inside a synctest bubble, where time is
// fake and exact: it answers after whatever delay the test gives.
type fakeSender func(ctx context.Context) outcome.Kind

func (f fakeSender) send(ctx context.Context, keep bool) sendResult {
	k := f(ctx)
	return sendResult{kind: k, reply: Reply{Kind: k}}
}

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
	return newLoad(spec, SystemClock, io.Discard, 0)
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
		if r.Elapsed != 10*time.Second {
			t.Errorf("window %s, want the planned 10s (not the last arrival's 9.999s)", r.Elapsed)
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
		if r.Elapsed != 2550*time.Millisecond {
			t.Errorf("window %s, want 2.55s: the time the load ran before it was stopped", r.Elapsed)
		}
	})
}

func TestMixSharesAreExact(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := testLoad(100, 10*time.Second, 4, 100, 3)
		l.spec.Mix[0].Weight, l.spec.Mix[1].Weight, l.spec.Mix[2].Weight = 60, 30, 10
		l.mix = newMixPicker([]int{60, 30, 10})
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
		slow := sleepSender(func(int64) time.Duration { return time.Second })
		r := runLoad(l, fakeSender(func(ctx context.Context) outcome.Kind {
			return withTimeout(ctx, 50*time.Millisecond, func(ctx context.Context) sendResult {
				return slow.send(ctx, false)
			}).kind
		}))
		q := r.Requests[0]
		if q.Errors[outcome.Timeout] != 10 {
			t.Errorf("errors %v, want 10 timeouts", q.Errors)
		}
		if got := q.Service.Max(); got < 50_000 || got > 50_100 {
			t.Errorf("service max %dµs, want the 50ms timeout", got)
		}
	})
}

func TestClosedModelUsersAndThinkTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// 2 users for 10 s, 100 ms service and 400 ms think time: each
		// starts an iteration every 500 ms, at 0, 0.5, …, 9.5 s: 20 each.
		l := testLoad(0, 10*time.Second, 0, 0, 1)
		l.spec.Closed, l.spec.VUs, l.spec.ThinkTime = true, 2, 400*time.Millisecond
		l.sched = l.spec.Schedule()
		r := runLoad(l, sleepSender(func(int64) time.Duration { return 100 * time.Millisecond }))
		if got := r.Completed(); got != 40 {
			t.Errorf("completed %d, want 40", got)
		}
		q := r.Requests[0]
		if !q.Latency.ValuesAreEquivalent(q.Latency.Max(), 100_000) || !q.Service.ValuesAreEquivalent(q.Service.Max(), 100_000) {
			t.Errorf("latency max %dµs, service max %dµs; want 100ms both (no lag on a fake clock)", q.Latency.Max(), q.Service.Max())
		}
	})
}

func TestClosedModelRampsUsers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// 0→4 users over 4 s, then 4 for 2 s; each user sends one request
		// per second (1 s service, no think time). User k starts at k s.
		// Requests started: users 1..4 start at 1,2,3,4 s and send until
		// 6 s: 5+4+3+2 = 14.
		l := testLoad(0, 0, 0, 0, 1)
		l.spec.Closed = true
		l.spec.Stages = []Stage{{4, 4 * time.Second}, {4, 2 * time.Second}}
		l.sched = l.spec.Schedule()
		var inFlight, peak atomic.Int64
		r := runLoad(l, fakeSender(func(ctx context.Context) outcome.Kind {
			n := inFlight.Add(1)
			for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
			}
			defer inFlight.Add(-1)
			time.Sleep(time.Second)
			return outcome.OK
		}))
		if r.Scheduled != 14 || r.Completed() != 14 {
			t.Errorf("started %d, completed %d; want 14, 14", r.Scheduled, r.Completed())
		}
		if peak.Load() != 4 {
			t.Errorf("peak concurrency %d, want 4 users", peak.Load())
		}
	})
}

func TestOpenModelRamp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// 0→100/s over 10 s, hold 100/s for 5 s: 500 + 500 arrivals.
		l := testLoad(0, 0, 10, 100, 1)
		l.spec.Stages = []Stage{{100, 10 * time.Second}, {100, 5 * time.Second}}
		l.sched = l.spec.Schedule()
		var firstHalf atomic.Int64
		start := time.Now()
		r := runLoad(l, fakeSender(func(context.Context) outcome.Kind {
			if time.Since(start) < 5*time.Second {
				firstHalf.Add(1)
			}
			return outcome.OK
		}))
		if r.Scheduled != 1000 || r.Completed() != 1000 {
			t.Errorf("scheduled %d, completed %d; want 1000", r.Scheduled, r.Completed())
		}
		// The ramp's integral over the first 5 s is 5·t² = 125.
		if got := firstHalf.Load(); got != 125 {
			t.Errorf("%d arrivals in the first 5 s, want 125", got)
		}
		// The target answers at once on a fake clock: no latency at all
		// (the first arrival of a ramp from 0 once got 3600.8s).
		if got := r.Requests[0].Latency.Max(); got > 1 {
			t.Errorf("latency max %dµs, want ≤ 1µs (the histogram's floor)", got)
		}
	})
}

// TestShippedRampShape runs the load of scenarios/ramp.lua at RATE=100:
// 0→100/s over 10 s, hold 20 s; at 15 s set_rate(200), at 20 s
// ramp_to(50, "5s"). Every latency is the 1 ms service time.
func TestShippedRampShape(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := testLoad(0, 0, 10, 100, 3)
		l.spec.Stages = []Stage{{100, 10 * time.Second}, {100, 20 * time.Second}}
		l.sched = l.spec.Schedule()
		go func() {
			time.Sleep(15 * time.Second)
			if err := l.SetRate(200, 0); err != nil {
				t.Error(err)
			}
			time.Sleep(5 * time.Second)
			if err := l.SetRate(50, 5*time.Second); err != nil {
				t.Error(err)
			}
		}()
		ms := sleepSender(func(int64) time.Duration { return time.Millisecond })
		r := runLoad(l, ms, ms, ms)
		// 500 + 500 + 1000 + 625 + 250 arrivals.
		if r.Scheduled != 2875 || r.Completed() != 2875 {
			t.Errorf("scheduled %d, completed %d; want 2875", r.Scheduled, r.Completed())
		}
		for _, q := range r.Requests {
			if got := q.Latency.Max(); got != 1000 {
				t.Errorf("%s: latency max %dµs, want the 1ms service time", q.Name, got)
			}
		}
	})
}

func TestSetRateAtRunTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// 100/s planned for 10 s; at 4 s the script sets 200/s; at 6 s it
		// ramps to 0 over 2 s: 400 + 400 + 200 (the ramp's area) = 1000.
		l := testLoad(100, 10*time.Second, 10, 1000, 1)
		go func() {
			time.Sleep(4 * time.Second)
			if err := l.SetRate(200, 0); err != nil {
				t.Error(err)
			}
			time.Sleep(2 * time.Second)
			if err := l.SetRate(0, 2*time.Second); err != nil {
				t.Error(err)
			}
		}()
		r := runLoad(l, sleepSender(func(int64) time.Duration { return time.Millisecond }))
		if r.Scheduled != 1000 {
			t.Errorf("scheduled %d, want 1000", r.Scheduled)
		}
		if err := l.SetRate(-1, 0); err == nil {
			t.Error("SetRate(-1) succeeded")
		}
	})
}

func TestAbortIfBehind(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// 100/s with 2 workers and 100 ms service time: at most 20/s get
		// sent. After 3 s behind the load aborts the run.
		l := testLoad(100, time.Minute, 2, 10000, 1)
		l.spec.AbortIfBehind = 3 * time.Second
		var reason string
		l.abort = func(r string) { reason = r; l.Stop() }
		r := runLoad(l, sleepSender(func(int64) time.Duration { return 100 * time.Millisecond }))
		if reason == "" {
			t.Fatal("the load did not abort")
		}
		if r.Elapsed != 3*time.Second {
			t.Errorf("aborted after %s, want 3s", r.Elapsed)
		}
		t.Log(reason)
	})
}
