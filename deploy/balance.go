package deploy

import (
	"math/bits"
	"strconv"
	"sync"
	"sync/atomic"
)

// Balance is how the router chooses a route for a request among those
// with weight. Its zero value is RoundRobin.
type Balance uint8

const (
	// RoundRobin is smooth weighted round-robin (nginx's): over every run
	// of sum-of-weights requests each route gets exactly its weight, and
	// the routes are interleaved as evenly as possible (weights 90/10
	// send every tenth request to the second route, not ten in a row).
	RoundRobin Balance = iota
	// Random draws each choice from a pseudo-random sequence seeded by
	// Router.Seed: the same seed gives the same sequence of choices.
	Random
)

// String returns "round_robin" or "random".
func (b Balance) String() string {
	switch b {
	case RoundRobin:
		return "round_robin"
	case Random:
		return "random"
	}
	return "Balance(" + strconv.Itoa(int(b)) + ")"
}

// table is one published set of weights. It is immutable except for the
// pickers it caches, so a request holding it keeps a consistent view while
// SetWeights publishes the next one.
type table struct {
	weights  []int  // by route index
	positive uint64 // routes with weight > 0
	// sequences caches, per set of eligible routes (a bit mask), the
	// round-robin picker over their weights. The full set is by far the
	// most common and has its own field.
	full      atomic.Pointer[sequence]
	sequences sync.Map // uint64 → *sequence
}

func newTable(weights []int) *table {
	t := &table{weights: weights}
	for i, w := range weights {
		if w > 0 {
			t.positive |= 1 << i
		}
	}
	return t
}

// maxSequence bounds the precomputed round-robin order; weights whose
// reduced sum is larger fall back to computing each choice under a lock.
const maxSequence = 1 << 16

// sequence is smooth weighted round-robin over some routes. When the
// order fits in maxSequence entries it is precomputed and walked with an
// atomic counter (no lock); otherwise the smooth algorithm runs under mu.
type sequence struct {
	order []uint8
	next  atomic.Uint64

	mu      sync.Mutex
	routes  []int // route indices (lock mode)
	weights []int
	current []int
	total   int
}

// sequence returns the round-robin picker over the routes of mask.
func (t *table) sequence(mask uint64) *sequence {
	if mask == t.positive {
		if s := t.full.Load(); s != nil {
			return s
		}
		s := newSequence(t.weights, mask)
		if t.full.CompareAndSwap(nil, s) {
			return s
		}
		return t.full.Load()
	}
	if s, ok := t.sequences.Load(mask); ok {
		return s.(*sequence)
	}
	s, _ := t.sequences.LoadOrStore(mask, newSequence(t.weights, mask))
	return s.(*sequence)
}

func newSequence(weights []int, mask uint64) *sequence {
	s := &sequence{}
	g := 0
	for i, w := range weights {
		if mask&(1<<i) != 0 && w > 0 {
			s.routes = append(s.routes, i)
			s.weights = append(s.weights, w)
			g = gcd(g, w)
		}
	}
	for i := range s.weights {
		s.weights[i] /= g
		s.total += s.weights[i]
	}
	s.current = make([]int, len(s.weights))
	if s.total <= maxSequence {
		s.order = make([]uint8, s.total)
		for k := range s.order {
			s.order[k] = uint8(s.routes[s.smooth()])
		}
		s.current = nil
	}
	return s
}

// pick returns the next route index.
func (s *sequence) pick() int {
	if s.order != nil {
		n := s.next.Add(1) - 1
		return int(s.order[n%uint64(len(s.order))])
	}
	s.mu.Lock()
	i := s.routes[s.smooth()]
	s.mu.Unlock()
	return i
}

// smooth is one step of smooth weighted round-robin: every route's current
// value grows by its weight, the largest wins and pays the total back.
func (s *sequence) smooth() int {
	best := 0
	for i, w := range s.weights {
		s.current[i] += w
		if s.current[i] > s.current[best] {
			best = i
		}
	}
	s.current[best] -= s.total
	return best
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// random draws route indices among the routes of mask, in proportion to
// their weights, from the n-th value of a seeded splitmix64 sequence.
func (t *table) random(mask uint64, x uint64) int {
	total := 0
	for m := mask; m != 0; m &= m - 1 {
		total += t.weights[bits.TrailingZeros64(m)]
	}
	hi, _ := bits.Mul64(x, uint64(total))
	u := int(hi)
	for m := mask; m != 0; m &= m - 1 {
		i := bits.TrailingZeros64(m)
		if u < t.weights[i] {
			return i
		}
		u -= t.weights[i]
	}
	return bits.Len64(mask) - 1 // not reached
}

// splitmix64 returns the n-th value of the splitmix64 sequence from seed:
// a pure function of (seed, n), so concurrent draws need only an atomic
// counter.
func splitmix64(seed, n uint64) uint64 {
	z := seed + n*0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}
