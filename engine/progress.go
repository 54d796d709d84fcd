package engine

import (
	"slices"
	"time"

	"github.com/reslua/reslua/internal/printable"
)

// Progress is a cheap live view of a run, for a progress display: counters,
// the last complete second of each load, and the state of the run's
// routers, breakers, faults and rollout. Taking one costs a few locks and
// one small histogram merge per request name.
type Progress struct {
	// Elapsed is the time since the run started; Length the plan's
	// length (when the last load is planned to end), 0 when unknown.
	Elapsed, Length time.Duration
	Loads           []LoadProgress
	// Routes are every router's routes with their weights now.
	Routes []RouteProgress
	// Breakers are the targets' client-side breakers.
	Breakers []BreakerProgress
	// Faults are the faults active now.
	Faults []FaultProgress
	// Step names the rollout step under way ("green 25%"); "" when none.
	Step string
}

// LoadProgress is what one load has done so far.
type LoadProgress struct {
	// Name is the load's name, as printable.Name shows it (as are all
	// the names in a Progress: it is for display).
	Name                       string
	Scheduled, Dropped, Unsent int64
	Completed, Failures        int64
	Done                       bool
	// Target is the planned rate now (requests per second), or the number
	// of virtual users of a closed load.
	Target float64
	Closed bool
	// Last is the last second of the run's timeline whose requests have
	// all ended (at most progressBack seconds before the current one):
	// their count, failures and p95. Zero when none has.
	Last SecondProgress
}

// SecondProgress sums up one second of a load.
type SecondProgress struct {
	// Offset is the second's start from the run's start.
	Offset          time.Duration
	Count, Failures int64
	P95             time.Duration
}

// progressBack is how far back Progress looks for a second whose
// requests have all ended.
const progressBack = 10

// RouteProgress is one route of a router, now.
type RouteProgress struct {
	Router, Route string
	Weight        int
	// Breaker is the route's breaker state ("closed", "open",
	// "half_open"); "" without a breaker.
	Breaker string
}

// BreakerProgress is a target's client-side breaker, now.
type BreakerProgress struct{ Target, State string }

// FaultProgress is an active fault.
type FaultProgress struct{ Proxy, Label, Kind string }

// Progress returns the run's live view. Safe to call from any goroutine
// while the run goes on.
func (r *Run) Progress() Progress {
	r.mu.Lock()
	loads := slices.Clone(r.loads)
	routers := slices.Clone(r.routers)
	targets := slices.Clone(r.targets)
	proxies := slices.Clone(r.proxies)
	length := r.plan.Length
	r.mu.Unlock()
	p := Progress{Elapsed: r.Elapsed(), Length: length}
	last := int(p.Elapsed/time.Second) - 1 // the last complete second
	for _, l := range loads {
		lp := LoadProgress{
			Name:      printable.Name(l.spec.Name),
			Scheduled: l.scheduled.Load(),
			Dropped:   l.dropped.Load(),
			Unsent:    l.unsent.Load(),
			Closed:    l.spec.Closed,
		}
		select {
		case <-l.done:
			lp.Done = true
		default:
		}
		l.mu.Lock()
		sched, begin := l.sched, l.begin
		l.mu.Unlock()
		if !lp.Done && !begin.IsZero() {
			lp.Target = sched.At(r.clock.Now().Sub(begin))
		}
		// The last second whose requests have all ended: a second read
		// while its slow requests are in flight would show the fast ones
		// alone.
		sec := last
		for ; !lp.Done && sec >= 0 && sec > last-progressBack; sec-- {
			at := time.Duration(sec) * time.Second
			if n, behind := l.track.unfinished([]string{""}, at, at+time.Second); n == 0 && !behind {
				break
			}
		}
		if sec <= last-progressBack {
			sec = -1
		}
		lp.Last.Offset = time.Duration(max(sec, 0)) * time.Second
		var h SecondHistogram
		for _, s := range l.names {
			c, f := s.counts()
			lp.Completed += c
			lp.Failures += f
			if sec >= 0 {
				n, fails := s.second(sec, &h)
				lp.Last.Count += n
				lp.Last.Failures += fails
			}
		}
		if h.TotalCount() > 0 {
			lp.Last.P95 = time.Duration(h.ValueAtQuantile(95)) * time.Microsecond
		}
		p.Loads = append(p.Loads, lp)
	}
	for _, ro := range routers {
		w := ro.Weights()
		for _, name := range ro.Routes() {
			rp := RouteProgress{Router: printable.Name(ro.Name()), Route: printable.Name(name), Weight: w[name]}
			if b := ro.dr.RouteBreaker(name); b != nil {
				rp.Breaker = b.Stats().State.String()
			}
			p.Routes = append(p.Routes, rp)
		}
	}
	for _, t := range targets {
		if t.breaker != nil {
			p.Breakers = append(p.Breakers, BreakerProgress{Target: printable.Name(t.spec.Name), State: t.breaker.Stats().State.String()})
		}
	}
	for _, fp := range proxies {
		faults := fp.p.Faults() // before fp.mu: the proxy's events take it
		fp.mu.Lock()
		for _, f := range faults {
			if in := fp.faults[f.ID]; in != nil && f.Active {
				p.Faults = append(p.Faults, FaultProgress{Proxy: printable.Name(fp.name), Label: printable.Name(in.label), Kind: f.Kind})
			}
		}
		fp.mu.Unlock()
	}
	// Open phases end at the horizon given to all: just after now.
	for _, ph := range r.phases.all(p.Elapsed + time.Nanosecond) {
		if ph.Kind == "step" && ph.Contains(p.Elapsed) {
			p.Step = printable.Name(ph.Name)
		}
	}
	return p
}

// second adds second sec of s's series into h and returns its count and
// failures.
func (s *requestStats) second(sec int, h *SecondHistogram) (count, failures int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := sec - s.series.base
	if i < 0 || i >= len(s.series.secs) || s.series.secs[i] == nil {
		return 0, 0
	}
	b := s.series.secs[i]
	h.Merge(&b.latency)
	for _, e := range b.errors {
		if e.kind.IsFailure() {
			failures += e.n
		}
	}
	return b.count, failures
}
