package engine

import (
	"context"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/reslua/reslua/engine/outcome"
)

func TestSecondHistogramBuckets(t *testing.T) {
	prev := -1
	for v := int64(0); v < 1<<22; v += 1 + v/300 {
		i := shIndex(v)
		if i < prev {
			t.Fatalf("index(%d) = %d < index of a smaller value %d", v, i, prev)
		}
		prev = i
		hi := shHighest(i)
		if hi < v {
			t.Fatalf("highest of bucket %d = %d < %d", i, hi, v)
		}
		if v > 0 && float64(hi-v)/float64(v) > 1.0/shSub {
			t.Fatalf("bucket of %d reports %d: more than 1/%d off", v, hi, shSub)
		}
	}
	// Buckets tile the values: each one's highest value is its own, the
	// next value the next bucket's.
	for i := range shIndex(histMax) {
		if hi := shHighest(i); shIndex(hi) != i || shIndex(hi+1) != i+1 {
			t.Fatalf("bucket %d: highest %d in bucket %d, next in %d", i, hi, shIndex(hi), shIndex(hi+1))
		}
	}
	if i := shIndex(histMax); i>>shSubBits >= 26 {
		t.Errorf("histMax falls in octave %d; want < 26", i>>shSubBits)
	}
}

func TestSecondHistogramQuantiles(t *testing.T) {
	var h SecondHistogram
	if h.ValueAtQuantile(95) != 0 || h.Max() != 0 || h.Mean() != 0 {
		t.Fatal("empty histogram should report zeros")
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var vals []int64
	for range 10000 {
		v := int64(500 + rng.ExpFloat64()*3000) // µs
		vals = append(vals, v)
		h.RecordValue(v)
	}
	slices.Sort(vals)
	for _, q := range []float64{50, 90, 95, 99, 99.9, 100} {
		exact := vals[max(int(q/100*float64(len(vals))+0.5)-1, 0)]
		got := h.ValueAtQuantile(q)
		if got < exact || float64(got-exact) > float64(exact)/shSub+1 {
			t.Errorf("p%g = %d, exact %d", q, got, exact)
		}
	}
	if h.Min() != vals[0] || h.Max() != vals[len(vals)-1] || h.TotalCount() != 10000 {
		t.Errorf("min %d max %d count %d; want %d %d 10000", h.Min(), h.Max(), h.TotalCount(), vals[0], vals[len(vals)-1])
	}

	// A merge equals recording everything in one; a clone is independent.
	var a, b, all SecondHistogram
	for i, v := range vals {
		if i%3 == 0 {
			a.RecordValue(v * 7)
		} else {
			b.RecordValue(v)
		}
		all.RecordValue(map[bool]int64{true: v * 7, false: v}[i%3 == 0])
	}
	c := a.Clone()
	c.Merge(&b)
	for _, q := range []float64{1, 50, 95, 99.99} {
		if c.ValueAtQuantile(q) != all.ValueAtQuantile(q) {
			t.Errorf("merged p%g = %d, want %d", q, c.ValueAtQuantile(q), all.ValueAtQuantile(q))
		}
	}
	if c.Min() != all.Min() || c.Max() != all.Max() || c.Mean() != all.Mean() || a.TotalCount() != int64(len(vals)+2)/3 {
		t.Errorf("merge: min/max/mean %d/%d/%g, want %d/%d/%g", c.Min(), c.Max(), c.Mean(), all.Min(), all.Max(), all.Mean())
	}

	// Values out of range are clamped, as in the run-wide histograms.
	var z SecondHistogram
	z.RecordValue(0)
	z.RecordValue(histMax * 2)
	if z.Min() != histMin || z.Max() != histMax {
		t.Errorf("clamped min %d max %d", z.Min(), z.Max())
	}
}

func TestSeriesRecordsBySecond(t *testing.T) {
	var s series
	// Out of order, as requests finish: second 3 before 2, 1, 5.
	s.add(3, outcome.OK, 10*time.Millisecond)
	s.add(2, outcome.Timeout, 5*time.Second)
	s.add(3, "http_5xx", 20*time.Millisecond)
	s.add(3, outcome.Canceled, 30*time.Millisecond)
	s.add(1, outcome.OK, time.Millisecond)
	s.add(5, outcome.OK, time.Millisecond)
	got := s.snapshot()
	var offs []time.Duration
	for _, st := range got {
		offs = append(offs, st.Offset/time.Second)
	}
	if !slices.Equal(offs, []time.Duration{1, 2, 3, 5}) {
		t.Fatalf("seconds %v, want [1 2 3 5]", offs)
	}
	s3 := got[2]
	if s3.Count != 3 || s3.Failures() != 1 || s3.Errors["http_5xx"] != 1 || s3.Errors[outcome.Canceled] != 1 || s3.Latency.Max() != 30000 {
		t.Errorf("second 3 = %+v", s3)
	}
	if got[0].Errors != nil || got[1].Failures() != 1 {
		t.Errorf("second 1 errors %v, second 2 failures %d", got[0].Errors, got[1].Failures())
	}
	// The snapshot shares nothing.
	s.add(3, outcome.OK, time.Hour)
	if s3.Latency.Max() != 30000 {
		t.Error("snapshot changed with the series")
	}
}

func TestSeriesClock(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := &seriesClock{origin: start}
	for _, tc := range []struct {
		at   time.Duration
		want int
	}{{-time.Second, 0}, {0, 0}, {999 * time.Millisecond, 0}, {time.Second, 1}, {61500 * time.Millisecond, 61}} {
		if got := c.second(start.Add(tc.at)); got != tc.want {
			t.Errorf("second(+%s) = %d, want %d", tc.at, got, tc.want)
		}
	}
	c.drop(start.Add(7 * time.Second))
	c.drop(start.Add(3500 * time.Millisecond))
	c.drop(start.Add(7 * time.Second))
	if got := c.drops(); !slices.Equal(got, []SecondCount{{3 * time.Second, 1}, {7 * time.Second, 2}}) {
		t.Errorf("drops = %v", got)
	}
}

// A load records per second by intended start: a load that started 2 s
// into the run, at 100/s for 4 s, whose requests take 10 ms for the first
// 2 s and 50 ms after, has seconds 2 to 5 of 100 requests each.
func TestLoadSecondsOnTheRunTimeline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		spec := LoadSpec{
			Name: "l", Target: &Target{spec: TargetSpec{Name: "t", Timeout: time.Minute}},
			Rate: 100, Duration: 4 * time.Second, Workers: 20, Queue: 100,
			Mix: []MixEntry{{Weight: 1, Request: RequestSpec{Name: "a", HTTP: &HTTPRequest{Path: "/"}}}},
		}
		l := newLoad(spec, SystemClock, nil, 2*time.Second) // the run started 2 s ago
		r := runLoad(l, sleepSender(func(n int64) time.Duration {
			if n < 200 {
				return 10 * time.Millisecond
			}
			return 50 * time.Millisecond
		}))
		if r.Start != 2*time.Second {
			t.Errorf("Start = %s, want 2s", r.Start)
		}
		secs := r.Requests[0].Seconds
		if len(secs) != 4 {
			t.Fatalf("%d seconds, want 4: %+v", len(secs), secs)
		}
		for i, st := range secs {
			want := int64(10000)
			if i >= 2 {
				want = 50000
			}
			if st.Offset != time.Duration(i+2)*time.Second || st.Count != 100 || st.Latency.ValueAtQuantile(95) != want {
				t.Errorf("second %d: offset %s count %d p95 %dµs; want %ds 100 %dµs", i, st.Offset, st.Count, st.Latency.ValueAtQuantile(95), i+2, want)
			}
		}
	})
}

// Dropped arrivals are counted in the second they were due.
func TestLoadDropsBySecond(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := testLoad(100, 3*time.Second, 1, 1, 1)
		block := make(chan struct{})
		r := runLoad(l, fakeSender(func(ctx context.Context) outcome.Kind {
			select {
			case <-block:
			case <-time.After(1500 * time.Millisecond):
			}
			return outcome.OK
		}))
		var sum int64
		for _, d := range r.DroppedSeconds {
			sum += d.Count
			if d.Offset < 0 || d.Offset > 2*time.Second {
				t.Errorf("drop at %s, outside the load", d.Offset)
			}
		}
		if r.Dropped == 0 || sum != r.Dropped || len(r.DroppedSeconds) != 3 {
			t.Errorf("dropped %d, by second %v", r.Dropped, r.DroppedSeconds)
		}
	})
}

// secondBucketSample fills one second of one request name as a steady
// 200 requests/s service does: latencies spread around 2 ms, one slow
// outlier, a few errors.
func secondBucketSample(rng *rand.Rand) *secondBucket {
	var s series
	for i := range 200 {
		d := time.Duration(1000+rng.ExpFloat64()*1500) * time.Microsecond
		k := outcome.OK
		if i%50 == 0 {
			k = "http_5xx"
		}
		s.add(0, k, d)
	}
	s.add(0, outcome.Timeout, 5*time.Second)
	return s.secs[0]
}

// The memory a second costs per request name: measured with Bytes and
// with the heap, so that the figure stays honest.
func TestSecondBucketMemory(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	b := secondBucketSample(rng)
	if n := b.bytes(); n > 4000 {
		t.Errorf("a typical second takes %d bytes; want at most 4000", n)
	} else {
		t.Logf("a typical second (200 requests over ~3 powers of two, one 5 s outlier, two kinds of error): %d bytes", n)
	}
	var empty secondBucket
	empty.latency.RecordValue(1500)
	t.Logf("a second with one request: %d bytes", empty.bytes())

	const n = 2000
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	keep := make([]*secondBucket, n)
	for i := range keep {
		keep[i] = secondBucketSample(rng)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	perBucket := float64(after.HeapAlloc-before.HeapAlloc) / n
	runtime.KeepAlive(keep)
	t.Logf("heap per typical second: %.0f bytes", perBucket)
	if perBucket > 4000 {
		t.Errorf("heap per second %.0f bytes; want at most 4000", perBucket)
	}
}

func BenchmarkSeriesAdd(b *testing.B) {
	s := newRequestStats("a", &seriesClock{clock: SystemClock, origin: time.Now()})
	rng := rand.New(rand.NewPCG(5, 6))
	lat := make([]time.Duration, 1024)
	for i := range lat {
		lat[i] = time.Duration(1000+rng.ExpFloat64()*1500) * time.Microsecond
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		s.recordAt(time.Now(), sendResult{kind: outcome.OK}, lat[i%len(lat)], lat[i%len(lat)], 0)
	}
}
