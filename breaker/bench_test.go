package breaker

import (
	"context"
	"testing"
	"time"
)

// The bar (DESIGN.md §12): Allow + Record under 100 ns and 0 allocations.
//
//	go test -run '^$' -bench . -benchmem ./breaker/

var benchSettings = []struct {
	name string
	s    Settings
}{
	// The typical breaker: every rule on, a count window.
	{"count", Settings{ConsecutiveFailures: 5, FailureRate: 0.5, SlowCallRate: 0.8, SlowCallThreshold: time.Second, FailuresPerWindow: 1000, WindowSize: 100, MinCalls: 20}},
	// The same on a time window (10 s in 10 buckets): one clock read more.
	{"time", Settings{ConsecutiveFailures: 5, FailureRate: 0.5, SlowCallRate: 0.8, SlowCallThreshold: time.Second, WindowDuration: 10 * time.Second, MinCalls: 20}},
}

func BenchmarkAllowRecord(b *testing.B) {
	for _, bs := range benchSettings {
		// On the system clock, as in a real run.
		br, err := New(bs.s)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(bs.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				tok, err := br.Allow()
				if err == nil {
					br.Record(tok, OutcomeSuccess, time.Millisecond)
				}
			}
		})
		b.Run(bs.name+"/parallel", func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					tok, err := br.Allow()
					if err == nil {
						br.Record(tok, OutcomeSuccess, time.Millisecond)
					}
				}
			})
		})
	}
}

// BenchmarkAllowRecordAt is the time window with the end of the call read
// once by the caller, as a load generator does to measure latency: the
// clock read is the caller's, shared.
func BenchmarkAllowRecordAt(b *testing.B) {
	br, err := New(benchSettings[1].s)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		end := time.Now()
		for pb.Next() {
			tok, err := br.Allow()
			if err == nil {
				br.RecordAt(tok, OutcomeSuccess, time.Millisecond, end)
			}
		}
	})
}

// BenchmarkAllowRecordMixed records 1 failure in 8 (below every threshold),
// so the failure counters move too.
func BenchmarkAllowRecordMixed(b *testing.B) {
	br, err := New(Settings{FailureRate: 0.5, WindowSize: 100, MinCalls: 20})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			i++
			o := OutcomeSuccess
			if i%8 == 0 {
				o = OutcomeFailure
			}
			tok, err := br.Allow()
			if err == nil {
				br.Record(tok, o, time.Millisecond)
			}
		}
	})
}

// BenchmarkAllowRejected is the cost of a rejection while open.
func BenchmarkAllowRejected(b *testing.B) {
	br, err := New(Settings{ConsecutiveFailures: 1, OpenFor: Fixed(time.Hour)})
	if err != nil {
		b.Fatal(err)
	}
	tok, _ := br.Allow()
	br.Record(tok, OutcomeFailure, 0)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := br.Allow(); err == nil {
				b.Fatal("admitted")
			}
		}
	})
}

// BenchmarkExecute is the convenience form: two clock reads and a deferred
// closure more.
func BenchmarkExecute(b *testing.B) {
	br, err := New(benchSettings[0].s)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	fn := func(context.Context) error { return nil }
	b.ReportAllocs()
	for b.Loop() {
		_ = br.Execute(ctx, fn)
	}
}
