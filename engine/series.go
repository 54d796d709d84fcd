package engine

import (
	"math"
	"math/bits"
	"slices"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/reslua/reslua/engine/outcome"
)

// Per-second series: every load records, per request name and per second
// of the run's timeline, the count, the not-OK outcomes by kind and a
// latency histogram. A request belongs to the second in which its intended
// start falls (floor of its offset from the run's start), so a second's
// figures describe the requests that were due then, however long they
// took. Time-scoped and sustained checks and the dynamic verdicts
// (time_to_recover, lost_requests) are computed from these series.

// SecondHistogram is a compact latency histogram in microseconds for one
// second of one request name, or a merge of several. Values below 256 µs
// are exact; above, each power of two is cut into 128 buckets, so a
// reported value is at most 0.78 % above the true one (two significant
// digits, against three for the run-wide HDR histograms). Buckets are
// stored one power of two at a time, and only for powers of two where a
// value fell: a second whose latencies span a few powers of two costs a
// few 512-byte blocks, not the 26 KB of a dense two-digit HDR histogram
// over 1 µs to 1 h. Its zero value is empty and ready. Not safe for
// concurrent use.
type SecondHistogram struct {
	octaves  []*[shSub]uint32 // by power of two; nil where nothing fell
	count    int64
	min, max int64 // exact; valid when count > 0
	sum      int64 // µs, for the mean
}

const (
	shSubBits = 7
	shSub     = 1 << shSubBits // buckets per power of two
)

// shIndex returns the bucket of v (≥ 0): v itself below 2·shSub, then
// shSub buckets per power of two.
func shIndex(v int64) int {
	if v < 2*shSub {
		return int(v)
	}
	k := bits.Len64(uint64(v)) - 1 // v in [2^k, 2^(k+1)), k > shSubBits
	return (k-shSubBits)<<shSubBits + int(v>>(k-shSubBits))
}

// shHighest returns the largest value that falls in bucket i.
func shHighest(i int) int64 {
	if i < 2*shSub {
		return int64(i)
	}
	shift := i>>shSubBits - 1
	m := int64(i&(shSub-1) + shSub)
	return (m+1)<<shift - 1
}

// RecordValue adds one value in microseconds, clamped to the range of the
// run-wide histograms (1 µs to one hour).
func (h *SecondHistogram) RecordValue(us int64) {
	h.RecordValues(us, 1)
}

// RecordValues adds n values of us microseconds.
func (h *SecondHistogram) RecordValues(us, n int64) {
	if n <= 0 {
		return
	}
	us = min(max(us, histMin), histMax)
	i := shIndex(us)
	o := i >> shSubBits
	if o >= len(h.octaves) {
		h.octaves = slices.Grow(h.octaves, o+1-len(h.octaves))[:o+1]
	}
	if h.octaves[o] == nil {
		h.octaves[o] = new([shSub]uint32)
	}
	h.octaves[o][i&(shSub-1)] += uint32(n)
	if h.count == 0 || us < h.min {
		h.min = us
	}
	if us > h.max {
		h.max = us
	}
	h.count += n
	h.sum += us * n
}

// recordDuration records d in h, as recordDuration does for HDR ones.
func (h *SecondHistogram) recordDuration(d time.Duration) {
	h.RecordValue(int64(d / time.Microsecond))
}

// Merge adds every value of o to h.
func (h *SecondHistogram) Merge(o *SecondHistogram) {
	if o == nil || o.count == 0 {
		return
	}
	if len(o.octaves) > len(h.octaves) {
		h.octaves = slices.Grow(h.octaves, len(o.octaves)-len(h.octaves))[:len(o.octaves)]
	}
	for i, src := range o.octaves {
		if src == nil {
			continue
		}
		if h.octaves[i] == nil {
			h.octaves[i] = new([shSub]uint32)
		}
		dst := h.octaves[i]
		for j, n := range src {
			dst[j] += n
		}
	}
	if h.count == 0 || o.min < h.min {
		h.min = o.min
	}
	h.max = max(h.max, o.max)
	h.count += o.count
	h.sum += o.sum
}

// Clone returns a copy of h that shares nothing with it.
func (h *SecondHistogram) Clone() *SecondHistogram {
	c := *h
	c.octaves = make([]*[shSub]uint32, len(h.octaves))
	for i, o := range h.octaves {
		if o != nil {
			cp := *o
			c.octaves[i] = &cp
		}
	}
	return &c
}

// TotalCount returns the number of values recorded.
func (h *SecondHistogram) TotalCount() int64 { return h.count }

// Min returns the smallest value recorded, 0 when empty.
func (h *SecondHistogram) Min() int64 { return h.min }

// Max returns the largest value recorded, 0 when empty.
func (h *SecondHistogram) Max() int64 { return h.max }

// Mean returns the mean of the values recorded, 0 when empty.
func (h *SecondHistogram) Mean() float64 {
	if h.count == 0 {
		return 0
	}
	return float64(h.sum) / float64(h.count)
}

// ValueAtQuantile returns the value at quantile q (0 to 100), reported as
// the highest value of its bucket (never above Max), as HDR histograms do;
// 0 when empty.
func (h *SecondHistogram) ValueAtQuantile(q float64) int64 {
	if h.count == 0 {
		return 0
	}
	q = min(max(q, 0), 100)
	target := max(int64(q/100*float64(h.count)+0.5), 1)
	var seen int64
	for o, oct := range h.octaves {
		if oct == nil {
			continue
		}
		for j, n := range oct {
			if seen += int64(n); seen >= target {
				return min(shHighest(o<<shSubBits+j), h.max)
			}
		}
	}
	return h.max
}

// Bytes returns the memory h holds, its own header included.
func (h *SecondHistogram) Bytes() int {
	n := int(unsafe.Sizeof(*h)) + cap(h.octaves)*int(unsafe.Sizeof(h.octaves[:1][0]))
	for _, o := range h.octaves {
		if o != nil {
			n += int(unsafe.Sizeof(*o))
		}
	}
	return n
}

// SecondStats is what one request name recorded in one second of the
// run's timeline: the requests whose intended start fell in it.
type SecondStats struct {
	// Offset is the second's start from the run's start, a whole number of
	// seconds.
	Offset time.Duration
	Count  int64
	// Errors counts outcomes other than OK by kind; nil when there were
	// none.
	Errors map[outcome.Kind]int64
	// Latency is from intended start to final byte, in µs.
	Latency *SecondHistogram
}

// Failures returns how many of the second's outcomes count against the
// error rate.
func (s SecondStats) Failures() int64 { return outcome.Failures(s.Errors) }

// SecondCount is a count in one second of the run's timeline.
type SecondCount struct {
	// Offset is the second's start from the run's start.
	Offset time.Duration
	Count  int64
}

// secondBucket is one second of a live series.
type secondBucket struct {
	count   int64
	errors  []kindCount // few kinds at a time: smaller than a map
	latency SecondHistogram
}

type kindCount struct {
	kind outcome.Kind
	n    int64
}

// bytes returns the memory b holds, its pointer in the series included.
func (b *secondBucket) bytes() int {
	n := int(unsafe.Sizeof(*b)) + int(unsafe.Sizeof(b)) + cap(b.errors)*int(unsafe.Sizeof(kindCount{}))
	return n + b.latency.Bytes() - int(unsafe.Sizeof(b.latency))
}

// series is one request name's per-second record; its owner locks it.
type series struct {
	base int             // the second of secs[0]
	secs []*secondBucket // nil where nothing was recorded
}

// bucket returns second sec's bucket, making it when needed.
func (s *series) bucket(sec int) *secondBucket {
	switch {
	case len(s.secs) == 0:
		s.base = sec
	case sec < s.base: // a request due before the first one recorded
		s.secs = append(make([]*secondBucket, s.base-sec), s.secs...)
		s.base = sec
	}
	i := sec - s.base
	if i >= len(s.secs) {
		s.secs = slices.Grow(s.secs, i+1-len(s.secs))[:i+1]
	}
	if s.secs[i] == nil {
		s.secs[i] = &secondBucket{}
	}
	return s.secs[i]
}

// add records one outcome due in second sec.
func (s *series) add(sec int, kind outcome.Kind, latency time.Duration) {
	b := s.bucket(sec)
	b.count++
	if kind != outcome.OK {
		found := false
		for i := range b.errors {
			if b.errors[i].kind == kind {
				b.errors[i].n++
				found = true
				break
			}
		}
		if !found {
			b.errors = append(b.errors, kindCount{kind, 1})
		}
	}
	b.latency.recordDuration(latency)
}

// snapshot returns the seconds that recorded something, in order, sharing
// nothing with s.
func (s *series) snapshot() []SecondStats {
	var out []SecondStats
	for i, b := range s.secs {
		if b == nil {
			continue
		}
		st := SecondStats{Offset: time.Duration(s.base+i) * time.Second, Count: b.count, Latency: b.latency.Clone()}
		if len(b.errors) > 0 {
			st.Errors = make(map[outcome.Kind]int64, len(b.errors))
			for _, e := range b.errors {
				st.Errors[e.kind] = e.n
			}
		}
		out = append(out, st)
	}
	return out
}

// bytes returns the memory s holds.
func (s *series) bytes() int {
	n := int(unsafe.Sizeof(*s)) + (cap(s.secs)-len(s.secs))*int(unsafe.Sizeof((*secondBucket)(nil)))
	for _, b := range s.secs {
		if b != nil {
			n += b.bytes()
		} else {
			n += int(unsafe.Sizeof(b))
		}
	}
	return n
}

// seriesClock places one load's instants on the run's timeline by whole
// seconds, and counts per second the load's arrivals that were never
// sent: dropped (the queue was full) and unsent (still queued at the
// load's end). Safe for concurrent use.
type seriesClock struct {
	clock  Clock
	origin time.Time // the run's start, on clock

	mu              sync.Mutex
	dropped, unsent secondCounts
}

// secondCounts counts events per second of the run's timeline.
type secondCounts struct {
	base int     // the second of n[0]
	n    []int64 // events per second from base
}

// add counts one event in second sec.
func (sc *secondCounts) add(sec int) {
	switch {
	case len(sc.n) == 0:
		sc.base = sec
	case sec < sc.base:
		sc.n = append(make([]int64, sc.base-sec), sc.n...)
		sc.base = sec
	}
	i := sec - sc.base
	if i >= len(sc.n) {
		sc.n = slices.Grow(sc.n, i+1-len(sc.n))[:i+1]
	}
	sc.n[i]++
}

// list returns the seconds that had events, in order.
func (sc *secondCounts) list() []SecondCount {
	var out []SecondCount
	for i, n := range sc.n {
		if n > 0 {
			out = append(out, SecondCount{Offset: time.Duration(sc.base+i) * time.Second, Count: n})
		}
	}
	return out
}

// newSeriesClock returns the series clock of a load started planStart
// after the run's start, now: the run started at clock.Now() - planStart.
// (The load is made right after the run read planStart from the same
// clock, so the origin is off by that instant, well under a microsecond.)
func newSeriesClock(clock Clock, planStart time.Duration) *seriesClock {
	return &seriesClock{clock: clock, origin: clock.Now().Add(-planStart)}
}

// offset returns t's offset from the run's start.
func (c *seriesClock) offset(t time.Time) time.Duration { return t.Sub(c.origin) }

// second returns the second of the run's timeline in which t falls; an
// instant before the run's start falls in second 0.
func (c *seriesClock) second(t time.Time) int {
	d := t.Sub(c.origin)
	if d < 0 {
		return 0
	}
	return int(min(d/time.Second, math.MaxInt32))
}

// drop counts an arrival due at intended that found the queue full.
func (c *seriesClock) drop(intended time.Time) {
	sec := c.second(intended)
	c.mu.Lock()
	c.dropped.add(sec)
	c.mu.Unlock()
}

// unsend counts an arrival due at intended that was still queued at the
// load's end and was not sent.
func (c *seriesClock) unsend(intended time.Time) {
	sec := c.second(intended)
	c.mu.Lock()
	c.unsent.add(sec)
	c.mu.Unlock()
}

// drops returns the seconds in which arrivals were dropped, in order.
func (c *seriesClock) drops() []SecondCount {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.dropped.list()
}

// unsents returns the seconds in which arrivals came due that were left
// unsent, in order.
func (c *seriesClock) unsents() []SecondCount {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.unsent.list()
}

// trackRing is how many seconds of the timeline an arrivalTrack tells
// apart: an arrival still in flight trackRing seconds after it was due
// makes the second it aliases look unfinished too (conservative).
const trackRing = 1024

// arrivalTrack knows, per second of the run's timeline, whether every
// arrival of one load due in that second has ended (completed, failed,
// dropped or unsent), so that a live reader of the per-second series
// judges only seconds whose slow requests are in. The hot path is one
// atomic add when an arrival is handed out and one when it ends, with no
// lock and no allocation; waiters are woken only when a second may have
// become complete. Its zero value is not ready: use newArrivalTrack.
type arrivalTrack struct {
	// mark is the offset (ns from the run's start) before which every
	// arrival of an open load has been handed to the queue or dropped;
	// math.MaxInt64 once the schedule ended, and for closed loads.
	mark atomic.Int64
	// pending counts, per request name of the load (in the order of its
	// names) and by second of intended start modulo trackRing, the
	// arrivals handed out and not yet ended.
	pending []*[trackRing]atomic.Int64
	names   []string
	// users holds, per virtual user of a closed load, the offset of the
	// arrival it is sending or will send next; math.MaxInt64 when the user
	// has stopped.
	users []atomic.Int64
	wake  *wakeup
}

// wakeup wakes goroutines waiting for some load's seconds to complete.
// One is shared by the loads of a run.
type wakeup struct {
	waiters atomic.Int32
	mu      sync.Mutex
	ch      chan struct{}
}

func newWakeup() *wakeup { return &wakeup{ch: make(chan struct{})} }

// register adds a waiter and returns the channel closed at the next
// notify; the caller must look at the state after registering, and call
// unregister when done.
func (w *wakeup) register() <-chan struct{} {
	w.waiters.Add(1)
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.ch
}

func (w *wakeup) unregister() { w.waiters.Add(-1) }

// notify wakes the waiters, if any (an atomic load otherwise).
func (w *wakeup) notify() {
	if w.waiters.Load() == 0 {
		return
	}
	w.mu.Lock()
	close(w.ch)
	w.ch = make(chan struct{})
	w.mu.Unlock()
}

// newArrivalTrack returns the track of a load planned to start at
// planStart on the run's timeline, whose requests have these names, with
// one virtual user per entry of starts (none for an open load); user i
// starts at starts[i] after the load's start.
func newArrivalTrack(planStart time.Duration, names []string, starts []time.Duration) *arrivalTrack {
	t := &arrivalTrack{wake: newWakeup(), names: names}
	if len(starts) == 0 {
		t.pending = make([]*[trackRing]atomic.Int64, len(names))
		for i := range t.pending {
			t.pending[i] = new([trackRing]atomic.Int64)
		}
		t.mark.Store(int64(planStart)) // nothing is due before the load starts
		return t
	}
	t.mark.Store(math.MaxInt64)
	t.users = make([]atomic.Int64, len(starts))
	for i, s := range starts {
		t.users[i].Store(int64(planStart + s))
	}
	return t
}

func trackSlot(off time.Duration) int {
	return int(max(off, 0) / time.Second % trackRing)
}

// due counts an arrival of request name (its index in the load's names)
// due at off (from the run's start) as handed out; every due is matched
// by one ended.
func (t *arrivalTrack) due(name int, off time.Duration) { t.pending[name][trackSlot(off)].Add(1) }

// ended counts the end of an arrival of request name due at off.
func (t *arrivalTrack) ended(name int, off time.Duration) {
	if t.pending[name][trackSlot(off)].Add(-1) == 0 {
		t.wake.notify()
	}
}

// handedOut records that every arrival of an open load due before off has
// been handed out.
func (t *arrivalTrack) handedOut(off time.Duration) {
	if old := t.mark.Swap(int64(off)); old/int64(time.Second) != int64(off)/int64(time.Second) {
		t.wake.notify()
	}
}

// user records that virtual user i's next (or current) arrival is due at
// off; math.MaxInt64 when it has stopped.
func (t *arrivalTrack) user(i int, off time.Duration) {
	if i >= len(t.users) { // a plan changed after the track was made (tests)
		return
	}
	if old := t.users[i].Swap(int64(off)); old/int64(time.Second) != int64(off)/int64(time.Second) {
		t.wake.notify()
	}
}

// unfinished returns how many arrivals of the requests named in requests
// ("" for every request) due in [from, to) of the run's timeline (or, for
// a closed load, of any request before to) have not ended, and whether
// arrivals due before to may still be to come (an open load's scheduler
// running late).
func (t *arrivalTrack) unfinished(requests []string, from, to time.Duration) (inFlight int64, behind bool) {
	behind = t.mark.Load() < int64(to)
	first, last := int(max(from, 0)/time.Second), int((to+time.Second-1)/time.Second)
	for i, p := range t.pending {
		if !slices.Contains(requests, "") && !slices.Contains(requests, t.names[i]) {
			continue
		}
		for s := first; s < last && s < first+trackRing; s++ {
			inFlight += p[s%trackRing].Load()
		}
	}
	for i := range t.users {
		if t.users[i].Load() < int64(to) {
			inFlight++
		}
	}
	return inFlight, behind
}
