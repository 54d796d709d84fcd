package deploy

import (
	"math"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// latencyOf records ds in a fresh histogram and returns its snapshot.
func latencyOf(ds ...time.Duration) Latency {
	var h latencyHist
	for _, d := range ds {
		h.record(d)
	}
	return h.snapshot()
}

// near reports whether got is want within the histogram's precision:
// 1/128 of want (exact below 128 ns).
func near(got, want time.Duration) bool {
	diff := got - want
	if diff < 0 {
		diff = -diff
	}
	return diff <= want/128
}

// TestLatencyBuckets checks the bucket layout: every value falls in the
// bucket that contains it, buckets are contiguous and increasing, exact
// below 128 ns and at most 1/64 of their values wide above.
func TestLatencyBuckets(t *testing.T) {
	check := func(v int64) {
		t.Helper()
		i := latencyIndex(v)
		if i < 0 || i >= latBuckets {
			t.Fatalf("latencyIndex(%d) = %d, outside 0..%d", v, i, latBuckets-1)
		}
		lower, width := latencyBucket(i)
		c := max(0, min(v, latMaxNS))
		if c < lower || c >= lower+width {
			t.Fatalf("%d in bucket %d = [%d, %d)", v, i, lower, lower+width)
		}
		if v < 128 && v >= 0 && width != 1 {
			t.Fatalf("%d: bucket %d is %d wide, want exact", v, i, width)
		}
		if width > 1 && width > lower/64 {
			t.Fatalf("bucket %d = [%d, +%d) is wider than 1/64 of its values", i, lower, width)
		}
	}
	for v := int64(-3); v < 1<<16; v++ {
		check(v)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 100_000 {
		check(rng.Int64N(latMaxNS + 1))
	}
	for k := range 63 {
		check(1<<k - 1)
		check(1 << k)
		check(1<<k + 1)
	}
	check(math.MaxInt64)
	check(math.MinInt64)
	// Contiguous and increasing: each bucket starts where the last ended.
	next := int64(0)
	for i := range latBuckets {
		lower, width := latencyBucket(i)
		if lower != next {
			t.Fatalf("bucket %d starts at %d, want %d", i, lower, next)
		}
		if latencyIndex(lower) != i || latencyIndex(lower+width-1) != i {
			t.Fatalf("bucket %d = [%d, +%d) does not index back to itself", i, lower, width)
		}
		next = lower + width
	}
	if next != latMaxNS+1 {
		t.Fatalf("the buckets end at %d, want %d", next, int64(latMaxNS+1))
	}
	if time.Duration(latMaxNS) < time.Hour {
		t.Fatalf("the histogram stops at %v, before 1h", time.Duration(latMaxNS))
	}
}

// TestLatencyPrecision records single durations from 1 µs to 1 h (0.3 %
// apart) and checks that every figure is within 1/128 of the duration.
func TestLatencyPrecision(t *testing.T) {
	worst := 0.0
	for f := float64(time.Microsecond); f <= float64(time.Hour); f *= 1.003 {
		d := time.Duration(f)
		l := latencyOf(d)
		for _, got := range []time.Duration{l.Quantile(0), l.Quantile(50), l.Quantile(100), l.Mean(), l.Max()} {
			if !near(got, d) {
				t.Fatalf("%v recorded, %v reported (%s)", d, got, l)
			}
			worst = max(worst, math.Abs(float64(got-d))/float64(d))
		}
	}
	t.Logf("worst relative error from 1µs to 1h: %.3f%%", 100*worst)
}

func TestLatencyQuantiles(t *testing.T) {
	ms := time.Millisecond
	oneToHundred := make([]time.Duration, 0, 100)
	for i := 100; i >= 1; i-- { // the order of recording does not matter
		oneToHundred = append(oneToHundred, time.Duration(i)*ms)
	}
	bimodal := make([]time.Duration, 0, 100)
	for i := range 100 {
		if i%20 == 7 {
			bimodal = append(bimodal, time.Second)
		} else {
			bimodal = append(bimodal, 10*ms)
		}
	}
	type want struct {
		q float64
		d time.Duration
	}
	for _, tc := range []struct {
		name  string
		ds    []time.Duration
		n     int64
		qs    []want
		mean  time.Duration
		max   time.Duration
		exact bool // below 128 ns: no rounding at all
	}{
		{name: "empty", qs: []want{{0, 0}, {50, 0}, {100, 0}}},
		{name: "one", ds: []time.Duration{time.Microsecond}, n: 1,
			qs: []want{{0, time.Microsecond}, {50, time.Microsecond}, {100, time.Microsecond}}, mean: time.Microsecond, max: time.Microsecond},
		{name: "exact below 128ns", ds: []time.Duration{127, 5, 1, 0}, n: 4, exact: true,
			qs: []want{{0, 0}, {25, 0}, {25.1, 1}, {50, 1}, {75, 5}, {76, 127}, {100, 127}}, mean: 33, max: 127},
		{name: "1..100ms", ds: oneToHundred, n: 100,
			qs:   []want{{0, ms}, {1, ms}, {1.5, 2 * ms}, {50, 50 * ms}, {90, 90 * ms}, {95, 95 * ms}, {99, 99 * ms}, {99.9, 100 * ms}, {100, 100 * ms}},
			mean: 50500 * time.Microsecond, max: 100 * ms},
		{name: "95×10ms, 5×1s", ds: bimodal, n: 100,
			qs:   []want{{50, 10 * ms}, {95, 10 * ms}, {95.01, time.Second}, {99, time.Second}},
			mean: 59500 * time.Microsecond, max: time.Second},
		{name: "negative is 0", ds: []time.Duration{-time.Second, -1}, n: 2, exact: true,
			qs: []want{{0, 0}, {100, 0}}},
		{name: "1h", ds: []time.Duration{time.Hour, time.Hour}, n: 2,
			qs: []want{{50, time.Hour}}, mean: time.Hour, max: time.Hour},
		{name: "beyond the top is the top", ds: []time.Duration{2 * time.Hour, math.MaxInt64}, n: 2,
			qs:   []want{{0, latMaxNS}, {100, latMaxNS}},
			mean: latMaxNS, max: latMaxNS},
		{name: "q is clamped", ds: []time.Duration{ms, 2 * ms}, n: 2,
			qs:   []want{{-10, ms}, {math.NaN(), ms}, {math.Inf(-1), ms}, {150, 2 * ms}, {math.Inf(1), 2 * ms}},
			mean: 1500 * time.Microsecond, max: 2 * ms},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := latencyOf(tc.ds...)
			ok := near
			if tc.exact {
				ok = func(a, b time.Duration) bool { return a == b }
			}
			if l.Count() != tc.n {
				t.Errorf("Count() = %d, want %d", l.Count(), tc.n)
			}
			for _, w := range tc.qs {
				if got := l.Quantile(w.q); !ok(got, w.d) {
					t.Errorf("Quantile(%v) = %v, want %v", w.q, got, w.d)
				}
			}
			if got := l.Mean(); !ok(got, tc.mean) {
				t.Errorf("Mean() = %v, want %v", got, tc.mean)
			}
			if got := l.Max(); !ok(got, tc.max) {
				t.Errorf("Max() = %v, want %v", got, tc.max)
			}
			t.Log(l)
		})
	}
}

func TestLatencyZero(t *testing.T) {
	var l Latency
	if l.Count() != 0 || l.Quantile(95) != 0 || l.Mean() != 0 || l.Max() != 0 || l.String() != "n=0" {
		t.Errorf("zero Latency: %d %v %v %v %q", l.Count(), l.Quantile(95), l.Mean(), l.Max(), l.String())
	}
	if s := l.sub(latencyOf(time.Second)); s.Count() != 0 {
		t.Errorf("zero minus one: %v", s)
	}
	if s := latencyOf(time.Second).sub(l); s.Count() != 1 {
		t.Errorf("one minus zero: %v", s)
	}
	if got := latencyOf().String(); got != "n=0" {
		t.Errorf("empty snapshot: %q", got)
	}
}

// TestLatencySub checks the difference of two snapshots: what was
// recorded in between, bucket by bucket.
func TestLatencySub(t *testing.T) {
	var h latencyHist
	for i := range 1000 {
		h.record(time.Duration(i) * time.Millisecond) // 0 .. 999 ms
	}
	before := h.snapshot()
	after := []time.Duration{2 * time.Second, 3 * time.Second, 3 * time.Second, 50 * time.Millisecond}
	for _, d := range after {
		h.record(d)
	}
	diff := h.snapshot().sub(before)
	want := latencyOf(after...)
	if diff.Count() != 4 || diff.String() != want.String() || diff.lo != want.lo || len(diff.counts) != len(want.counts) {
		t.Errorf("difference %v (lo %d, %d buckets), want %v (lo %d, %d buckets)", diff, diff.lo, len(diff.counts), want, want.lo, len(want.counts))
	}
	if q := diff.Quantile(0); !near(q, 50*time.Millisecond) {
		t.Errorf("the smallest duration after the mark is %v, want 50ms", q)
	}
	if s := h.snapshot().sub(h.snapshot()); s.Count() != 0 || s.counts != nil {
		t.Errorf("a snapshot minus itself: %v", s)
	}
	// A mark with more in a bucket than now (not the same histogram):
	// that bucket counts 0.
	if s := latencyOf(time.Second).sub(latencyOf(time.Second, time.Second, time.Minute)); s.Count() != 0 {
		t.Errorf("less minus more: %v", s)
	}
}

// TestLatencyConcurrent records from many goroutines while another takes
// snapshots (run it with -race): no count is lost, and each snapshot's
// count only grows.
func TestLatencyConcurrent(t *testing.T) {
	const workers, each = 8, 20_000
	var h latencyHist
	var done atomic.Bool
	var snaps atomic.Int64
	var wg sync.WaitGroup
	wg.Go(func() {
		last := int64(0)
		for !done.Load() {
			n := h.snapshot().Count()
			if n < last {
				t.Errorf("a snapshot counts %d, the one before %d", n, last)
			}
			last = n
			snaps.Add(1)
		}
	})
	var rec sync.WaitGroup
	for w := range workers {
		rec.Go(func() {
			for i := range each {
				h.record(time.Duration(w*each+i) * time.Microsecond)
			}
		})
	}
	rec.Wait()
	done.Store(true)
	wg.Wait()
	l := h.snapshot()
	all := make([]time.Duration, 0, workers*each)
	for i := range workers * each {
		all = append(all, time.Duration(i)*time.Microsecond)
	}
	want := latencyOf(all...)
	if l.Count() != workers*each || l.String() != want.String() {
		t.Errorf("after %d concurrent records: %v, want %v", workers*each, l, want)
	}
	if !near(l.Quantile(50), 80*time.Millisecond) {
		t.Errorf("p50 %v, want 80ms", l.Quantile(50))
	}
	t.Logf("%v; %d snapshots meanwhile", l, snaps.Load())
}

// TestLatencyBucketsRoundTrip stores a distribution as its buckets and
// reads it back: the same figures, and bad buckets are refused.
func TestLatencyBucketsRoundTrip(t *testing.T) {
	l := latencyOf(90*time.Nanosecond, 3*time.Millisecond, 3*time.Millisecond, 47*time.Millisecond, 2*time.Second)
	lo, counts := l.Buckets()
	back, err := LatencyFromBuckets(lo, counts)
	if err != nil {
		t.Fatal(err)
	}
	if back.String() != l.String() || back.Quantile(0) != l.Quantile(0) || back.Count() != 5 {
		t.Errorf("read back %v, want %v", back, l)
	}
	counts[0]++ // Buckets returned a copy
	if l.Quantile(0) != 90*time.Nanosecond || l.Count() != 5 {
		t.Errorf("Buckets shares its counts: %v", l)
	}
	if lo, counts := (Latency{}).Buckets(); lo != 0 || counts != nil {
		t.Errorf("empty: Buckets() = %d, %v", lo, counts)
	}
	if z, err := LatencyFromBuckets(7, nil); err != nil || z.Count() != 0 {
		t.Errorf("no counts: %v, %v", z, err)
	}
	for _, bad := range []struct {
		lo     int
		counts []int64
	}{{-1, []int64{1}}, {latBuckets - 1, []int64{1, 1}}, {3, []int64{1, -1}}, {3, []int64{math.MaxInt64, 1}}} {
		if _, err := LatencyFromBuckets(bad.lo, bad.counts); err == nil {
			t.Errorf("LatencyFromBuckets(%d, %v) accepted", bad.lo, bad.counts)
		}
	}
}
