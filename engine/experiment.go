package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// ExperimentSpec describes a chaos experiment in chaostoolkit's sense: a
// steady-state hypothesis, verified before the method, every second during
// it and after it; the method (which injects faults); safety conditions
// that abort it; rollbacks that always run.
type ExperimentSpec struct {
	// Title names the experiment in its journal and results. Required.
	Title string
	// SteadyState is the hypothesis: checks on the live figures of the
	// last Window (whole seconds of the run's timeline), by load, tag or
	// request name as in sla. Zero (nil): no hypothesis; the experiment
	// only runs its method.
	SteadyState []CheckSpec
	// Window is how much of the recent past a live check looks at. Zero:
	// 5 s. A request counts in the second it was due, and a live check
	// judges only seconds whose requests have all ended, so slow requests
	// are judged, not left out, and a stall shows up to one request
	// timeout late. Before and after the method a check waits for the
	// window's requests (for at most the longest timeout of the loads'
	// targets; those still in flight then are left out and the check's
	// Detail says how many); during it, the watch judges the latest window
	// whose requests have all ended, without waiting.
	Window time.Duration
	// Method carries the experiment out (injects faults, waits). It runs
	// on the script's goroutine. Required.
	Method func(ctx context.Context) error
	// Safety are checks verified every second during the method; the first
	// that fails aborts the experiment (and the run, with AbortRun).
	Safety []CheckSpec
	// AbortRun makes a safety failure abort the whole run, not only the
	// experiment.
	AbortRun bool
	// Rollbacks run after the method, whatever happened to it (its error,
	// a safety abort). Zero (nil): none. Faults the method injected are
	// removed anyway when the experiment ends.
	Rollbacks func(ctx context.Context) error
	// Control and Experiment name two loads sent to a control target and
	// to the target under experiment; the summary compares them over the
	// experiment. Zero: no comparison.
	Control, Experiment string
	// Where says where the script declared it.
	Where string
}

// liveMetrics are the metrics a live check may use: those of the
// per-second series.
var liveMetrics = []string{"p50", "p90", "p95", "p99", "p99.9", "max", "min", "avg", "error_rate", "rate", "count", "errors", "lost_requests"}

// Validate returns every problem with s, each naming its key.
func (s ExperimentSpec) Validate() error {
	var errs []error
	if s.Title == "" {
		errs = append(errs, errors.New(`title: required, e.g. "green survives a slow dependency"`))
	}
	if s.Method == nil {
		errs = append(errs, errors.New("method: required: a function that injects the faults"))
	}
	if s.Window < 0 {
		errs = append(errs, fmt.Errorf("window: must not be negative, got %s", s.Window))
	}
	for _, list := range []struct {
		key    string
		checks []CheckSpec
	}{{"steady_state", s.SteadyState}, {"safety", s.Safety}} {
		for i, c := range list.checks {
			key := fmt.Sprintf("%s[%d]", list.key, i+1)
			if !slices.Contains(liveMetrics, c.Metric) {
				errs = append(errs, fmt.Errorf("%s: %q is not a live figure; expected one of %s", key, c.Metric, strings.Join(liveMetrics, ", ")))
				continue
			}
			if _, err := ParseCheck(c); err != nil {
				errs = append(errs, prefix(key, err))
			}
		}
	}
	if (s.Control == "") != (s.Experiment == "") {
		errs = append(errs, errors.New("control, experiment: give both loads to compare, or neither"))
	}
	return errors.Join(errs...)
}

// ExperimentResult is how an experiment went.
type ExperimentResult struct {
	Title string
	// Status is "held" (the hypothesis held before, during and after),
	// "deviated" (it did not hold during or after the method), "aborted"
	// (a safety condition stopped the method), "not_started" (the
	// hypothesis did not hold before: the method was not run), "failed"
	// (the method raised an error), or "planned" in a dry run.
	Status string
	// Reason says why, in words.
	Reason string
	// Before and After are the hypothesis's checks before and after the
	// method; During the checks of the first second it deviated, if any.
	Before, During, After []CheckResult
	// Journal is what happened, in order.
	Journal []Event
	// Start and End are offsets from the run's start.
	Start, End time.Duration
	// Control and Experiment are the compared loads (empty without), and
	// Comparison their figures over the experiment, side by side.
	Control, Experiment string
	Comparison          []GroupFigure
	Where               string
}

// GroupFigure is one figure of the control and the experiment group.
type GroupFigure struct {
	Metric              string
	Control, Experiment string
	// Ratio is experiment / control; 0 when the control's is 0.
	Ratio float64
}

// compareGroups fills e.Comparison from the finished run's series.
func (res *Result) compareGroups(e *ExperimentResult) {
	if e.Control == "" || e.End <= e.Start {
		return
	}
	for _, m := range []string{"p50", "p95", "p99", "error_rate"} {
		var vals [2]float64
		var text [2]string
		for i, load := range []string{e.Control, e.Experiment} {
			c, err := ParseCheck(CheckSpec{Metric: m, Threshold: ">= 0", Load: load, From: e.Start.Truncate(time.Second), To: e.End})
			if err != nil {
				return
			}
			r := res.evaluate(c)
			vals[i], text[i] = r.Measured, r.Value()
		}
		g := GroupFigure{Metric: m, Control: text[0], Experiment: text[1]}
		if vals[0] > 0 {
			g.Ratio = vals[1] / vals[0]
		}
		e.Comparison = append(e.Comparison, g)
	}
}

// errSafety aborts an experiment's method from its safety watch.
type safetyError struct{ msg string }

func (e *safetyError) Error() string { return "safety condition broken: " + e.msg }

// experiment is the run's experiment under way.
type experiment struct {
	spec    ExperimentSpec
	mu      sync.Mutex
	faults  []injectedIDs // injected during the method, removed at its end
	journal []Event
}

type injectedIDs struct {
	fp  *FaultProxy
	ids []string
}

func (e *experiment) log(r *Run, kind, msg string) {
	ev := Event{At: r.Elapsed(), Source: fmt.Sprintf("experiment %q", e.spec.Title), Kind: kind, Message: msg}
	e.mu.Lock()
	e.journal = append(e.journal, ev)
	e.mu.Unlock()
	r.events.add(ev)
	r.logf("%s  %s: %s", ev.Source, kind, msg)
}

// Experiment validates spec and runs the experiment on the calling (the
// script's) goroutine. The error is a problem with spec, or the method's
// or a rollback's error (the experiment's result is recorded anyway); a
// safety abort is not an error, but with AbortRun it aborts the run.
func (r *Run) Experiment(ctx context.Context, spec ExperimentSpec) (*ExperimentResult, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	if spec.Window == 0 {
		spec.Window = 5 * time.Second
	}
	res := &ExperimentResult{Title: spec.Title, Where: spec.Where, Control: spec.Control, Experiment: spec.Experiment, Start: r.Elapsed()}
	r.mu.Lock()
	if r.experiment != nil {
		r.mu.Unlock()
		return nil, fmt.Errorf("experiment %q is under way: experiments do not nest", r.experiment.spec.Title)
	}
	e := &experiment{spec: spec}
	r.experiment = e
	r.experiments = append(r.experiments, res)
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		r.experiment = nil
		r.mu.Unlock()
	}()

	if r.cfg.DryRun {
		// The method and the rollbacks run on the plan's timeline, so
		// that what they declare is checked.
		res.Status = "planned"
		err := spec.Method(ctx)
		if spec.Rollbacks != nil {
			err = errors.Join(err, spec.Rollbacks(ctx))
		}
		res.End = r.Elapsed()
		return res, err
	}

	e.log(r, "start", fmt.Sprintf("steady state: %s", describeChecks(spec.SteadyState)))
	res.Before = r.liveChecks(ctx, spec.SteadyState, spec.Window, true)
	var methodErr error
	if failed := failedChecks(res.Before); failed != "" {
		res.Status, res.Reason = "not_started", "the steady state did not hold before the method: "+failed
		e.log(r, "hypothesis", res.Reason)
	} else {
		e.log(r, "hypothesis", "held before the method")
		methodErr = r.runMethod(ctx, e, res)
	}
	if spec.Rollbacks != nil {
		// Rollbacks run whatever happened, on a context of their own when
		// the run's is done, as a fault's removal does.
		rctx := ctx
		if ctx.Err() != nil {
			var cancel context.CancelFunc
			rctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
			defer cancel()
		}
		if err := spec.Rollbacks(rctx); err != nil {
			e.log(r, "rollback", "failed: "+err.Error())
			methodErr = errors.Join(methodErr, err)
		} else {
			e.log(r, "rollback", "done")
		}
	}
	e.mu.Lock()
	faults := e.faults
	e.mu.Unlock()
	for _, f := range faults {
		f.fp.Remove(f.ids...)
	}
	res.End = r.Elapsed()
	e.log(r, "end", fmt.Sprintf("%s: %s", strings.ReplaceAll(res.Status, "_", " "), res.Reason))
	e.mu.Lock()
	res.Journal = slices.Clone(e.journal)
	e.mu.Unlock()
	var se *safetyError
	if errors.As(methodErr, &se) {
		if spec.AbortRun {
			r.Abort(fmt.Sprintf("experiment %q: %s", spec.Title, se.msg))
		}
		return res, nil
	}
	return res, methodErr
}

// runMethod runs the method with a watch every second (safety, and the
// hypothesis during), then verifies the hypothesis after a window.
func (r *Run) runMethod(ctx context.Context, e *experiment, res *ExperimentResult) error {
	spec := e.spec
	watch := &timer{every: time.Second, where: spec.Where}
	watch.fn = func(ctx context.Context) error {
		if failed := failedChecks(r.liveChecks(ctx, spec.Safety, spec.Window, false)); failed != "" {
			return &safetyError{msg: failed}
		}
		if res.During == nil {
			if during := r.liveChecks(ctx, spec.SteadyState, spec.Window, false); failedChecks(during) != "" {
				res.During = during
				e.log(r, "deviation", "the steady state did not hold during the method: "+failedChecks(during))
			}
		}
		return nil
	}
	watch.at = r.Elapsed() + time.Second
	r.schedule(watch)
	e.log(r, "method", "started")
	err := spec.Method(ctx)
	r.unschedule(watch)
	var se *safetyError
	switch {
	case errors.As(err, &se):
		res.Status, res.Reason = "aborted", se.Error()
		e.log(r, "abort", res.Reason)
		return err
	case err != nil:
		res.Status, res.Reason = "failed", "the method failed: "+err.Error()
		e.log(r, "method", res.Reason)
		return err
	}
	e.log(r, "method", "ended")
	// After: the hypothesis over a window that starts when the method
	// ended.
	if len(spec.SteadyState) > 0 {
		if err := r.Sleep(ctx, spec.Window+time.Second); err != nil {
			res.Status, res.Reason = "failed", "waiting to verify the steady state after the method: "+err.Error()
			return err
		}
	}
	res.After = r.liveChecks(ctx, spec.SteadyState, spec.Window, true)
	switch failed := failedChecks(res.After); {
	case failed != "":
		res.Status, res.Reason = "deviated", "the steady state did not hold after the method: "+failed
	case res.During != nil:
		res.Status, res.Reason = "deviated", "the steady state did not hold during the method: "+failedChecks(res.During)
	default:
		res.Status, res.Reason = "held", "the steady state held before, during and after the method"
	}
	e.log(r, "hypothesis", res.Reason)
	return nil
}

// unschedule removes a timer that has not run for good.
func (r *Run) unschedule(t *timer) {
	r.mu.Lock()
	r.timers = slices.DeleteFunc(r.timers, func(x *timer) bool { return x == t })
	r.mu.Unlock()
}

// noteFaults records faults injected while an experiment runs, so that
// they end with it.
func (r *Run) noteFaults(fp *FaultProxy, ids []string) {
	r.mu.Lock()
	e := r.experiment
	r.mu.Unlock()
	if e != nil && len(ids) > 0 {
		e.mu.Lock()
		e.faults = append(e.faults, injectedIDs{fp, ids})
		e.mu.Unlock()
	}
}

// liveChecks evaluates checks over a window of whole seconds of the
// run's timeline whose arrivals, of the loads the checks select, have all
// ended (completed, failed, dropped or unsent): a second judged while its
// slow requests are still queued or in flight would leave them out,
// reading too fast (a p95 during a latency fault too low) or, under
// scheduler lag, "no data". With wait, the window is the last one and
// liveChecks first waits for its arrivals (settle); when the wait runs
// out, the checks are judged without those still in flight and their
// Detail says so. Without wait (the watch during the method, which must
// not hold up the script), the window is the latest whose arrivals have
// all ended, at most liveLookBack back, and the Detail says which when it
// is not the last; none is judged (nil) when there is no such window.
func (r *Run) liveChecks(ctx context.Context, specs []CheckSpec, window time.Duration, wait bool) []CheckResult {
	if len(specs) == 0 {
		return nil
	}
	now := r.Elapsed().Truncate(time.Second) // the current second is not complete
	span := max(window.Truncate(time.Second), time.Second)
	from := max(now-span, 0)
	to := max(now, from+time.Second)
	r.mu.Lock()
	loads := slices.Clone(r.loads)
	r.mu.Unlock()
	sel := selectedLoads(loads, specs)
	var note string
	if wait {
		note = r.settle(ctx, sel, from, to)
	} else {
		for ; !settled(sel, from, to); to -= time.Second {
			if to <= time.Second || to <= now-liveLookBack {
				return nil
			}
			from = max(to-time.Second-span, 0)
		}
		if to < now {
			note = fmt.Sprintf("judged +%s..+%s, the latest seconds whose requests have all ended", from, to)
		}
	}
	live := &Result{Elapsed: now, Phases: r.phases.all(now), Events: r.events.sorted()}
	for _, l := range loads {
		live.Loads = append(live.Loads, l.result())
	}
	out := make([]CheckResult, 0, len(specs))
	for _, s := range specs {
		s.During, s.From, s.To = "", from, to
		c, _ := ParseCheck(s) // validated
		res := live.evaluate(c)
		if note != "" {
			res.Detail = strings.TrimPrefix(res.Detail+"; "+note, "; ")
		}
		out = append(out, res)
	}
	return out
}

// liveLookBack is how far back a live check that does not wait looks for
// a window whose arrivals have all ended.
const liveLookBack = 30 * time.Second

// settled reports whether every arrival of loads (of the requests named)
// due in [from, to) has ended.
func settled(loads map[*Load][]string, from, to time.Duration) bool {
	for l, requests := range loads {
		select {
		case <-l.done:
			continue
		default:
		}
		if n, behind := l.track.unfinished(requests, from, to); n > 0 || behind {
			return false
		}
	}
	return true
}

// selectedLoads returns the loads whose figures some check in specs
// looks at (by its load and tag scopes), each with the request names
// looked at: nil for all of them.
func selectedLoads(loads []*Load, specs []CheckSpec) map[*Load][]string {
	out := map[*Load][]string{}
	for _, l := range loads {
		for _, s := range specs {
			key, value, _ := strings.Cut(s.Tag, "=")
			if (s.Load != "" && s.Load != l.spec.Name) || (s.Tag != "" && l.spec.Tags[key] != value) {
				continue
			}
			names, seen := out[l]
			switch {
			case s.Request == "":
				out[l] = []string{""} // every request
			case !seen || len(names) > 0 && names[0] != "":
				out[l] = append(names, s.Request)
			}
		}
	}
	return out
}

// settle waits until every arrival of loads (of the requests named, ""
// for all) due in [from, to) of the run's timeline has ended (completed, failed, dropped or unsent), for at
// most the longest timeout of the loads' targets (after it, every request
// sent has ended), or until ctx is done. It returns "" when they all
// ended, else what was still missing, in words.
func (r *Run) settle(ctx context.Context, loads map[*Load][]string, from, to time.Duration) string {
	var limit time.Duration
	for l := range loads {
		limit = max(limit, l.spec.Target.spec.Timeout)
	}
	start := r.clock.Now()
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	timeUp := make(chan struct{})
	go func() {
		if r.clock.SleepUntil(wctx, start.Add(limit)) == nil {
			close(timeUp)
		}
	}()
	for {
		woken := make(chan struct{}, 1)
		var inFlight int64
		var behind []string
		var registered []*wakeup
		for l, requests := range loads {
			w := l.track.wake
			ch := w.register() // before looking, so that no wake-up is missed
			registered = append(registered, w)
			go func() {
				select {
				case <-ch:
					select {
					case woken <- struct{}{}:
					default:
					}
				case <-wctx.Done():
				}
			}()
			select {
			case <-l.done: // every arrival has ended
				continue
			default:
			}
			n, late := l.track.unfinished(requests, from, to)
			inFlight += n
			if late {
				behind = append(behind, fmt.Sprintf("%q", l.spec.Name))
			}
		}
		wait := inFlight > 0 || len(behind) > 0
		woke := false
		if wait {
			select {
			case <-woken:
				woke = true
			case <-timeUp:
			case <-wctx.Done():
			}
		}
		for _, w := range registered {
			w.unregister()
		}
		if !wait {
			return ""
		}
		if woke {
			continue
		}
		var parts []string
		if inFlight > 0 {
			parts = append(parts, fmt.Sprintf("%d requests due in +%s..+%s still in flight", inFlight, from, to))
		}
		if len(behind) > 0 {
			parts = append(parts, fmt.Sprintf("arrivals of load %s due by +%s not yet sent", strings.Join(behind, ", "), to))
		}
		return fmt.Sprintf("judged without %s after waiting %s", strings.Join(parts, " and "), r.clock.Now().Sub(start))
	}
}

// failedChecks names the checks that did not hold, with their values;
// "" when all held.
func failedChecks(rs []CheckResult) string {
	var parts []string
	for _, c := range rs {
		if c.Passed {
			continue
		}
		was := c.Value()
		if c.Detail != "" {
			was += "; " + c.Detail
		}
		parts = append(parts, fmt.Sprintf("%s %s (was %s)", c.Check.Spec.Metric, strings.TrimSpace(c.Check.Spec.Threshold), was))
	}
	return strings.Join(parts, ", ")
}

// describeChecks renders checks as the script wrote them.
func describeChecks(specs []CheckSpec) string {
	if len(specs) == 0 {
		return "none"
	}
	parts := make([]string, len(specs))
	for i, s := range specs {
		parts[i] = s.Metric + " " + strings.TrimSpace(s.Threshold)
		if s.Load != "" {
			parts[i] += " [load=" + s.Load + "]"
		}
		if s.Request != "" {
			parts[i] += " [request=" + s.Request + "]"
		}
	}
	return strings.Join(parts, ", ")
}
