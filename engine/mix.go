package engine

import (
	"math"
	"math/bits"
	"sort"
)

// Limits of the table of mixPicker: a mix whose weights, divided by their
// greatest common divisor, add up to at most mixTableMax (and whose table
// takes at most mixBuildMax steps to build) gets one slot per unit of
// weight; a larger one is picked from its cumulative weights instead, so
// that memory never grows with a user's weights.
const (
	mixTableMax = 1 << 16
	mixBuildMax = 1 << 24
)

// mixPicker chooses the mix entry of arrival n, without state, so that
// concurrent arrivals need no lock. Over every full cycle (the sum of the
// weights divided by their greatest common divisor) each entry is chosen
// exactly as often as its reduced weight.
type mixPicker struct {
	// order is the cycle's entries, smoothly interleaved: arrival n
	// sends order[n % len(order)]. Nil when the cycle is too long.
	order []int
	// Otherwise arrival n takes position p = (n mod total) * step mod
	// total of the cycle, a permutation since step and total are
	// coprime; step near total/φ spreads consecutive arrivals over the
	// cycle (a Weyl sequence). The entry is the one whose cumulative
	// weights bracket p.
	cum   []uint64 // cum[i]: sum of the reduced weights of entries 0..i
	total uint64
	step  uint64
}

// newMixPicker returns the picker for weights, each > 0.
func newMixPicker(weights []int) mixPicker {
	g := 0
	for _, w := range weights {
		g = gcd(g, w)
	}
	if g == 0 {
		g = 1
	}
	var total uint64
	cum := make([]uint64, len(weights))
	for i, w := range weights {
		total += uint64(w / g)
		cum[i] = total
	}
	if total <= mixTableMax && total*uint64(len(weights)) <= mixBuildMax {
		return mixPicker{order: mixOrder(weights, g, int(total))}
	}
	step := uint64(float64(total) / math.Phi)
	for gcd64(step, total) != 1 {
		step++
	}
	return mixPicker{cum: cum, total: total, step: step}
}

// pick returns the mix entry of arrival n (n >= 0).
func (p *mixPicker) pick(n int64) int {
	if p.order != nil {
		return p.order[n%int64(len(p.order))]
	}
	return p.pickLong(n)
}

// pickLong is pick for a cycle too long for a table.
func (p *mixPicker) pickLong(n int64) int {
	hi, lo := bits.Mul64(uint64(n)%p.total, p.step)
	pos := bits.Rem64(hi, lo, p.total)
	return sort.Search(len(p.cum), func(i int) bool { return p.cum[i] > pos })
}

// mixOrder spreads weighted entries, reduced by g and adding up to total,
// over one cycle with smooth weighted round-robin: exact shares over every
// full cycle, evenly interleaved, and no random draw per request.
func mixOrder(weights []int, g, total int) []int {
	reduced := make([]int, len(weights))
	for i, w := range weights {
		reduced[i] = w / g
	}
	order := make([]int, 0, total)
	current := make([]int, len(weights))
	for range total {
		best := 0
		for i, w := range reduced {
			current[i] += w
			if current[i] > current[best] {
				best = i
			}
		}
		current[best] -= total
		order = append(order, best)
	}
	return order
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

func gcd64(a, b uint64) uint64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}
