package deploy

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// Weights maps route names to their relative weight: a route gets
// weight/sum of the traffic. A route a Weights value does not name has
// weight zero. The controllers use percentages (summing to 100); the
// router accepts any non-negative weights unless Router.RequireSum100 is
// set.
type Weights map[string]int

// Validate checks w against the route names routes (nil: any names are
// accepted) and returns every problem: negative weights, unknown names, no
// weight above zero, and, when sum100 is set, a sum other than 100.
func (w Weights) Validate(routes []string, sum100 bool) error {
	ps := problems{what: "weights"}
	w.check(&ps, "", routes, sum100)
	return ps.err()
}

// check adds w's problems to ps, naming fields field["name"].
func (w Weights) check(ps *problems, field string, routes []string, sum100 bool) {
	sum, positive := 0, false
	for _, name := range slices.Sorted(maps.Keys(w)) {
		v := w[name]
		f := field + "[" + strconv.Quote(name) + "]"
		if routes != nil && !slices.Contains(routes, name) {
			ps.addErr(f, fmt.Sprintf("unknown route %q (the routes are %s)", name, strings.Join(routes, ", ")), ErrUnknownRoute)
		}
		if v < 0 {
			ps.add(f, fmt.Sprintf("weight %d is negative", v))
			continue
		}
		if v > maxWeight {
			ps.add(f, fmt.Sprintf("weight %d is above the limit of %d", v, maxWeight))
			continue
		}
		sum += v
		positive = positive || v > 0
	}
	if !positive {
		ps.add(field, "no route has a weight above zero: there would be nowhere to send traffic")
	} else if sum100 && sum != 100 {
		ps.add(field, fmt.Sprintf("sum to %d, want 100 (percentages)", sum))
	}
}

// maxWeight bounds one weight, so sums cannot overflow.
const maxWeight = 1 << 30

// String returns the weights in name order, as "blue=90 green=10".
func (w Weights) String() string {
	var b strings.Builder
	for i, name := range slices.Sorted(maps.Keys(w)) {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(name)
		b.WriteByte('=')
		b.WriteString(strconv.Itoa(w[name]))
	}
	return b.String()
}

// clone returns a copy of w (nil for nil).
func (w Weights) clone() Weights {
	if w == nil {
		return nil
	}
	return maps.Clone(w)
}
