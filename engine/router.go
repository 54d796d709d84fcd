package engine

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/reslua/reslua/breaker"
	"github.com/reslua/reslua/deploy"
	"github.com/reslua/reslua/internal/suggest"
)

// RouterSpec describes a weighted router (package deploy) in front of
// targets of the run. A router is itself a target: loads send to it, and
// it sends each request on to one of its routes by weight.
type RouterSpec struct {
	// Name names the router and the target it is. Required; unique among
	// targets and routers.
	Name string
	// Routes are the targets behind the router, each a route named after
	// its target. Required: 1 to 64, distinct, all with the same MCP path
	// (a request's path is sent on unchanged).
	Routes []RouteSpec
	// Breaker gives every route without its own a server-side circuit
	// breaker, which ejects the route while open (its share goes to the
	// others). Zero (nil): none.
	Breaker *breaker.Settings
	// Sticky keeps each MCP session on the route that issued it. Zero:
	// every request is balanced on its own.
	Sticky bool
	// Balance is "round_robin" (smooth weighted round-robin, exact) or
	// "random" (seeded draws). Zero: "round_robin".
	Balance string
	// Seed seeds the "random" balance. Zero: the seed 0.
	Seed uint64
	// Timeout bounds each request a load sends through the router. Zero:
	// the longest timeout of the routes' targets.
	Timeout time.Duration
}

// RouteSpec is one route of a router.
type RouteSpec struct {
	// Target is the backend; the route is named after it. Required.
	Target *Target
	// Weight is the route's initial weight, >= 0. At least one route of a
	// router has weight above zero.
	Weight int
	// Breaker overrides RouterSpec.Breaker for this route. Zero (nil):
	// the router's.
	Breaker *breaker.Settings
}

// Balances lists the values of RouterSpec.Balance.
var Balances = []string{"round_robin", "random"}

// Validate returns every problem with s, each naming its key.
func (s RouterSpec) Validate() error {
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if s.Name == "" {
		fail("name: required, e.g. \"mcp\"")
	}
	if len(s.Routes) == 0 {
		fail("routes: expected at least one route, as in { blue = 100, green = 0 }")
	}
	if len(s.Routes) > 64 {
		fail("routes: at most 64 routes, got %d", len(s.Routes))
	}
	seen := map[string]bool{}
	positive, negative := false, false
	path := ""
	for _, r := range s.Routes {
		if r.Target == nil {
			fail("routes: a route has no target")
			continue
		}
		name := r.Target.Name()
		if seen[name] {
			fail("routes[%q]: named twice", name)
		}
		seen[name] = true
		if r.Weight < 0 {
			fail("routes[%q]: weight must be >= 0, got %d", name, r.Weight)
		}
		positive = positive || r.Weight > 0
		u, _ := url.Parse(r.Target.URL())
		if path == "" {
			path = u.Path
		} else if u.Path != path {
			fail("routes[%q]: its target's path %q differs from %q; a router sends each request's path on unchanged, so its routes must serve the same path", name, u.Path, path)
		}
		if r.Breaker != nil {
			errs = append(errs, breakerProblems(fmt.Sprintf("routes[%q]: breaker", name), *r.Breaker)...)
			if r.Breaker.Fallback != nil {
				fail("routes[%q]: breaker: fallback: a route's breaker ejects the route; only a target's (client-side) breaker serves a fallback", name)
			}
		}
		negative = negative || r.Weight < 0
	}
	if len(s.Routes) > 0 && !positive && !negative {
		fail("routes: every weight is 0; at least one route needs traffic")
	}
	if s.Breaker != nil {
		errs = append(errs, breakerProblems("breaker", *s.Breaker)...)
		if s.Breaker.Fallback != nil {
			fail("breaker: fallback: a route's breaker ejects the route; only a target's (client-side) breaker serves a fallback")
		}
	}
	if s.Balance != "" && !slices.Contains(Balances, s.Balance) {
		msg := fmt.Sprintf("balance: expected %s, got %q", strings.Join(Balances, " or "), s.Balance)
		if alt := suggest.Closest(s.Balance, Balances); alt != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", alt)
		}
		fail("%s", msg)
	}
	if s.Timeout < 0 {
		fail("timeout: must not be negative, got %s", s.Timeout)
	}
	return errors.Join(errs...)
}

// Router is a weighted router made by Run.AddRouter. Its methods are safe
// for concurrent use.
type Router struct {
	spec   RouterSpec
	target *Target
	dr     *deploy.Router // not started in a dry run
	run    *Run

	mu      sync.Mutex
	seconds []RouteSecond // per-second traffic, sampled while the run goes on
	stop    context.CancelFunc
	sampled chan struct{}  // closed when the sampler has ended
	final   deploy.Mark    // the sampler's last mark, taken once the router closed
	mark    deploy.Mark    // the start of the current weights' period
	periods []weightPeriod // closed periods, for the requested split
}

// weightPeriod is a stretch of time under one set of weights, with the
// traffic the router routed during it.
type weightPeriod struct {
	weights  map[string]int
	requests map[string]int64
}

// Name returns the router's name.
func (r *Router) Name() string { return r.spec.Name }

// Target returns the target loads send to, to reach the router.
func (r *Router) Target() *Target { return r.target }

// Routes returns the route names in declaration order.
func (r *Router) Routes() []string {
	names := make([]string, len(r.spec.Routes))
	for i, rt := range r.spec.Routes {
		names[i] = rt.Target.Name()
	}
	return names
}

// Weights returns the weights in force, every route named.
func (r *Router) Weights() map[string]int { return r.dr.CurrentWeights() }

// SetWeights replaces the weights at once; requests under way keep their
// route. A route w does not name gets 0. The error names every problem
// (negative weight, unknown route, no weight above zero) and nothing
// changes then. why, when not empty, is recorded with the change on the
// run's timeline.
func (r *Router) SetWeights(w map[string]int, why string) error {
	known := r.Routes()
	var errs []error
	positive := false
	for name, v := range w {
		if !slices.Contains(known, name) {
			errs = append(errs, unknownName("route", name, known))
		}
		if v < 0 {
			errs = append(errs, fmt.Errorf("%s: weight must be >= 0, got %d", name, v))
		}
		positive = positive || v > 0
	}
	if len(errs) == 0 && !positive {
		errs = append(errs, errors.New("every weight is 0; at least one route needs traffic"))
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	full := make(map[string]int, len(known))
	for _, n := range known {
		full[n] = w[n]
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closePeriodLocked(r.dr.Mark()) // under the weights still in force
	if err := r.dr.SetWeights(deploy.Weights(full)); err != nil {
		return err
	}
	msg := formatWeights(full, known)
	if why != "" {
		msg += " (" + why + ")"
	}
	r.run.events.add(Event{At: r.run.Elapsed(), Source: fmt.Sprintf("router %q", r.spec.Name), Kind: "weights", Message: msg})
	return nil
}

// closePeriodLocked ends the current weights' period at the mark now;
// r.mu is held.
func (r *Router) closePeriodLocked(now deploy.Mark) {
	st := r.dr.Between(r.mark, now)
	r.mark = now
	p := weightPeriod{weights: r.dr.CurrentWeights(), requests: map[string]int64{}}
	for _, rs := range st.Routes {
		p.requests[rs.Name] = rs.Requests
	}
	r.periods = append(r.periods, p)
}

// Since returns the router's traffic after m (see deploy.Router.Since).
func (r *Router) Since(m deploy.Mark) deploy.Stats { return r.dr.Since(m) }

// Between returns the router's traffic between the marks m and now (see
// deploy.Router.Between).
func (r *Router) Between(m, now deploy.Mark) deploy.Stats { return r.dr.Between(m, now) }

// Mark returns a snapshot of the router's counters, for Since.
func (r *Router) Mark() deploy.Mark { return r.dr.Mark() }

// formatWeights renders weights in route order: "blue=90 green=10".
func formatWeights(w map[string]int, order []string) string {
	parts := make([]string, 0, len(order))
	for _, n := range order {
		parts = append(parts, fmt.Sprintf("%s=%d", n, w[n]))
	}
	return strings.Join(parts, " ")
}

// AddRouter validates spec, starts the router on 127.0.0.1 (not in a dry
// run) and returns it. Its target, named spec.Name, is what loads send to.
func (r *Run) AddRouter(ctx context.Context, spec RouterSpec) (*Router, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	r.mu.Lock()
	taken := r.targetNamedLocked(spec.Name)
	r.mu.Unlock()
	if taken {
		return nil, fmt.Errorf("name: a target or router named %q already exists", spec.Name)
	}

	routes := make([]deploy.Route, len(spec.Routes))
	weights := deploy.Weights{}
	timeout := spec.Timeout
	for i, rt := range spec.Routes {
		u, _ := url.Parse(rt.Target.URL())
		routes[i] = deploy.Route{Name: rt.Target.Name(), URL: u.Scheme + "://" + u.Host, Breaker: rt.Breaker}
		weights[rt.Target.Name()] = rt.Weight
		if spec.Timeout == 0 {
			timeout = max(timeout, rt.Target.spec.Timeout)
		}
	}
	dr := &deploy.Router{
		Routes:   routes,
		Weights:  weights,
		Breaker:  spec.Breaker,
		Sticky:   spec.Sticky,
		Seed:     spec.Seed,
		Clock:    r.clock,
		ErrorLog: log.New(r.cfg.Log, fmt.Sprintf("router %q: ", spec.Name), 0),
	}
	if spec.Balance == "random" {
		dr.Balance = deploy.Random
	}
	if err := dr.Validate(); err != nil {
		return nil, err
	}
	first, _ := url.Parse(spec.Routes[0].Target.URL())
	addr := "127.0.0.1:0"
	if !r.cfg.DryRun {
		if err := dr.Start(ctx); err != nil {
			return nil, fmt.Errorf("%w: router %q: %v", ErrRuntime, spec.Name, err)
		}
		addr = dr.Addr()
	}
	t := newTarget(TargetSpec{Name: spec.Name, URL: "http://" + addr + first.Path, Timeout: timeout}, r.cfg.ClientVersion, r.clock)
	// The zero mark is the router's start: the first period and the first
	// second count every request from the router's first.
	ro := &Router{spec: spec, target: t, dr: dr, run: r}
	if !r.cfg.DryRun {
		ro.startSampler()
	}
	r.mu.Lock()
	r.targets = append(r.targets, t)
	r.routers = append(r.routers, ro)
	r.plan.Routers = append(r.plan.Routers, spec)
	r.mu.Unlock()
	return ro, nil
}

// close stops the router (requests still under way are cut) and then its
// sampler, which takes a last, partial second: no request arrives after
// the sampler's last mark, which the totals are taken at too.
func (r *Router) close() {
	r.dr.Close()
	if r.stop != nil {
		r.stop()
		<-r.sampled
	}
}

// RouteSecond is one second of a router's traffic on the run's timeline:
// per route, the requests that arrived in it and the errors the router
// counted in it (at a reply's status, or when a reply was cut).
type RouteSecond struct {
	Offset time.Duration // from the run's start
	Routes []RouteCount  // in the order of the router's routes
}

// RouteCount is one route's share of a second.
type RouteCount struct {
	Name             string
	Requests, Errors int64
}

// samplerHook, when set (by tests), is called first in a router's sampler
// goroutine: it holds the sampler back as a loaded machine may.
var samplerHook func()

// startSampler samples the router's counters at every whole second of the
// run's timeline, for the per-second series of its routes (RouterResult.
// Seconds): the split moving step by step, a route ejected by its breaker.
func (r *Router) startSampler() {
	ctx, cancel := context.WithCancel(context.Background())
	r.stop, r.sampled = cancel, make(chan struct{})
	run := r.run
	go func() {
		defer close(r.sampled)
		if samplerHook != nil {
			samplerHook()
		}
		// From the router's start (the zero mark), not from the moment
		// this goroutine runs: the router already serves. Each mark ends
		// one second and starts the next, so that no request falls
		// between two.
		var mark deploy.Mark
		sec := int(run.Elapsed() / time.Second)
		for {
			next := run.start.Add(time.Duration(sec+1) * time.Second)
			stopped := run.clock.SleepUntil(ctx, next) != nil
			now := r.dr.Mark()
			st := r.dr.Between(mark, now)
			mark = now
			s := RouteSecond{Offset: time.Duration(sec) * time.Second}
			var traffic bool
			for _, rs := range st.Routes {
				s.Routes = append(s.Routes, RouteCount{Name: rs.Name, Requests: rs.Requests, Errors: rs.Errors})
				traffic = traffic || rs.Requests > 0
			}
			if traffic {
				r.mu.Lock()
				r.seconds = append(r.seconds, s)
				r.mu.Unlock()
			}
			if stopped {
				r.mu.Lock()
				r.final = now
				r.mu.Unlock()
				return
			}
			sec++
		}
	}()
}

// RouterResult is what a router did over the run.
type RouterResult struct {
	Name string
	// Requests counts every request the router answered; Errors those
	// whose client saw a 5xx or a transport error; Unrouted those answered
	// 503 because every route with weight was ejected.
	Requests, Errors, Unrouted int64
	Routes                     []RouteResult
	// Seconds is the routes' traffic per second of the run's timeline
	// (requests counted in the second they arrived), for the seconds with
	// any. Its sums are the totals.
	Seconds []RouteSecond
}

// RouteResult is one route's part of a router's traffic.
type RouteResult struct {
	Name string
	// Weight is the route's final weight.
	Weight int
	// Requested is the share, in percent, that the weights in force asked
	// for, weighted by the traffic under each set of weights; Achieved the
	// share it got.
	Requested, Achieved float64
	Requests, Errors    int64
	// Diverted counts requests its breaker turned away to other routes.
	Diverted int64
	// Breaker is what the route's server-side breaker did; nil without one.
	Breaker *BreakerResult
	// Latency is the router's measure of the route's requests, from their
	// receipt to the end of the reply.
	Latency deploy.Latency
}

// result closes the last period and sums up the router's traffic.
func (r *Router) result(start time.Time) RouterResult {
	res := RouterResult{Name: r.spec.Name}
	r.mu.Lock()
	defer r.mu.Unlock()
	names := r.Routes()
	weights := r.dr.CurrentWeights()
	if r.run.cfg.DryRun {
		for _, n := range names {
			res.Routes = append(res.Routes, RouteResult{Name: n, Weight: weights[n]})
		}
		return res
	}
	// Totals, periods and seconds end at the sampler's last mark.
	final := r.final
	if r.sampled == nil {
		final = r.dr.Mark()
	}
	r.closePeriodLocked(final)
	expected := map[string]float64{}
	for _, p := range r.periods {
		var n, sum int64
		for _, v := range p.requests {
			n += v
		}
		for _, w := range p.weights {
			sum += int64(w)
		}
		if sum == 0 {
			continue
		}
		for name, w := range p.weights {
			expected[name] += float64(n) * float64(w) / float64(sum)
		}
	}
	st := r.dr.Between(deploy.Mark{}, final)
	res.Requests, res.Errors, res.Unrouted = st.Requests, st.Errors, st.Unrouted
	res.Seconds = slices.Clone(r.seconds)
	var routed int64
	for _, rs := range st.Routes {
		routed += rs.Requests
	}
	for _, rs := range st.Routes {
		rr := RouteResult{Name: rs.Name, Weight: weights[rs.Name], Requests: rs.Requests, Errors: rs.Errors, Diverted: rs.Diverted, Latency: rs.Latency}
		if routed > 0 {
			rr.Requested = 100 * expected[rs.Name] / float64(routed)
			rr.Achieved = 100 * float64(rs.Requests) / float64(routed)
		}
		if b := r.dr.RouteBreaker(rs.Name); b != nil {
			br := breakerResult(rs.Name, b, start)
			rr.Breaker = &br
		}
		res.Routes = append(res.Routes, rr)
	}
	sort.SliceStable(res.Routes, func(i, j int) bool {
		return slices.Index(names, res.Routes[i].Name) < slices.Index(names, res.Routes[j].Name)
	})
	return res
}

// breakerResult sums up what the breaker of target (or route) name did,
// dated from the run's start.
func breakerResult(name string, b *breaker.Breaker, start time.Time) BreakerResult {
	br := BreakerResult{Target: name, OpenDurations: b.OpenDurations()}
	for _, tr := range b.Transitions() {
		br.Transitions = append(br.Transitions, BreakerTransition{
			At: tr.At.Sub(start), From: tr.From.String(), To: tr.To.String(), Reason: tr.Reason.String()})
	}
	return br
}

// routeLatency is a route's latency as a check reads it, in µs.
type routeLatency struct{ l deploy.Latency }

func (h routeLatency) ValueAtQuantile(q float64) int64 {
	return int64(h.l.Quantile(q) / time.Microsecond)
}
func (h routeLatency) Max() int64    { return int64(h.l.Max() / time.Microsecond) }
func (h routeLatency) Min() int64    { return int64(h.l.Quantile(0) / time.Microsecond) }
func (h routeLatency) Mean() float64 { return float64(h.l.Mean()) / float64(time.Microsecond) }

// routeAggregate sums up the requests routers sent to the route called
// name, over the whole run.
func (r *Result) routeAggregate(name string) aggregate {
	a := aggregate{}
	for _, rr := range r.Routers {
		for _, rt := range rr.Routes {
			if rt.Name != name {
				continue
			}
			a.count += rt.Requests
			a.failures += rt.Errors
			a.latency = routeLatency{rt.Latency} // a route belongs to one router
		}
	}
	if a.latency == nil {
		a.latency = routeLatency{}
	}
	if r.Elapsed > 0 {
		a.rate = float64(a.count) / r.Elapsed.Seconds()
	}
	return a
}
