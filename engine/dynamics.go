package engine

import (
	"fmt"
	"math"
	"strconv"
	"time"
)

// The dynamic verdicts: how a system under test behaved around faults,
// measured on the run's timeline (Result.Phases, Result.Events) and the
// per-second series. The functions below are pure, for tests on synthetic
// timelines.

// dynamic is time_to_detect or time_to_recover for one window.
type dynamic struct {
	window Phase
	// value is the time measured; never is set when the thing never
	// happened before the run's end.
	value time.Duration
	never bool
	// at is when it happened, from the run's start: the detecting event,
	// or the start of the first steady second.
	at time.Duration
	// by names the detecting event: `route "green" breaker`.
	by string
}

// timeToDetect returns, for each window (a fault), the time from its
// start to the first Detection event at or after that start, whenever it
// comes before the run's end; never when none does.
func timeToDetect(ws []Phase, events []Event) []dynamic {
	out := make([]dynamic, len(ws))
	for i, w := range ws {
		out[i] = dynamic{window: w, never: true}
		for _, e := range events {
			if e.Detection && e.At >= w.Start {
				out[i] = dynamic{window: w, value: e.At - w.Start, at: e.At, by: e.Source + " " + e.Kind}
				break
			}
		}
	}
	return out
}

// steady is the steady state time_to_recover waits for: an error rate and
// a p95 (µs) at most these.
type steady struct {
	errorRate float64
	p95       int64
}

func (s steady) String() string {
	return fmt.Sprintf("p95 ≤ %s, error rate ≤ %s%%", formatMicros(s.p95), strconv.FormatFloat(s.errorRate*100, 'f', 2, 64))
}

// Default steady state from a baseline: at most one percentage point more
// errors, and a p95 at most 20 % (and 1 ms) slower. Per-second figures
// are noisy; these margins keep a healthy service from looking
// unrecovered by chance, and are small next to what a fault does.
const (
	steadyErrorMargin = 0.01
	steadyP95Factor   = 1.2
	steadyP95Slack    = 1000 // µs
)

// baseline returns the error rate and p95 (µs) of the traffic in the
// whole seconds before offset before, and how many requests that was.
func baseline(secs []secondData, before time.Duration) (errorRate float64, p95 int64, count int64) {
	var h SecondHistogram
	var failures int64
	for s := range secs {
		if time.Duration(s+1)*time.Second > before {
			break
		}
		count += secs[s].count
		failures += secs[s].failures
		h.Merge(&secs[s].latency)
	}
	if count == 0 {
		return 0, 0, 0
	}
	return float64(failures) / float64(count), h.ValueAtQuantile(95), count
}

// steadyState returns the steady state c's time_to_recover waits for: its
// steady_p95 and steady_error_rate when given, else derived from the
// baseline before the first window (see the margins above). ok is false
// when a part must be derived and there was no traffic before the first
// window.
func steadyState(c Check, secs []secondData, ws []Phase) (st steady, ok bool) {
	first := time.Duration(math.MaxInt64)
	for _, w := range ws {
		first = min(first, w.Start)
	}
	rate, p95, n := baseline(secs, first)
	st = steady{errorRate: min(rate+steadyErrorMargin, 1), p95: int64(steadyP95Factor*float64(p95)) + steadyP95Slack}
	if c.Spec.SteadyP95 > 0 {
		st.p95 = int64(c.Spec.SteadyP95 / time.Microsecond)
	}
	if c.steadyErrorRate >= 0 {
		st.errorRate = c.steadyErrorRate
	}
	return st, n > 0 || c.Spec.SteadyP95 > 0 && c.steadyErrorRate >= 0
}

// timeToRecover returns, for each window (a fault), the time from its end
// to the first second s, at or after the end, that is within st on its
// own and such that the stable seconds from s on each had requests and,
// taken together, an error rate and a p95 within st; never when no such s
// comes before the run's end. The stretch is judged as a whole because a
// second's p95 alone is noisy at low rates; s itself must be within st so
// that a recovery is never dated to a second still broken. The seconds
// are whole seconds of the timeline, so the time is measured to the start
// of s (and is 0 when the fault ended on s).
func timeToRecover(ws []Phase, secs []secondData, st steady, stable int) []dynamic {
	out := make([]dynamic, len(ws))
	for i, w := range ws {
		out[i] = dynamic{window: w, never: true}
		first := int((w.End + time.Second - 1) / time.Second)
		for s := first; s+stable <= len(secs); s++ {
			if healthy(secs[s:s+1], st) && healthy(secs[s:s+stable], st) {
				at := time.Duration(s) * time.Second
				out[i] = dynamic{window: w, value: max(at-w.End, 0), at: at}
				break
			}
		}
	}
	return out
}

// healthy reports whether every second had requests and all of them
// together were within st.
func healthy(secs []secondData, st steady) bool {
	var h SecondHistogram
	var count, failures int64
	for i := range secs {
		if secs[i].count == 0 {
			return false
		}
		count += secs[i].count
		failures += secs[i].failures
		h.Merge(&secs[i].latency)
	}
	return float64(failures)/float64(count) <= st.errorRate && h.ValueAtQuantile(95) <= st.p95
}

// worst returns the index of the worst result: one that never happened,
// else the longest.
func worst(ds []dynamic) int {
	w := 0
	for i, d := range ds {
		switch {
		case d.never && !ds[w].never:
			w = i
		case d.never == ds[w].never && d.value > ds[w].value:
			w = i
		}
	}
	return w
}

// breakerOpens counts the breaker openings (Detection events of kind
// "breaker") inside the windows.
func breakerOpens(ws []Phase, events []Event) int {
	n := 0
	for _, e := range events {
		if e.Kind != "breaker" || !e.Detection {
			continue
		}
		for _, w := range ws {
			if w.Contains(e.At) {
				n++
				break
			}
		}
	}
	return n
}

// offset renders an offset on the run's timeline: "+20.5s".
func offset(d time.Duration) string { return "+" + d.Round(time.Millisecond).String() }

// evaluateDynamics evaluates time_to_detect, time_to_recover and
// breaker_opens. A time that never came is +Inf: "< 5s" fails and the
// detail says which fault it was.
func (r *Result) evaluateDynamics(c Check) CheckResult {
	res := CheckResult{Check: c}
	ws, why := r.windows(c)
	if len(ws) == 0 {
		res.NoData, res.Detail = true, why
		return res
	}
	var ds []dynamic
	var st steady
	switch c.Spec.Metric {
	case "breaker_opens":
		res.Measured = float64(breakerOpens(ws, r.Events))
		res.Passed = c.Holds(res.Measured)
		return res
	case "time_to_detect":
		ds = timeToDetect(ws, r.Events)
	default:
		d := r.seriesData(c.Spec)
		var ok bool
		if st, ok = steadyState(c, d.secs, ws); !ok {
			res.NoData = true
			res.Detail = fmt.Sprintf("no traffic before %s to measure the steady state on; give steady_p95 and steady_error_rate", describePhase(ws[0]))
			return res
		}
		ds = timeToRecover(ws, d.secs, st, int(c.stable()/time.Second))
	}
	w := ds[worst(ds)]
	res.Measured = math.Inf(1)
	if !w.never {
		res.Measured = float64(w.value) / float64(time.Millisecond)
	}
	res.Passed = c.Holds(res.Measured)
	of := ""
	if len(ds) > 1 {
		of = fmt.Sprintf("worst of %d: ", len(ds))
	}
	of += fmt.Sprintf("%s (%s to %s)", describePhase(w.window), offset(w.window.Start), offset(w.window.End))
	switch {
	case c.Spec.Metric == "time_to_detect" && w.never:
		res.Detail = of + ": no detection by the run's end"
	case c.Spec.Metric == "time_to_detect":
		res.Detail = fmt.Sprintf("%s: %s at %s", of, w.by, offset(w.at))
	case w.never:
		res.Detail = fmt.Sprintf("%s: not back to %s for %s by the run's end", of, st, c.stable())
	default:
		res.Detail = fmt.Sprintf("%s: back to %s from %s", of, st, offset(w.at))
	}
	return res
}
