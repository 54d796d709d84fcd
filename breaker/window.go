package breaker

import (
	"math"
	"sync"
	"sync/atomic"
)

// A window holds the results of the calls recorded in one CLOSED period.
// Each CLOSED generation gets a fresh window, so a result recorded late, by
// a call admitted in an earlier generation, can only land in a window
// nobody reads any more. Both kinds are lock-free on the recording path.

// windowCounts is what a window holds.
type windowCounts struct {
	calls, failures, slow int64
}

// rates returns the failure and slow-call rates as fractions.
func (w windowCounts) rates() (failure, slow float64) {
	if w.calls <= 0 {
		return 0, 0
	}
	return float64(max(w.failures, 0)) / float64(w.calls), float64(max(w.slow, 0)) / float64(w.calls)
}

const (
	slotUsed uint32 = 1 << iota
	slotFailure
	slotSlow
)

func slotOf(failure, slow bool) uint32 {
	v := slotUsed
	if failure {
		v |= slotFailure
	}
	if slow {
		v |= slotSlow
	}
	return v
}

// countWindow is a ring of the last len(slots) results. A recorder takes a
// position (from the breaker, with one atomic add), swaps its result into
// that slot and corrects the running totals by the difference between the
// new and the old slot. Since each swap returns exactly what it replaced,
// the totals always converge to the sum of the slots; while two recorders a
// whole ring apart race on one slot, a total may be off by one for an
// instant, which the rate computation tolerates.
type countWindow struct {
	// The totals share one cache line: in steady state a run of
	// successes does not write them at all.
	calls, failures, slow atomic.Int64
	_                     [40]byte
	slots                 []atomic.Uint32
}

func newCountWindow(n int) *countWindow {
	return &countWindow{slots: make([]atomic.Uint32, n)}
}

func (w *countWindow) add(pos uint64, failure, slow bool) windowCounts {
	v := slotOf(failure, slow)
	slot := &w.slots[pos%uint64(len(w.slots))]
	if slot.Load() == v {
		// Replacing a result with its like changes nothing: skipping
		// the write keeps the slot's cache line shared between cores in
		// steady state. (A racing write to the slot is then ordered
		// after this one, which it may be.)
		return w.counts()
	}
	if old := slot.Swap(v); old != v {
		if old == 0 {
			w.calls.Add(1)
		}
		if d := bit(v, slotFailure) - bit(old, slotFailure); d != 0 {
			w.failures.Add(d)
		}
		if d := bit(v, slotSlow) - bit(old, slotSlow); d != 0 {
			w.slow.Add(d)
		}
	}
	return w.counts()
}

func (w *countWindow) counts() windowCounts {
	return windowCounts{w.calls.Load(), w.failures.Load(), w.slow.Load()}
}

func bit(v, mask uint32) int64 {
	if v&mask != 0 {
		return 1
	}
	return 0
}

// timeWindow keeps results in buckets of width nanoseconds; bucket k of
// the breaker's time (nanoseconds since it was built, divided by width)
// lives in slot k mod len(buckets). The window at bucket k is bucket k
// (still filling) plus the len(buckets)−1 complete buckets before it.
//
// Recording adds to bucket k's counters and reads back bucket k plus a
// snapshot of the complete buckets, so a call touches one bucket, not all
// of them. The first recorder to reach bucket k (its slot still holds an
// older bucket) takes mu, once per bucket width: it sums the complete
// buckets into a new snapshot, resets the slot and publishes both. A call
// whose clock reading is a bucket behind another's, and which records
// after that other call has turned the bucket, is missing from the
// snapshot (though not from the bucket): the rates may miss the few calls
// in flight across a bucket boundary, never more.
type timeWindow struct {
	width   int64
	mu      sync.Mutex
	past    atomic.Pointer[pastBuckets]
	buckets []timeBucket
}

type timeBucket struct {
	index                 atomic.Int64
	calls, failures, slow atomic.Int64
	_                     [32]byte
}

// pastBuckets is the sum of the complete buckets in the window at bucket
// index. It is immutable once published.
type pastBuckets struct {
	index int64
	windowCounts
}

func newTimeWindow(width int64, n int) *timeWindow {
	w := &timeWindow{width: width, buckets: make([]timeBucket, n)}
	for i := range w.buckets {
		w.buckets[i].index.Store(math.MinInt64)
	}
	w.past.Store(&pastBuckets{index: math.MinInt64})
	return w
}

func (w *timeWindow) add(now int64, failure, slow bool) windowCounts {
	k := max(now, 0) / w.width
	b := &w.buckets[k%int64(len(w.buckets))]
	if b.index.Load() < k {
		w.turn(b, k)
	}
	// A recorder whose clock reading is older than the bucket's (a few
	// nanoseconds, between two goroutines) counts in the newer bucket.
	b.calls.Add(1)
	if failure {
		b.failures.Add(1)
	}
	if slow {
		b.slow.Add(1)
	}
	p := w.past.Load()
	if p.index != k || b.index.Load() != k {
		return w.counts(now)
	}
	return windowCounts{
		p.calls + b.calls.Load(),
		p.failures + b.failures.Load(),
		p.slow + b.slow.Load(),
	}
}

// turn makes b, the slot of bucket k, hold bucket k.
func (w *timeWindow) turn(b *timeBucket, k int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if b.index.Load() >= k {
		return // another recorder turned it
	}
	// The snapshot first: a recorder that sees the new index sees it too.
	p := &pastBuckets{index: k, windowCounts: w.sum(k-int64(len(w.buckets)), k-1)}
	w.past.Store(p)
	// Zero the counters before publishing the new index: a reader that
	// sees the new index sees the zeros too.
	b.calls.Store(0)
	b.failures.Store(0)
	b.slow.Store(0)
	b.index.Store(k)
}

// counts returns the window at now, from all the buckets.
func (w *timeWindow) counts(now int64) windowCounts {
	k := max(now, 0) / w.width
	return w.sum(k-int64(len(w.buckets)), k)
}

// sum adds up the buckets with an index in (after, upTo].
func (w *timeWindow) sum(after, upTo int64) windowCounts {
	var c windowCounts
	for i := range w.buckets {
		b := &w.buckets[i]
		if ix := b.index.Load(); ix > after && ix <= upTo {
			c.calls += b.calls.Load()
			c.failures += b.failures.Load()
			c.slow += b.slow.Load()
		}
	}
	return c
}
