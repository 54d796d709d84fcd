package engine

import (
	"math"
	"sort"
	"time"
)

// Stage is one step of a ramp: the value (arrivals per second, or virtual
// users) moves linearly to Target over Duration. A zero Duration is not a
// valid stage.
type Stage struct {
	Target   float64
	Duration time.Duration
}

// Schedule is a value over time made of linear segments: an arrival rate
// for open-model loads, a number of virtual users for closed ones. For a
// rate, arrival n (from 0) is due when the rate's integral reaches n, so
// Offset is a pure function of n: tested with tables, no clock. The zero
// value is empty: no arrivals, length 0.
type Schedule struct {
	segs []segment
}

// segment is the value going linearly from `from` to `to` over [start,
// start+dur); before is the integral up to start (arrivals due earlier).
type segment struct {
	start, dur time.Duration
	from, to   float64
	before     float64
}

func (s segment) end() time.Duration { return s.start + s.dur }

// area is the integral of the value over the segment (value × seconds).
func (s segment) area() float64 { return (s.from + s.to) / 2 * s.dur.Seconds() }

// at returns the value at t within the segment.
func (s segment) at(t time.Duration) float64 {
	if s.dur == 0 {
		return s.to
	}
	f := float64(t-s.start) / float64(s.dur)
	return s.from + (s.to-s.from)*f
}

// Constant returns a schedule that holds value for d.
func Constant(value float64, d time.Duration) Schedule {
	return Ramping(value, []Stage{{Target: value, Duration: d}})
}

// Ramping returns a schedule that starts at start and follows stages.
func Ramping(start float64, stages []Stage) Schedule {
	var s Schedule
	from := start
	var at time.Duration
	for _, st := range stages {
		s = s.appendSeg(segment{start: at, dur: st.Duration, from: from, to: st.Target})
		at += st.Duration
		from = st.Target
	}
	return s
}

func (s Schedule) appendSeg(g segment) Schedule {
	if g.dur <= 0 {
		return s
	}
	segs := make([]segment, len(s.segs), len(s.segs)+1)
	copy(segs, s.segs)
	if n := len(segs); n > 0 {
		g.before = segs[n-1].before + segs[n-1].area()
	}
	return Schedule{segs: append(segs, g)}
}

// Length returns when the schedule ends.
func (s Schedule) Length() time.Duration {
	if len(s.segs) == 0 {
		return 0
	}
	return s.segs[len(s.segs)-1].end()
}

// Total returns the integral over the whole schedule: for a rate, the
// number of arrivals (rounded up to whole arrivals).
func (s Schedule) Total() int64 {
	if len(s.segs) == 0 {
		return 0
	}
	last := s.segs[len(s.segs)-1]
	return int64(math.Ceil(last.before + last.area() - 1e-9))
}

// At returns the value at t; 0 outside the schedule.
func (s Schedule) At(t time.Duration) float64 {
	if t < 0 || t >= s.Length() {
		return 0
	}
	return s.segs[s.find(t)].at(t)
}

// find returns the index of the segment that contains t (t < Length).
func (s Schedule) find(t time.Duration) int {
	return sort.Search(len(s.segs), func(i int) bool { return s.segs[i].end() > t })
}

// Offset returns when arrival n (counting from 0) is due, and false when
// the schedule has no arrival n.
func (s Schedule) Offset(n int64) (time.Duration, bool) {
	m := float64(n)
	i := sort.Search(len(s.segs), func(i int) bool {
		g := s.segs[i]
		return g.before+g.area() > m
	})
	if i == len(s.segs) {
		return 0, false
	}
	g := s.segs[i]
	m -= g.before // arrivals into this segment
	// Solve from·t + k·t² = m for t in seconds, k = (to-from)/(2·dur),
	// in the form that does not cancel when k is small.
	a := g.from
	k := (g.to - g.from) / (2 * g.dur.Seconds())
	var t float64
	switch disc := a*a + 4*k*m; {
	case m <= 0:
		// Due at the segment's start. Solved, a segment that starts at
		// rate 0 would give 0/0 here (a ramp from 0, or one after a stretch
		// at 0).
		t = 0
	case k == 0:
		t = m / a
	default:
		t = 2 * m / (a + math.Sqrt(math.Max(disc, 0)))
	}
	if !(t >= 0) { // NaN or below 0 from rounding: never before the segment
		t = 0
	}
	off := g.start + time.Duration(t*float64(time.Second))
	if off >= g.end() || off < g.start { // rounding at the segment's end, or overflow
		off = g.end() - 1
	}
	return off, true
}

// Retarget returns the schedule with everything from `at` on replaced: the
// value moves linearly from its value at `at` to `to` over `over` (at once
// when over is 0), then holds `to` until the schedule's original end. What
// was due before `at` is unchanged, so arrivals already made keep their
// times. Retargeting at or after the end changes nothing.
func (s Schedule) Retarget(at time.Duration, to float64, over time.Duration) Schedule {
	end := s.Length()
	if at >= end {
		return s
	}
	if at < 0 {
		at = 0
	}
	cur := s.At(at)
	var out Schedule
	for _, g := range s.segs {
		if g.start >= at {
			break
		}
		if g.end() > at { // cut the segment at `at`
			g.to = g.at(at)
			g.dur = at - g.start
		}
		out = out.appendSeg(g)
	}
	if over > end-at {
		// The ramp is cut by the end: it reaches the value it has there.
		to = cur + (to-cur)*float64(end-at)/float64(over)
		over = end - at
	}
	out = out.appendSeg(segment{start: at, dur: over, from: cur, to: to})
	out = out.appendSeg(segment{start: at + over, dur: end - at - over, from: to, to: to})
	return out
}

// step is a change in the whole number of virtual users.
type step struct {
	at    time.Duration
	count int
}

// steps returns, in time order, every change of the schedule's value
// rounded down to a whole number: when a closed-model load starts or stops
// a virtual user. The first step is at 0; the last, at the end, is to 0.
func (s Schedule) steps() []step {
	if len(s.segs) == 0 {
		return nil
	}
	out := []step{{at: 0, count: int(s.segs[0].from)}}
	cur := out[0].count
	add := func(at time.Duration, c int) {
		if c == cur {
			return
		}
		if n := len(out); out[n-1].at == at {
			out[n-1].count = c
		} else {
			out = append(out, step{at: at, count: c})
		}
		cur = c
	}
	for _, g := range s.segs {
		frac := func(v float64) time.Duration { // when the value is v
			return g.start + time.Duration((v-g.from)/(g.to-g.from)*float64(g.dur))
		}
		switch {
		case g.to > g.from: // one more user each time the value reaches k
			for k := math.Floor(g.from) + 1; k <= g.to; k++ {
				add(frac(k), int(k))
			}
		case g.to < g.from: // one fewer just after the value passes below k
			for k := math.Floor(g.from); k > g.to; k-- {
				add(frac(k)+1, int(k)-1)
			}
		}
	}
	add(s.Length(), 0)
	return out
}
