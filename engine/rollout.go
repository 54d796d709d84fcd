package engine

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/reslua/reslua/breaker"
	"github.com/reslua/reslua/deploy"
	"github.com/reslua/reslua/internal/suggest"
)

// Strategies lists the values of RolloutSpec.Strategy.
var Strategies = []string{"blue_green", "canary"}

// RolloutSpec describes a blue-green or canary rollout (package deploy):
// traffic moves from the route From to the route To in steps, each held
// while gates on To's own traffic are measured; a failed gate rolls back.
type RolloutSpec struct {
	// Strategy is "blue_green" or "canary". Required.
	Strategy string
	// Router carries the traffic and measures each route. Required unless
	// Actions.SetWeights moves the traffic elsewhere; with both, Actions
	// set the weights and the router still measures.
	Router *Router
	// From and To are the old and the new route. Zero From: the route
	// with the most weight now; zero To: the router's other route, when it
	// has exactly two.
	From, To string
	// Steps are To's successive shares in percent, increasing within
	// 0..100. Zero (nil): 10, 25, 50, 75, 100.
	Steps []int
	// Hold is how long each step lasts at least. Zero: 30 s.
	Hold time.Duration
	// Analysis says how many measurements each step takes and how many
	// may fail, in Argo Rollouts' terms. Zero: one at the end of the hold.
	Analysis deploy.Analysis
	// Gates are thresholds on To's traffic since the previous measurement
	// (see GateMetrics), all of which must hold for a measurement to pass.
	// Zero (nil): blue-green probes To's health endpoint instead; canary
	// steps pass when their hold ends.
	Gates []CheckSpec
	// MinRequests is how many requests To must have served since the
	// previous measurement for the gates to judge; fewer make the
	// measurement inconclusive. Zero: 1.
	MinRequests int
	// Health is blue-green's health check of To, before any traffic and
	// with all of it. Zero (nil): the reference chapter's (GET /health,
	// 200, five in a row ten seconds apart). Canary checks health only
	// when it is set.
	Health *deploy.HealthCheck
	// SkipHealth turns blue-green's health checks off.
	SkipHealth bool
	// Actions, when set, carry out the rollout instead of the router: a
	// script that drives a real load balancer or deploy API.
	Actions *RolloutActions
	// Decide is asked when an analysis is inconclusive. Zero (nil): the
	// rollout stops paused, for Rollout.Resume.
	Decide func(ctx context.Context, p deploy.Pause) (deploy.Decision, error)
	// Where says where the rollout was declared ("scenarios/mcp.lua:40").
	Where string
}

// RolloutActions are a script's own rollout actions; a nil function does
// nothing, except SetWeights, which then falls back to the router's.
type RolloutActions struct {
	Start      func(ctx context.Context) error
	SetWeights func(ctx context.Context, w map[string]int) error
	// Cleanup gets the rollout's status so far: "promoted", "rolled_back"
	// or "aborted".
	Cleanup func(ctx context.Context, status string) error
}

// GateMetrics lists the metrics a rollout gate may name, measured on the
// new route's requests at the router since the previous measurement:
// latency percentiles (from the router's receipt of a request to the end
// of its reply), the error rate (5xx and transport errors), the request
// rate and counts.
var GateMetrics = []string{"p50", "p90", "p95", "p99", "max", "avg", "error_rate", "rate", "requests", "errors"}

// PlannedRollout is a rollout and when the script starts it.
type PlannedRollout struct {
	Strategy, From, To string
	Steps              []int
	Hold               time.Duration
	Start              time.Duration
}

// Rollout is one rollout of a run, made by Run.Rollout.
type Rollout struct {
	run    *Run
	spec   RolloutSpec
	gates  []Check
	from   string
	to     string
	bg     *deploy.BlueGreen
	canary *deploy.Canary
	mark   deploy.Mark // start of the current measurement window
	since  time.Time
	res    *deploy.Result
	dry    bool
	clock  *scriptClock // runs the script's callbacks during holds
	// phase and stepPhase index the run's phases of the rollout and of
	// its current step; -1 when none is open.
	phase, stepPhase int
	// live is where the rollout is, for metrics scraped while it runs
	// (metrics.go).
	liveMu sync.Mutex
	live   rolloutLive
}

// Validate returns every problem with s, each naming its key.
func (s RolloutSpec) Validate() error {
	// prepare builds the controller as Run.Rollout does, whose validation
	// it runs; the run it is given here is never started.
	ro := &Rollout{spec: s, run: &Run{clock: SystemClock}}
	return ro.prepare()
}

// Rollout validates spec and carries the rollout out, blocking until it
// is promoted, rolled back, paused or aborted (when ctx is done). In a dry
// run it only validates and advances the plan's timeline by its holds.
// The error is a problem with spec; how the rollout went is in Result.
func (r *Run) Rollout(ctx context.Context, spec RolloutSpec) (*Rollout, error) {
	ro := &Rollout{run: r, spec: spec, dry: r.cfg.DryRun, phase: -1, stepPhase: -1}
	if err := ro.prepare(); err != nil {
		return nil, err
	}
	steps := spec.Steps
	if steps == nil {
		steps = deploy.DefaultSteps
	}
	hold := spec.Hold
	if hold == 0 {
		hold = 30 * time.Second
	}
	r.mu.Lock()
	r.rollouts = append(r.rollouts, ro)
	r.plan.Rollouts = append(r.plan.Rollouts, PlannedRollout{Strategy: spec.Strategy, From: ro.from, To: ro.to,
		Steps: steps, Hold: hold, Start: r.elapsedLocked()})
	end := r.planOffset + time.Duration(len(steps))*hold
	r.mu.Unlock()
	if ro.dry {
		// The holds pass on the plan's timeline, with the callbacks due
		// meanwhile run at their times.
		return ro, r.advancePlan(ctx, end)
	}
	ctx, cancel := r.abortable(ctx)
	defer cancel()
	var err error
	if ro.bg != nil {
		ro.res, err = ro.bg.Run(ctx)
	} else {
		ro.res, err = ro.canary.Run(ctx)
	}
	switch {
	case err != nil:
	case ro.clock.err != nil:
		// A callback of the script failed during a hold: the rollout was
		// rolled back (aborted), and the script ends with the error.
		err = ro.clock.err
	case errors.Is(ro.res.Err, deploy.ErrNoHealthEndpoint):
		// Not the new version's fault but the scenario's: it names a
		// health path that does not exist. The rollout rolled back at
		// once; the script ends with the mistake.
		err = fmt.Errorf("health.path: %s, so it is not %s's health endpoint; set health.path, or health = false", healthPathErr(ro.res.Err), ro.to)
	}
	return ro, err
}

// healthPathErr is what a health check found at a missing endpoint:
// "http://…/healthz answered 404 Not Found".
func healthPathErr(err error) string {
	msg := err.Error()
	if _, rest, ok := strings.Cut(msg, deploy.ErrNoHealthEndpoint.Error()+": "); ok {
		return rest
	}
	return msg
}

// Resume continues a paused rollout with a decision: "continue",
// "promote", "rollback" or "hold".
func (ro *Rollout) Resume(ctx context.Context, decision string) error {
	d, err := ParseDecision(decision)
	if err != nil {
		return err
	}
	if ro.dry {
		return nil
	}
	ctx, cancel := ro.run.abortable(ctx)
	defer cancel()
	var res *deploy.Result
	if ro.bg != nil {
		res, err = ro.bg.Resume(ctx, d)
	} else {
		res, err = ro.canary.Resume(ctx, d)
	}
	if err != nil {
		return err
	}
	ro.res = res
	return nil
}

// Decisions lists what a paused rollout may be told.
var Decisions = []string{"continue", "promote", "rollback", "hold"}

// ParseDecision returns the deploy.Decision named s.
func ParseDecision(s string) (deploy.Decision, error) {
	switch s {
	case "continue":
		return deploy.Continue, nil
	case "promote":
		return deploy.Promote, nil
	case "rollback":
		return deploy.Rollback, nil
	case "hold":
		return deploy.Hold, nil
	}
	msg := fmt.Sprintf("expected one of %s, got %q", strings.Join(Decisions, ", "), s)
	if alt := suggest.Closest(s, Decisions); alt != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", alt)
	}
	return deploy.Hold, errors.New(msg)
}

// prepare validates the spec and builds the controller.
func (ro *Rollout) prepare() error {
	s := ro.spec
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if !slices.Contains(Strategies, s.Strategy) {
		fail("strategy: expected blue_green or canary, got %q", s.Strategy)
	}
	if s.Router == nil && (s.Actions == nil || s.Actions.SetWeights == nil) {
		fail("router: required, unless actions.set_weights moves the traffic")
	}
	ro.from, ro.to = s.From, s.To
	if s.Router != nil {
		routes := s.Router.Routes()
		if ro.from == "" {
			w := s.Router.Weights()
			for _, n := range routes {
				if ro.from == "" || w[n] > w[ro.from] {
					ro.from = n
				}
			}
		}
		if ro.to == "" {
			if len(routes) == 2 {
				ro.to = routes[0]
				if ro.to == ro.from {
					ro.to = routes[1]
				}
			} else {
				fail("to: required, the router has %d routes (%s)", len(routes), strings.Join(routes, ", "))
			}
		}
		for _, f := range []struct{ key, name string }{{"from", ro.from}, {"to", ro.to}} {
			if f.name != "" && !slices.Contains(routes, f.name) {
				msg := fmt.Sprintf("%s: the router has no route %q", f.key, f.name)
				if alt := suggest.Closest(f.name, routes); alt != "" {
					msg += fmt.Sprintf(" (did you mean %q?)", alt)
				}
				errs = append(errs, fmt.Errorf("%s; its routes are %s", msg, strings.Join(routes, ", ")))
			}
		}
	} else if s.Actions != nil && s.Actions.SetWeights != nil && (ro.to == "" || ro.from == "") {
		fail("from, to: required when actions move the traffic without a router")
	}
	if s.MinRequests < 0 {
		fail("min_requests: must be >= 0, got %d", s.MinRequests)
	}
	for _, g := range s.Gates {
		if !slices.Contains(GateMetrics, g.Metric) {
			msg := fmt.Sprintf("analysis: %q cannot gate a step; expected one of %s", g.Metric, strings.Join(GateMetrics, ", "))
			if alt := suggest.Closest(g.Metric, GateMetrics); alt != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", alt)
			}
			errs = append(errs, errors.New(msg))
			continue
		}
		parsed := g
		if g.Metric == "requests" { // a count, named apart from analysis.count
			parsed.Metric = "count"
		}
		c, err := ParseCheck(parsed)
		if err != nil {
			errs = append(errs, prefix("analysis", err))
			continue
		}
		c.Spec.Metric = g.Metric
		ro.gates = append(ro.gates, c)
	}
	if s.Hold > 0 && s.Analysis.Interval > s.Hold {
		fail("analysis.interval: %s is longer than hold (%s): a step would end before its first measurement", s.Analysis.Interval, s.Hold)
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}

	ro.clock = &scriptClock{r: ro.run}
	rollout := deploy.Rollout{
		From:     ro.from,
		To:       ro.to,
		Steps:    s.Steps,
		Hold:     s.Hold,
		Analysis: s.Analysis,
		Clock:    ro.clock,
		OnEvent:  ro.event,
	}
	if s.Router != nil {
		rollout.Router = s.Router.dr
	}
	rollout.Actions = deploy.ActionFuncs{
		StartFunc:      ro.start,
		SetWeightsFunc: ro.setWeights,
		CleanupFunc:    ro.cleanup,
	}
	if len(ro.gates) > 0 {
		rollout.Analyzer = deploy.AnalyzerFunc(ro.analyze)
	}
	if s.Decide != nil {
		rollout.Decide = s.Decide
	}
	var err error
	if s.Strategy == "blue_green" {
		ro.bg = &deploy.BlueGreen{Rollout: rollout, SkipHealth: s.SkipHealth}
		if s.Health != nil {
			ro.bg.Health = *s.Health
		}
		err = ro.bg.Validate()
	} else {
		ro.canary = &deploy.Canary{Rollout: rollout, Health: s.Health}
		err = ro.canary.Validate()
	}
	return dslProblems(err)
}

// start runs the script's Start action, if any.
func (ro *Rollout) start(ctx context.Context) error {
	if a := ro.spec.Actions; a != nil && a.Start != nil {
		return a.Start(ctx)
	}
	return nil
}

// setWeights moves the traffic, by the script's action or on the router,
// and starts the measurement window of the step.
func (ro *Rollout) setWeights(ctx context.Context, w deploy.Weights) error {
	if a := ro.spec.Actions; a != nil && a.SetWeights != nil {
		if err := a.SetWeights(ctx, map[string]int(w)); err != nil {
			return err
		}
	} else if err := ro.spec.Router.SetWeights(w, ro.why(w)); err != nil {
		return err
	}
	ro.startWindow()
	return nil
}

// why says what a weight change of the rollout is, for the timeline.
func (ro *Rollout) why(w deploy.Weights) string {
	if w[ro.to] == 0 {
		return "rollback of " + ro.to
	}
	return "rollout of " + ro.to
}

// startWindow starts a measurement window: the next measurement sees the
// traffic from now on.
func (ro *Rollout) startWindow() {
	if ro.spec.Router != nil {
		ro.mark = ro.spec.Router.Mark()
	}
	ro.since = ro.run.clock.Now()
}

// cleanup runs the script's Cleanup action, if any.
func (ro *Rollout) cleanup(ctx context.Context, res *deploy.Result) error {
	if a := ro.spec.Actions; a != nil && a.Cleanup != nil {
		return a.Cleanup(ctx, res.Status.String())
	}
	return nil
}

// analyze takes one measurement: the gates on the new route's traffic
// since the previous measurement (or since the step's weights were set).
func (ro *Rollout) analyze(_ context.Context, _ deploy.Step) (deploy.Verdict, string, error) {
	if ro.spec.Router == nil {
		return deploy.Inconclusive, "", errors.New("no router to measure the new version's traffic on")
	}
	// One mark ends this window and starts the next: no request falls
	// between two measurements.
	now := ro.spec.Router.Mark()
	st := ro.spec.Router.Between(ro.mark, now)
	window := ro.run.clock.Now().Sub(ro.since)
	ro.mark, ro.since = now, ro.run.clock.Now()
	var rs *deploy.RouteStats
	for i := range st.Routes {
		if st.Routes[i].Name == ro.to {
			rs = &st.Routes[i]
		}
	}
	if rs == nil {
		return deploy.Inconclusive, "", fmt.Errorf("the router has no route %q", ro.to)
	}
	if rs.Breaker == breaker.StateOpen {
		return deploy.Fail, fmt.Sprintf("%s's breaker is open", ro.to), nil
	}
	// A window counts the requests answered in it: the errors are among
	// them, while requests that arrived in it may be under way still.
	need := int64(max(ro.spec.MinRequests, 1))
	if rs.Answered < need {
		return deploy.Inconclusive, fmt.Sprintf("%d requests answered on %s in %s, fewer than the %d needed to judge", rs.Answered, ro.to, window.Round(time.Millisecond), need), nil
	}
	verdict := deploy.Pass
	parts := make([]string, 0, len(ro.gates))
	for _, g := range ro.gates {
		v := gateValue(g.Spec.Metric, rs, window)
		mark := "ok"
		if !g.Holds(v) {
			verdict, mark = deploy.Fail, "FAILED"
		}
		parts = append(parts, fmt.Sprintf("%s %s %s %s", g.Spec.Metric, g.Format(v), strings.TrimSpace(g.Spec.Threshold), mark))
	}
	return verdict, fmt.Sprintf("%s over %d requests: %s", ro.to, rs.Answered, strings.Join(parts, ", ")), nil
}

// gateValue measures metric on one route's window, in the metric's unit.
func gateValue(metric string, rs *deploy.RouteStats, window time.Duration) float64 {
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	switch metric {
	case "p50", "p90", "p95", "p99":
		q, _ := strconv.ParseFloat(metric[1:], 64)
		return ms(rs.Latency.Quantile(q))
	case "max":
		return ms(rs.Latency.Max())
	case "avg":
		return ms(rs.Latency.Mean())
	case "error_rate":
		return float64(rs.Errors) / float64(rs.Answered)
	case "rate":
		if window <= 0 {
			return 0
		}
		return float64(rs.Answered) / window.Seconds()
	case "requests":
		return float64(rs.Answered)
	case "errors":
		return float64(rs.Errors)
	}
	return 0
}

// event records a rollout event on the run's timeline and in its log.
func (ro *Rollout) event(e deploy.Event) {
	msg := e.Message
	if e.Step > 0 {
		msg = fmt.Sprintf("step %d: %s", e.Step, msg)
	}
	switch e.Kind {
	case deploy.EventRollback, deploy.EventGate, deploy.EventPause:
		// Their message gives the cause already.
	default:
		if e.Err != nil && !strings.Contains(msg, e.Err.Error()) {
			msg += ": " + e.Err.Error()
		}
	}
	ro.noteLive(e)
	at := e.Time.Sub(ro.run.start)
	ev := Event{At: at, Source: fmt.Sprintf("rollout %q", ro.to), Kind: e.Kind.String(), Message: msg,
		Detection: e.Kind == deploy.EventRollback || e.Kind == deploy.EventGate && e.Verdict == deploy.Fail}
	switch e.Kind {
	case deploy.EventStart:
		ro.phase = ro.run.phases.begin("rollout", ro.to, at)
	case deploy.EventStep:
		ro.run.phases.end(ro.stepPhase, at)
		ro.stepPhase = ro.run.phases.begin("step", fmt.Sprintf("%s %d%%", ro.to, e.Weights[ro.to]), at)
	case deploy.EventPromotion, deploy.EventRollback:
		ro.run.phases.end(ro.stepPhase, at)
		ro.run.phases.end(ro.phase, at)
	}
	switch e.Kind {
	case deploy.EventStep, deploy.EventMeasurement:
		// The router's weights event says the first, the gate sums up
		// the second; both are in the log.
	default:
		ro.run.events.add(ev)
	}
	ro.run.logf("%s  %s: %s", ev.Source, ev.Kind, ev.Message)
}

// RolloutResult is how a rollout went.
type RolloutResult struct {
	Strategy string
	From, To string
	// Status is "promoted", "rolled_back", "paused", "aborted", or
	// "planned" in a dry run.
	Status string
	// Reason says why it ended so; Err the cause of a rollback or abort.
	Reason string
	Err    error
	Steps  []RolloutStep
	// Requests and Errors are the router's traffic during the rollout:
	// Errors is what its clients saw (zero: zero downtime).
	Requests, Errors int64
	// Started and Ended are offsets from the run's start.
	Started, Ended time.Duration
	Where          string
}

// RolloutStep is one step of a rollout.
type RolloutStep struct {
	Number, Weight   int
	Duration         time.Duration
	Verdict, Message string
	// Requests and Errors are the router's traffic during the step.
	Requests, Errors int64
}

// Result returns how the rollout went so far.
func (ro *Rollout) Result() RolloutResult {
	out := RolloutResult{Strategy: ro.spec.Strategy, From: ro.from, To: ro.to, Status: "planned", Where: ro.spec.Where}
	if ro.res == nil {
		return out
	}
	res := ro.res
	out.Status, out.Reason, out.Err = res.Status.String(), res.Reason, res.Err
	out.Requests, out.Errors = res.Requests, res.Errors
	out.Started, out.Ended = res.Started.Sub(ro.run.start), res.Ended.Sub(ro.run.start)
	for _, s := range res.Steps {
		out.Steps = append(out.Steps, RolloutStep{
			Number: s.Number, Weight: s.Weight, Duration: s.Ended.Sub(s.Started),
			Verdict: s.Verdict.String(), Message: s.Message, Requests: s.Requests, Errors: s.Errors,
		})
	}
	return out
}

// rolloutResults returns the results of the run's rollouts, in order.
func (r *Run) rolloutResults() []RolloutResult {
	r.mu.Lock()
	ros := slices.Clone(r.rollouts)
	r.mu.Unlock()
	out := make([]RolloutResult, len(ros))
	for i, ro := range ros {
		out[i] = ro.Result()
	}
	return out
}

// dslProblems rewrites a deploy validation error's Go field paths
// ("Analysis.FailureLimit", "Steps[2]") as the DSL's keys
// ("analysis.failure_limit", "steps[3]"); other errors pass unchanged.
func dslProblems(err error) error {
	var ve *deploy.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	errs := make([]error, len(ve.Problems))
	for i, p := range ve.Problems {
		if p.Field == "" {
			errs[i] = errors.New(p.Msg)
		} else {
			errs[i] = fmt.Errorf("%s: %s", dslKey(p.Field), p.Msg)
		}
	}
	return errors.Join(errs...)
}

var (
	camelWord = regexp.MustCompile(`([a-z0-9])([A-Z])`)
	goIndex   = regexp.MustCompile(`\[(\d+)\]`)
)

// dslKey turns a Go field path into the DSL's key path: snake_case, and
// indexes from 1 as Lua counts.
func dslKey(field string) string {
	field = goIndex.ReplaceAllStringFunc(field, func(m string) string {
		n, _ := strconv.Atoi(m[1 : len(m)-1])
		return "[" + strconv.Itoa(n+1) + "]"
	})
	field = strings.ReplaceAll(field, "HealthURL", "health_url")
	return strings.ToLower(camelWord.ReplaceAllString(field, "${1}_${2}"))
}
