package deploy

import (
	"fmt"
	"math"
	"math/bits"
	"sync/atomic"
	"time"
)

// The latency histogram is log-linear, as HdrHistogram's: durations are
// counted in nanoseconds, exactly below 128 ns, and above that each
// power-of-two range [2^k, 2^(k+1)) ns is split into 64 equal buckets of
// 2^(k-6) ns. A bucket is thus at most 1/64 (1.6 %) of the values it
// holds wide, and its midpoint, the value the histogram reports for it, is
// within 1/128 (0.8 %) of each of them. The top range is [2^41, 2^42) ns,
// so the histogram covers 0 to about 73 minutes (1 µs to 1 h with room to
// spare) in 2,368 buckets: 18.5 KiB of counters per route.
const (
	latSubBits = 6                                      // log2 of the buckets per power of two
	latSub     = 1 << latSubBits                        // 64 buckets per power of two
	latMaxBits = 42                                     // values are below 2^42 ns
	latBuckets = (latMaxBits - latSubBits + 1) * latSub // 2,368
	latMaxNS   = 1<<latMaxBits - 1                      // the largest value kept as is
)

// latencyIndex returns the bucket of a duration in nanoseconds: the value
// itself below 128, else 64 buckets per power of two. Negative durations
// count as 0, durations above latMaxNS as latMaxNS.
func latencyIndex(ns int64) int {
	v := uint64(max(0, min(ns, latMaxNS)))
	shift := max(0, bits.Len64(v)-latSubBits-1)
	return shift<<latSubBits + int(v>>shift)
}

// latencyBucket returns the smallest value of bucket i and its width, in
// nanoseconds.
func latencyBucket(i int) (lower, width int64) {
	shift := max(0, i>>latSubBits-1)
	return int64(i-shift<<latSubBits) << shift, 1 << shift
}

// latencyMid returns the value reported for bucket i: its midpoint (the
// value itself for the exact buckets).
func latencyMid(i int) int64 {
	lower, width := latencyBucket(i)
	return lower + width>>1
}

// latencyHist is one route's latency histogram: one atomic counter per
// bucket, no lock, no allocation per record. The zero value is empty and
// ready.
type latencyHist struct {
	counts [latBuckets]atomic.Int64
}

// record counts one duration.
func (h *latencyHist) record(d time.Duration) {
	h.counts[latencyIndex(int64(d))].Add(1)
}

// snapshot returns the histogram's counts now. Each bucket is read
// atomically; buckets recorded into during the copy may or may not be
// in it, and Count is the sum of the buckets copied.
func (h *latencyHist) snapshot() Latency {
	var buf [latBuckets]int64
	lo, hi := -1, -1
	for i := range buf {
		if c := h.counts[i].Load(); c != 0 {
			buf[i] = c
			if lo < 0 {
				lo = i
			}
			hi = i
		}
	}
	if lo < 0 {
		return Latency{}
	}
	return newLatency(lo, buf[lo:hi+1])
}

// Latency is a distribution of request latencies, as the router measured
// them (RouteStats.Latency): the counts of a log-linear histogram. Every
// figure it gives (quantiles, mean, max) is made of the buckets'
// midpoints, each within 0.8 % of the durations it stands for; durations
// under 128 ns are exact, negative ones count as 0 and those above 2^42 ns
// (about 73 minutes) as 2^42 ns.
//
// A Latency is a value: it does not change once made, and copies share
// its counts safely. The zero Latency is empty: Count, Quantile, Mean and
// Max are all 0, and String is "n=0".
type Latency struct {
	lo     int     // the bucket of counts[0]
	counts []int64 // buckets lo … lo+len-1, the first and last not 0; nil when empty
	n      int64   // the sum of counts
}

// newLatency returns the Latency of the buckets counts, the first being
// bucket lo, trimmed of zero buckets at both ends. It copies counts.
func newLatency(lo int, counts []int64) Latency {
	for len(counts) > 0 && counts[0] == 0 {
		counts, lo = counts[1:], lo+1
	}
	for len(counts) > 0 && counts[len(counts)-1] == 0 {
		counts = counts[:len(counts)-1]
	}
	if len(counts) == 0 {
		return Latency{}
	}
	l := Latency{lo: lo, counts: make([]int64, len(counts))}
	copy(l.counts, counts)
	for _, c := range counts {
		l.n += c
	}
	return l
}

// sub returns the durations in l that are not in m, bucket by bucket: with
// m a snapshot of the same histogram taken earlier, the durations recorded
// in between. A bucket with fewer counts in l than in m counts 0.
func (l Latency) sub(m Latency) Latency {
	if m.n == 0 || l.n == 0 {
		return l
	}
	buf := make([]int64, len(l.counts))
	for i, c := range l.counts {
		if j := l.lo + i - m.lo; j >= 0 && j < len(m.counts) {
			c -= m.counts[j]
		}
		buf[i] = max(c, 0)
	}
	return newLatency(l.lo, buf)
}

// Count returns the number of durations in the distribution.
func (l Latency) Count() int64 { return l.n }

// Quantile returns the duration below or at which q percent of the
// durations lie: q is a percentage, 0..100, so Quantile(95) is the p95
// and Quantile(50) the median (the scale of HdrHistogram's
// ValueAtQuantile). Precisely, it is the duration of rank ⌈q·Count/100⌉
// (at least 1) in increasing order, within 0.8 %: Quantile(0) is the
// smallest duration, Quantile(100) the largest. q below 0 (or NaN) counts
// as 0, q above 100 as 100. It returns 0 when the distribution is empty.
func (l Latency) Quantile(q float64) time.Duration {
	if l.n == 0 {
		return 0
	}
	if !(q > 0) {
		q = 0
	}
	q = min(q, 100)
	rank := int64(math.Ceil(q * float64(l.n) / 100))
	rank = max(1, min(rank, l.n))
	var seen int64
	for i, c := range l.counts {
		seen += c
		if seen >= rank {
			return time.Duration(latencyMid(l.lo + i))
		}
	}
	return l.Max() // not reached: the counts sum to n
}

// Mean returns the mean duration, within 0.8 %, or 0 when the
// distribution is empty.
func (l Latency) Mean() time.Duration {
	if l.n == 0 {
		return 0
	}
	var sum float64
	for i, c := range l.counts {
		sum += float64(latencyMid(l.lo+i)) * float64(c)
	}
	return time.Duration(math.Round(sum / float64(l.n)))
}

// Max returns the largest duration, within 0.8 %, or 0 when the
// distribution is empty.
func (l Latency) Max() time.Duration {
	if l.n == 0 {
		return 0
	}
	return time.Duration(latencyMid(l.lo + len(l.counts) - 1))
}

// Buckets returns the distribution's counts, to store it: counts[i] is
// the number of durations in bucket lo+i of the log-linear layout above
// (exact below bucket 128; above, 64 buckets per power of two of
// nanoseconds). The first and last counts are not zero; counts is nil when
// the distribution is empty. counts is a copy.
func (l Latency) Buckets() (lo int, counts []int64) {
	if l.n == 0 {
		return 0, nil
	}
	out := make([]int64, len(l.counts))
	copy(out, l.counts)
	return l.lo, out
}

// LatencyFromBuckets returns the Latency whose bucket lo+i holds counts[i],
// as Buckets gave them: a distribution read back from stored results. It
// reports a bucket outside the layout, a negative count, or counts whose
// total overflows.
func LatencyFromBuckets(lo int, counts []int64) (Latency, error) {
	if len(counts) == 0 {
		return Latency{}, nil
	}
	if lo < 0 || lo+len(counts) > latBuckets {
		return Latency{}, fmt.Errorf("latency buckets %d to %d: outside 0..%d", lo, lo+len(counts)-1, latBuckets-1)
	}
	var n int64
	for i, c := range counts {
		if c < 0 {
			return Latency{}, fmt.Errorf("latency bucket %d: negative count %d", lo+i, c)
		}
		if n+c < n {
			return Latency{}, fmt.Errorf("latency buckets: total count overflows")
		}
		n += c
	}
	return newLatency(lo, counts), nil
}

// String summarizes the distribution: "n=120 mean=48.1ms p50=47.9ms
// p95=52.2ms p99=60.1ms max=61ms", or "n=0".
func (l Latency) String() string {
	if l.n == 0 {
		return "n=0"
	}
	return fmt.Sprintf("n=%d mean=%v p50=%v p95=%v p99=%v max=%v",
		l.n, l.Mean(), l.Quantile(50), l.Quantile(95), l.Quantile(99), l.Max())
}
