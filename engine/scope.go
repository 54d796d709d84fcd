package engine

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/reslua/reslua/internal/suggest"
)

// Time-scoped and sustained checks. A check with During or From/To looks
// at stretches of the run's timeline (windows); the per-second series
// tell what happened in each second; scopeSeconds says which seconds a
// window covers.

// phaseKinds are the kinds of phase that During may name as a whole.
var phaseKinds = []string{"fault", "rollout", "step"}

// matchPhases returns the phases that during names: every phase of a
// kind, or those whose Kind+" "+Name or Name is during. A kind with no
// phase matches none without error (the thing did not happen); a name
// that matches nothing is an error with the closest known name.
func matchPhases(during string, phases []Phase) ([]Phase, error) {
	var out []Phase
	if slices.Contains(phaseKinds, during) {
		for _, p := range phases {
			if p.Kind == during {
				out = append(out, p)
			}
		}
		return out, nil
	}
	var names, full []string
	for _, p := range phases {
		if p.Kind+" "+p.Name == during || p.Name == during {
			out = append(out, p)
		}
		names = append(names, p.Name)
		full = append(full, p.Kind+" "+p.Name)
	}
	if len(out) > 0 {
		return out, nil
	}
	known := append(names, phaseKinds...)
	slices.Sort(known)
	known = slices.Compact(known)
	msg := fmt.Sprintf("during: no phase named %q on the run's timeline", during)
	if alt := suggest.Closest(during, append(known, full...)); alt != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", alt)
	}
	if len(phases) == 0 {
		msg += "; the timeline had no phases"
	} else {
		msg += "; known: " + strings.Join(known, ", ")
	}
	return nil, errors.New(msg)
}

// scopeError reports a check whose During names no phase of the run's
// timeline, with the closest known name; nil otherwise. Only the finished
// run's Result knows its phases.
func (r *Result) scopeError(c Check) error {
	if c.Spec.During == "" {
		return nil
	}
	_, err := matchPhases(c.Spec.During, r.Phases)
	return err
}

// windows returns the stretches of the timeline that c looks at: the
// phases During names, From–To, every fault for time_to_detect and
// time_to_recover, else the whole run. When there are none it says why.
func (r *Result) windows(c Check) ([]Phase, string) {
	s := c.Spec
	during := s.During
	if during == "" && !c.timeScoped() && (s.Metric == "time_to_detect" || s.Metric == "time_to_recover") {
		during = "fault"
	}
	switch {
	case during != "":
		ps, err := matchPhases(during, r.Phases)
		if err != nil {
			return nil, err.Error()
		}
		if len(ps) == 0 {
			return nil, fmt.Sprintf("no %s phase on the run's timeline", during)
		}
		return ps, ""
	case c.timeScoped():
		end := s.To
		if end == 0 || end > r.Elapsed {
			end = r.Elapsed
		}
		if s.From >= end {
			return nil, fmt.Sprintf("from %s is not before the run's end (+%s)", s.From, r.Elapsed.Round(time.Millisecond))
		}
		name := "from " + s.From.String()
		if s.To > 0 {
			name += " to " + s.To.String()
		}
		return []Phase{{Kind: "window", Name: name, Start: s.From, End: end}}, ""
	}
	return []Phase{{Kind: "run", Start: 0, End: r.Elapsed}}, ""
}

// describePhase names a window for a check's detail.
func describePhase(p Phase) string {
	switch p.Kind {
	case "window":
		return "the window"
	case "run":
		return "the run"
	}
	return fmt.Sprintf("%s %q", p.Kind, p.Name)
}

// scopeSeconds returns, for each of the n seconds of the timeline,
// whether it is inside the windows: a second belongs to them when its
// midpoint does, so that adjacent phases (the steps of a rollout) share
// no second and a window covers its length to within half a second at
// either end. A window shorter than a second that holds no midpoint gets
// the second that holds its own midpoint.
func scopeSeconds(ws []Phase, n int) []bool {
	in := make([]bool, n)
	for _, p := range ws {
		if p.End <= p.Start {
			continue
		}
		found := false
		for s := max(int(p.Start/time.Second), 0); s < n && time.Duration(s)*time.Second < p.End; s++ {
			if p.Contains(time.Duration(s)*time.Second + time.Second/2) {
				in[s] = true
				found = true
			}
		}
		if s := int((p.Start + (p.End-p.Start)/2) / time.Second); !found && s < n {
			in[s] = true
		}
	}
	return in
}

// secondData is one second of the traffic a check looks at, merged over
// its loads and request names.
type secondData struct {
	count, failures, dropped, unsent int64
	latency                          SecondHistogram
	// active is set when one of the check's loads sent during the second.
	active bool
}

// loadSeconds is one load's share of a seriesData, for rates: requests
// per second, and how much of each second the load was sending.
type loadSeconds struct {
	counts []int64
	cover  []float64 // seconds
}

// seriesData is the per-second traffic a check looks at.
type seriesData struct {
	secs  []secondData
	loads []loadSeconds
}

// seriesData merges the per-second series of the loads and requests that
// spec's load, tag and request scopes select, over every second of the
// run's timeline.
func (r *Result) seriesData(spec CheckSpec) seriesData {
	n := int((r.Elapsed + time.Second - 1) / time.Second)
	var loads []LoadResult
	tagKey, tagValue, _ := strings.Cut(spec.Tag, "=")
	for _, l := range r.Loads {
		if spec.Load != "" && l.Name != spec.Load || spec.Tag != "" && l.Tags[tagKey] != tagValue {
			continue
		}
		loads = append(loads, l)
		for _, q := range l.Requests {
			if len(q.Seconds) > 0 {
				n = max(n, int(q.Seconds[len(q.Seconds)-1].Offset/time.Second)+1)
			}
		}
		if len(l.DroppedSeconds) > 0 {
			n = max(n, int(l.DroppedSeconds[len(l.DroppedSeconds)-1].Offset/time.Second)+1)
		}
		if len(l.UnsentSeconds) > 0 {
			n = max(n, int(l.UnsentSeconds[len(l.UnsentSeconds)-1].Offset/time.Second)+1)
		}
	}
	d := seriesData{secs: make([]secondData, n)}
	for _, l := range loads {
		ls := loadSeconds{counts: make([]int64, n), cover: make([]float64, n)}
		for s := range n {
			from := max(time.Duration(s)*time.Second, l.Start)
			to := min(time.Duration(s+1)*time.Second, l.Start+l.Elapsed)
			if to > from {
				ls.cover[s] = (to - from).Seconds()
				d.secs[s].active = true
			}
		}
		for _, q := range l.Requests {
			if spec.Request != "" && q.Name != spec.Request {
				continue
			}
			for _, st := range q.Seconds {
				s := int(st.Offset / time.Second)
				x := &d.secs[s]
				x.count += st.Count
				x.failures += st.Failures()
				x.latency.Merge(st.Latency)
				ls.counts[s] += st.Count
			}
		}
		for _, dc := range l.DroppedSeconds {
			d.secs[int(dc.Offset/time.Second)].dropped += dc.Count
		}
		for _, uc := range l.UnsentSeconds {
			d.secs[int(uc.Offset/time.Second)].unsent += uc.Count
		}
		d.loads = append(d.loads, ls)
	}
	return d
}

// over returns the aggregate of the seconds in scope. Its rate is, as for
// a whole run, the sum over loads of each one's requests divided by the
// time it was sending within those seconds.
func (d *seriesData) over(in []bool) aggregate {
	h := &SecondHistogram{}
	a := aggregate{latency: h}
	for s, ok := range in {
		if !ok || s >= len(d.secs) {
			continue
		}
		x := &d.secs[s]
		a.count += x.count
		a.failures += x.failures
		a.dropped += x.dropped
		a.unsent += x.unsent
		h.Merge(&x.latency)
	}
	for _, l := range d.loads {
		var n int64
		var cover float64
		for s, ok := range in {
			if ok && s < len(l.counts) {
				n += l.counts[s]
				cover += l.cover[s]
			}
		}
		if cover > 0 {
			a.rate += float64(n) / cover
		}
	}
	return a
}

// at returns the aggregate of second s alone.
func (d *seriesData) at(s int) aggregate {
	x := &d.secs[s]
	a := aggregate{count: x.count, failures: x.failures, dropped: x.dropped, unsent: x.unsent, latency: &x.latency}
	for _, l := range d.loads {
		if l.cover[s] > 0 {
			a.rate += float64(l.counts[s]) / l.cover[s]
		}
	}
	return a
}

// sampleState says what one second tells a sustained check.
type sampleState uint8

const (
	outside sampleState = iota // not in scope, or none of the check's loads was sending
	silent                     // in scope, a load was sending, but no request was due (no latency to judge)
	valued                     // the metric has a value for the second
)

// sample is a sustained check's metric for one second.
type sample struct {
	state sampleState
	v     float64
}

// breach is where a sustained check was broken: seconds from At for
// Length seconds.
type breach struct{ At, Length int }

// sustainedVerdict evaluates a sustained check of d seconds on the
// metric's per-second samples. A window is d consecutive seconds none of
// which is outside and at least one of which has a value; it is broken
// when every value in it breaks the threshold (a second without requests
// while a load was sending, such as closed-model users all stuck waiting
// on timeouts, neither breaks nor holds). The check fails when a window
// is broken. measured is the level the metric held for d seconds at its
// worst: for < and <= the largest over windows of the window's smallest
// value, for > and >= the smallest of the largest, so that the check
// holds exactly when c.Holds(measured). windows is how many windows there
// were (none: no data); b is the first broken stretch, made of the
// broken windows that follow one another from the first.
func sustainedVerdict(c Check, xs []sample, d int) (measured float64, windows int, b breach) {
	worstFirst := c.op == "<" || c.op == "<="
	measured = math.Inf(-1)
	if !worstFirst {
		measured = math.Inf(1)
	}
	// level returns the window from s's value, ok false when it is no
	// window.
	level := func(s int) (float64, bool) {
		lv, n := math.Inf(1), 0
		if !worstFirst {
			lv = math.Inf(-1)
		}
		for _, x := range xs[s : s+d] {
			switch x.state {
			case outside:
				return 0, false
			case valued:
				n++
				if worstFirst {
					lv = min(lv, x.v)
				} else {
					lv = max(lv, x.v)
				}
			}
		}
		return lv, n > 0
	}
	b.At = -1
	for s := 0; s+d <= len(xs); s++ {
		lv, ok := level(s)
		if !ok {
			continue
		}
		windows++
		if worstFirst {
			measured = max(measured, lv)
		} else {
			measured = min(measured, lv)
		}
		if !c.Holds(lv) && b.At < 0 {
			b = breach{At: s, Length: d}
			for k := s + 1; k+d <= len(xs); k++ {
				if lk, ok := level(k); !ok || c.Holds(lk) {
					break
				}
				b.Length = k + d - s
			}
		}
	}
	return measured, windows, b
}

// evaluateSeries evaluates a check on the per-second series: scoped to
// windows of the timeline, or sustained, or both.
func (r *Result) evaluateSeries(c Check) CheckResult {
	res := CheckResult{Check: c}
	ws, why := r.windows(c)
	if len(ws) == 0 {
		res.NoData, res.Detail = true, why
		return res
	}
	d := r.seriesData(c.Spec)
	in := scopeSeconds(ws, len(d.secs))
	m := c.Spec.Metric
	if c.Spec.Sustained == 0 {
		a := d.over(in)
		res.Measured = metricValue(m, a)
		if noData(c, a) {
			res.NoData = true
			return res
		}
		res.Passed = c.Holds(res.Measured)
		return res
	}
	xs := make([]sample, len(d.secs))
	for s := range xs {
		if !in[s] || !d.secs[s].active {
			continue
		}
		a := d.at(s)
		if noData(c, a) {
			xs[s].state = silent
			continue
		}
		xs[s] = sample{state: valued, v: metricValue(m, a)}
	}
	secs := int(c.Spec.Sustained / time.Second)
	measured, windows, b := sustainedVerdict(c, xs, secs)
	if windows == 0 {
		res.NoData = true
		res.Detail = fmt.Sprintf("no %s of traffic in scope to judge", c.Spec.Sustained)
		return res
	}
	res.Measured = measured
	res.Passed = c.Holds(measured)
	if b.At >= 0 {
		res.Detail = fmt.Sprintf("broken for %ds from +%ds", b.Length, b.At)
	}
	return res
}
