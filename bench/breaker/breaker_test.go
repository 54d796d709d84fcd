package breaker

import (
	"context"
	"testing"
	"time"

	"github.com/reslua/reslua/breaker"
	"github.com/sony/gobreaker/v2"
)

// The workload: a breaker that opens at 5 consecutive failures or at 50 %
// failures over at least 20 calls, and one Allow plus one Record of a
// success per call. "rolling" keeps the results in a window of 10 s
// (10 buckets of 1 s) in both libraries. "fixed" is reslua's count window
// of the last 100 calls against gobreaker's cumulative counts (Interval 0,
// cleared only on a change of state): the cheapest form of each.

func resluaBreaker(b *testing.B, rolling bool) *breaker.Breaker {
	s := breaker.Settings{Name: "bench", ConsecutiveFailures: 5, FailureRate: 0.5, MinCalls: 20, WindowSize: 100}
	if rolling {
		s.WindowDuration, s.WindowBuckets = 10*time.Second, 10
	}
	br, err := breaker.New(s)
	if err != nil {
		b.Fatal(err)
	}
	return br
}

func gobreakerSettings(rolling bool) gobreaker.Settings {
	s := gobreaker.Settings{
		Name: "bench",
		ReadyToTrip: func(c gobreaker.Counts) bool {
			return c.ConsecutiveFailures >= 5 || c.Requests >= 20 && c.TotalFailures*2 >= c.Requests
		},
	}
	if rolling {
		s.Interval, s.BucketPeriod = 10*time.Second, time.Second
	}
	return s
}

func BenchmarkAllowRecord(b *testing.B) {
	for _, w := range []struct {
		name    string
		rolling bool
	}{{"fixed", false}, {"rolling", true}} {
		b.Run("reslua/"+w.name, func(b *testing.B) {
			br := resluaBreaker(b, w.rolling)
			b.ReportAllocs()
			for b.Loop() {
				tok, err := br.Allow()
				if err == nil {
					br.Record(tok, breaker.OutcomeSuccess, time.Millisecond)
				}
			}
		})
		b.Run("reslua/"+w.name+"/parallel", func(b *testing.B) {
			br := resluaBreaker(b, w.rolling)
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					tok, err := br.Allow()
					if err == nil {
						br.Record(tok, breaker.OutcomeSuccess, time.Millisecond)
					}
				}
			})
		})
		b.Run("gobreaker/"+w.name, func(b *testing.B) {
			cb := gobreaker.NewTwoStepCircuitBreaker[struct{}](gobreakerSettings(w.rolling))
			b.ReportAllocs()
			for b.Loop() {
				done, err := cb.Allow()
				if err == nil {
					done(nil)
				}
			}
		})
		b.Run("gobreaker/"+w.name+"/parallel", func(b *testing.B) {
			cb := gobreaker.NewTwoStepCircuitBreaker[struct{}](gobreakerSettings(w.rolling))
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					done, err := cb.Allow()
					if err == nil {
						done(nil)
					}
				}
			})
		})
	}
}

// BenchmarkExecute compares the convenience forms.
func BenchmarkExecute(b *testing.B) {
	b.Run("reslua", func(b *testing.B) {
		br := resluaBreaker(b, false)
		ctx := context.Background()
		fn := func(context.Context) error { return nil }
		b.ReportAllocs()
		for b.Loop() {
			_ = br.Execute(ctx, fn)
		}
	})
	b.Run("gobreaker", func(b *testing.B) {
		cb := gobreaker.NewCircuitBreaker[struct{}](gobreakerSettings(false))
		fn := func() (struct{}, error) { return struct{}{}, nil }
		b.ReportAllocs()
		for b.Loop() {
			_, _ = cb.Execute(fn)
		}
	})
}

// TestSameDecisions is a sanity check that both breakers, configured
// alike, open on the same call.
func TestSameDecisions(t *testing.T) {
	br, err := breaker.New(breaker.Settings{ConsecutiveFailures: 5, FailureRate: 0.5, MinCalls: 20, WindowSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	cb := gobreaker.NewTwoStepCircuitBreaker[struct{}](gobreakerSettings(false))
	for i := range 40 {
		fail := i%2 == 1 // 50 % failures: both open at the 20th call
		tok, err1 := br.Allow()
		done, err2 := cb.Allow()
		if (err1 == nil) != (err2 == nil) {
			t.Fatalf("call %d: reslua %v, gobreaker %v", i, err1, err2)
		}
		if err1 != nil {
			continue
		}
		o := breaker.OutcomeSuccess
		var e error
		if fail {
			o, e = breaker.OutcomeFailure, context.DeadlineExceeded
		}
		br.Record(tok, o, 0)
		done(e)
	}
	if br.State() != breaker.StateOpen || cb.State() != gobreaker.StateOpen {
		t.Fatalf("reslua %v, gobreaker %v", br.State(), cb.State())
	}
}
