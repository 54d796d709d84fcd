package breaker

import (
	"context"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// TestConcurrent hammers one breaker from many goroutines while the clock
// moves, under -race. Every call must be accounted for exactly once, and no
// half-open generation may admit more probes than it permits.
func TestConcurrent(t *testing.T) {
	for _, tt := range []struct {
		name string
		s    Settings
	}{
		{"count window", Settings{ConsecutiveFailures: 8, FailureRate: 0.4, SlowCallRate: 0.5, SlowCallThreshold: 50 * time.Millisecond, WindowSize: 32, MinCalls: 16}},
		{"time window", Settings{FailureRate: 0.4, FailuresPerWindow: 200, WindowDuration: time.Second, WindowBuckets: 4, MinCalls: 16}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			const workers, perWorker, permits = 8, 3000, 3
			tt.s.OpenFor = Exponential{Initial: 10 * time.Millisecond, Max: 100 * time.Millisecond}
			tt.s.HalfOpenPermits = permits
			var changes atomic.Int64
			tt.s.OnStateChange = func(string, State, State) { changes.Add(1) }
			b, clk := newTest(t, tt.s)

			var probes sync.Map // generation → *atomic.Int32 of admitted probes
			var admitted, rejected atomic.Uint64
			var wg sync.WaitGroup
			for w := range workers {
				wg.Go(func() {
					r := rand.New(rand.NewPCG(uint64(w), 1))
					for range perWorker {
						clk.Advance(50 * time.Microsecond) // 1.2 s of fake time in all
						tok, err := b.Allow()
						if err != nil {
							rejected.Add(1)
							continue
						}
						admitted.Add(1)
						if tok.State() == StateHalfOpen {
							v, _ := probes.LoadOrStore(tok.Generation(), new(atomic.Int32))
							if n := v.(*atomic.Int32).Add(1); n > permits {
								t.Errorf("generation %d admitted %d probes", tok.Generation(), n)
							}
						}
						// The callee fails 60 % of the time in every other
						// 100 ms of fake time, 3 % otherwise.
						pct := 3
						if clk.ns.Load()/int64(100*time.Millisecond)%2 == 1 {
							pct = 60
						}
						o := OutcomeSuccess
						switch x := r.IntN(100); {
						case x < pct:
							o = OutcomeFailure
						case x < pct+2:
							o = OutcomeTimeout
						case x < pct+4:
							o = OutcomeIgnored
						}
						if o == OutcomeIgnored && tok.State() == StateHalfOpen {
							v, _ := probes.Load(tok.Generation())
							v.(*atomic.Int32).Add(-1) // the permit goes back
						}
						b.Record(tok, o, time.Duration(r.IntN(60))*time.Millisecond)
						_ = b.State()
					}
				})
			}
			wg.Wait()

			var recorded, rej uint64
			for s := range State(numStates) {
				for o := range Outcome(numOutcomes) {
					if o == OutcomeRejected || o == OutcomeFallback {
						rej += b.Requests(s, o)
					} else {
						recorded += b.Requests(s, o)
					}
				}
			}
			if recorded != admitted.Load() || rej != rejected.Load() || recorded+rej != workers*perWorker {
				t.Fatalf("recorded %d of %d admitted, rejected %d of %d", recorded, admitted.Load(), rej, rejected.Load())
			}
			st := b.Stats()
			if st.WindowCalls < 0 || st.WindowFailures < 0 || st.WindowFailures > st.WindowCalls {
				t.Fatalf("window %+v", st)
			}
			if tr := b.Transitions(); int64(len(tr)) != changes.Load() || len(tr) == 0 {
				t.Fatalf("%d transitions, %d callbacks", len(tr), changes.Load())
			}
			// Callbacks and history agree on the order: each from is the last to.
			tr := b.Transitions()
			for i := 1; i < len(tr); i++ {
				if tr[i].From != tr[i-1].To || tr[i].Generation <= tr[i-1].Generation {
					t.Fatalf("transition %d: %+v after %+v", i, tr[i], tr[i-1])
				}
			}
			t.Logf("%d calls: %d admitted, %d rejected, %d transitions, %d stale", workers*perWorker, admitted.Load(), rejected.Load(), len(tr), st.Stale)
		})
	}
}

// TestCountWindowConcurrent checks that the lock-free ring's totals equal
// the contents of its slots once the recorders are done.
func TestCountWindowConcurrent(t *testing.T) {
	w := newCountWindow(7)
	var pos atomic.Uint64
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 5000 {
				w.add(pos.Add(1)-1, (i+g)%3 == 0, (i+g)%5 == 0)
			}
		})
	}
	wg.Wait()
	var want windowCounts
	for i := range w.slots {
		v := w.slots[i].Load()
		want.calls += bit(v, slotUsed)
		want.failures += bit(v, slotFailure)
		want.slow += bit(v, slotSlow)
	}
	if got := w.counts(); got != want || got.calls != 7 {
		t.Fatalf("totals %+v, slots %+v", got, want)
	}
}

// TestTimeWindowConcurrent: recorders racing across bucket boundaries lose
// no result.
func TestTimeWindowConcurrent(t *testing.T) {
	w := newTimeWindow(10, 4) // 4 buckets of 10 ns
	var now atomic.Int64
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for i := range 1000 {
				w.add(now.Load(), i%2 == 0, false)
				if i%100 == 0 {
					now.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if got := w.counts(now.Load()); got.calls <= 0 || got.failures > got.calls {
		t.Fatalf("counts %+v", got)
	}
	// Far in the future, everything has expired.
	if got := w.counts(now.Load() + 1000); got != (windowCounts{}) {
		t.Fatalf("expired counts %+v", got)
	}
}

// TestExecuteTimeout runs under synctest's fake time: Settings.Timeout
// cancels the call, which is recorded as a timeout.
func TestExecuteTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b, err := New(Settings{ConsecutiveFailures: 1, Timeout: 2 * time.Second, SlowCallThreshold: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		err = b.Execute(context.Background(), func(ctx context.Context) error {
			<-ctx.Done()
			return ctx.Err()
		})
		if err != context.DeadlineExceeded {
			t.Fatalf("Execute = %v", err)
		}
		if b.Requests(StateClosed, OutcomeTimeout) != 1 || b.State() != StateOpen {
			t.Fatalf("timeout not recorded: state %v", b.State())
		}
		if st := b.Stats(); st.WindowSlowCalls != 1 {
			t.Fatalf("a 2 s timeout is slow too: %+v", st)
		}
	})
}

func TestZeroAllocs(t *testing.T) {
	for _, tt := range []struct {
		name string
		s    Settings
	}{
		{"count window", Settings{FailureRate: 0.5, SlowCallRate: 0.5, SlowCallThreshold: time.Second}},
		{"time window", Settings{FailureRate: 0.5, WindowDuration: 10 * time.Second}},
		{"disabled", Settings{Mode: ModeDisabled}},
	} {
		b, _ := newTest(t, tt.s)
		if n := testing.AllocsPerRun(1000, func() {
			tok, err := b.Allow()
			if err == nil {
				b.Record(tok, OutcomeSuccess, time.Millisecond)
			}
		}); n != 0 {
			t.Errorf("%s: %v allocs per Allow+Record", tt.name, n)
		}
	}
	// Rejections allocate nothing either.
	b, _ := newTest(t, Settings{Mode: ModeForcedOpen})
	if n := testing.AllocsPerRun(1000, func() { _, _ = b.Allow() }); n != 0 {
		t.Errorf("%v allocs per rejection", n)
	}
}
