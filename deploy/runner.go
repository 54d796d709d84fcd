package deploy

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"
)

// plan is a validated rollout with every default applied: what a runner
// carries out. The controllers build it.
type plan struct {
	kind            string // "blue-green" or "canary", for messages
	router          *Router
	actions         Actions
	from, to        string
	steps           []int
	hold            time.Duration
	analysis        Analysis
	analyzer        Analyzer // nil: none
	health          *HealthCheck
	finalHealth     *HealthCheck
	healthURL       string
	decide          DecideFunc
	onEvent         func(Event)
	clock           Clock
	rollbackTimeout time.Duration
}

func (ro *Rollout) plan(kind, from, to string) plan {
	p := plan{
		kind:            kind,
		router:          ro.Router,
		actions:         ro.Actions,
		from:            from,
		to:              to,
		steps:           slices.Clone(ro.steps()),
		hold:            ro.hold(),
		analysis:        ro.Analysis,
		analyzer:        ro.Analyzer,
		decide:          ro.Decide,
		onEvent:         ro.OnEvent,
		clock:           clockOr(ro.Clock),
		rollbackTimeout: ro.RollbackTimeout,
	}
	if p.actions == nil {
		p.actions = ro.Router.Actions()
	}
	if p.rollbackTimeout == 0 {
		p.rollbackTimeout = defaultRollbackTimeout
	}
	return p
}

// controller is the run state both controllers embed: one run at a time,
// and the paused runner Resume continues.
type controller struct {
	mu      sync.Mutex
	running bool
	last    *runner
}

// run starts a runner on p.
func (c *controller) run(ctx context.Context, p plan) (*Result, error) {
	c.mu.Lock()
	if c.running {
		c.mu.Unlock()
		return nil, ErrRunning
	}
	c.running = true
	c.mu.Unlock()
	r := &runner{plan: p}
	res := r.start(ctx)
	c.mu.Lock()
	c.running, c.last = false, r
	c.mu.Unlock()
	return res, nil
}

// resume continues the paused runner with d.
func (c *controller) resume(ctx context.Context, d Decision) (*Result, error) {
	c.mu.Lock()
	if c.running {
		c.mu.Unlock()
		return nil, ErrRunning
	}
	r := c.last
	if r == nil || r.res.Status != Paused {
		c.mu.Unlock()
		return nil, ErrNotPaused
	}
	c.running = true
	c.mu.Unlock()
	res := r.resume(ctx, d)
	c.mu.Lock()
	c.running = false
	c.mu.Unlock()
	return res, nil
}

// runner carries out one rollout.
type runner struct {
	plan
	res     *Result
	next    int     // index of the next step to run
	weights Weights // last set
	overall Mark
}

func (r *runner) now() time.Time { return r.clock.Now() }

// emit records an event and hands it to OnEvent.
func (r *runner) emit(kind EventKind, step int, v Verdict, msg string, err error) {
	e := Event{Time: r.now(), Kind: kind, Step: step, Weights: r.weights.clone(), Verdict: v, Message: msg, Err: err}
	r.res.Events = append(r.res.Events, e)
	if r.onEvent != nil {
		r.onEvent(e)
	}
}

func (r *runner) weightsFor(share int) Weights {
	return Weights{r.from: 100 - share, r.to: share}
}

// start runs the rollout from the beginning.
func (r *runner) start(ctx context.Context) *Result {
	r.res = &Result{From: r.from, To: r.to, Started: r.now()}
	if r.router != nil {
		r.overall = r.router.Mark()
	}
	r.emit(EventStart, 0, 0, fmt.Sprintf("%s rollout of %s over %s in %d steps (%s %%), hold %v", r.kind, r.to, r.from, len(r.steps), joinInts(r.steps), r.hold), nil)

	err := r.actions.Start(ctx)
	r.emit(EventLaunch, 0, 0, "start "+r.to, err)
	if err != nil {
		return r.rollback(ctx, fmt.Sprintf("starting %s failed: %v", r.to, err), fmt.Errorf("start %s: %w", r.to, err))
	}
	if r.health != nil {
		if err := r.checkHealth(ctx, *r.health, "before any traffic"); err != nil {
			return r.rollback(ctx, fmt.Sprintf("%s is not healthy before any traffic: %v", r.to, err), err)
		}
	}
	return r.runSteps(ctx)
}

// resume continues a paused rollout with the caller's decision.
func (r *runner) resume(ctx context.Context, d Decision) *Result {
	n := r.next + 1
	r.res.Status, r.res.Reason = StatusUnknown, ""
	r.emit(EventDecision, n, 0, d.String()+" (resumed)", nil)
	r.res.Steps[len(r.res.Steps)-1].Decision = d
	return r.apply(ctx, d, n)
}

// apply carries out a decision on the paused step n.
func (r *runner) apply(ctx context.Context, d Decision, n int) *Result {
	switch d {
	case Continue:
		r.next++
		return r.runSteps(ctx)
	case Promote:
		return r.promote(ctx)
	case Rollback:
		return r.rollback(ctx, fmt.Sprintf("rolled back by the caller's decision at step %d (%s %d%%)", n, r.to, r.steps[n-1]), nil)
	case Hold:
		return r.pause(n)
	}
	err := fmt.Errorf("deploy: invalid decision %v", d)
	return r.rollback(ctx, err.Error(), err)
}

// runSteps runs the steps from r.next, then promotes.
func (r *runner) runSteps(ctx context.Context) *Result {
	for r.next < len(r.steps) {
		n := r.next + 1
		rec, cause := r.step(ctx, n)
		if ctx.Err() != nil {
			return r.rollback(ctx, "", nil)
		}
		switch rec.Verdict {
		case Pass:
			r.next++
		case Fail:
			return r.rollback(ctx, rec.Message, cause)
		default:
			r.emit(EventPause, n, Inconclusive, rec.Message, nil)
			if r.decide == nil {
				return r.pause(n)
			}
			st := Step{Number: n, Weight: rec.Weight, Weights: rec.Weights.clone(), Started: rec.Started}
			if m := len(rec.Measurements); m > 0 {
				st.Measurement = rec.Measurements[m-1].Number
			}
			d, err := r.decide(ctx, Pause{Step: st, Reason: rec.Message, Record: rec})
			if ctx.Err() != nil {
				return r.rollback(ctx, "", nil)
			}
			if err != nil {
				r.emit(EventDecision, n, 0, "", err)
				return r.rollback(ctx, fmt.Sprintf("the decision on the pause at step %d failed: %v", n, err), fmt.Errorf("decide: %w", err))
			}
			r.res.Steps[len(r.res.Steps)-1].Decision = d
			r.emit(EventDecision, n, 0, d.String(), nil)
			if d != Continue {
				return r.apply(ctx, d, n)
			}
			r.next++
		}
	}
	return r.promote(ctx)
}

// step runs step n: sets its weights, holds them while analysing, and
// records it. cause is the error behind a Fail verdict, if any.
func (r *runner) step(ctx context.Context, n int) (StepRecord, error) {
	share := r.steps[n-1]
	w := r.weightsFor(share)
	var mark Mark
	if r.router != nil {
		mark = r.router.Mark()
	}
	rec := StepRecord{Number: n, Weight: share, Weights: w}
	err := r.actions.SetWeights(ctx, w)
	rec.Started = r.now()
	var cause error
	if err != nil {
		cause = fmt.Errorf("set weights %v at step %d: %w", w, n, err)
		r.emit(EventStep, n, 0, fmt.Sprintf("%s %d%%", r.to, share), err)
		rec.Verdict, rec.Message = Fail, fmt.Sprintf("setting the weights of step %d (%s %d%%) failed: %v", n, r.to, share, err)
	} else {
		r.weights = w.clone()
		r.res.Weights = w.clone()
		r.emit(EventStep, n, 0, fmt.Sprintf("%s %d%%", r.to, share), nil)
		rec.Verdict, rec.Message, cause = r.analyse(ctx, Step{Number: n, Weight: share, Weights: w, Started: rec.Started}, &rec)
		if ctx.Err() != nil {
			rec.Verdict, rec.Message = Inconclusive, "interrupted: "+ctx.Err().Error()
		} else if rec.Verdict == Fail {
			rec.Message = fmt.Sprintf("analysis failed at step %d (%s %d%%): %s", n, r.to, share, rec.Message)
			if cause == nil {
				cause = fmt.Errorf("%w: %s", ErrAnalysisFailed, rec.Message)
			} else {
				cause = fmt.Errorf("%w at step %d: %w", ErrAnalysisFailed, n, cause)
			}
		}
	}
	rec.Ended = r.now()
	if r.router != nil {
		s := r.router.Since(mark)
		rec.Traffic, rec.Requests, rec.Errors = &s, s.Requests, s.Errors
	}
	r.res.Steps = append(r.res.Steps, rec)
	if ctx.Err() == nil && err == nil {
		msg := rec.Message
		if r.router != nil {
			msg += fmt.Sprintf(" [%d requests, %d client-visible errors]", rec.Requests, rec.Errors)
		}
		r.emit(EventGate, n, rec.Verdict, msg, nil)
	}
	return rec, cause
}

// analyse runs a step's analysis and holds the step: it returns the
// verdict, why, and the error behind a failure, if any.
func (r *runner) analyse(ctx context.Context, st Step, rec *StepRecord) (Verdict, string, error) {
	end := st.Started.Add(r.hold)
	if r.analyzer == nil {
		if err := r.clock.SleepUntil(ctx, end); err != nil {
			return Inconclusive, "", err
		}
		return Pass, fmt.Sprintf("held %v (no analysis)", r.hold), nil
	}
	a := r.analysis
	interval, count := a.plan(r.hold)
	var fails, incs, passes, inARow, errsInARow int
	early := false
	last := ""
	for k := 1; k <= count; k++ {
		if err := r.clock.SleepUntil(ctx, st.Started.Add(time.Duration(k)*interval)); err != nil {
			return Inconclusive, "", err
		}
		st.Measurement, st.Of = k, count
		v, msg, err := r.analyzer.Analyze(ctx, st)
		if ctx.Err() != nil {
			return Inconclusive, "", ctx.Err()
		}
		if err == nil && v > Fail {
			err = fmt.Errorf("deploy: the analyzer returned an invalid verdict %v", v)
		}
		m := Measurement{Number: k, Time: r.now(), Verdict: v, Message: msg, Err: err}
		if err != nil {
			m.Verdict = Inconclusive
		}
		rec.Measurements = append(rec.Measurements, m)
		r.emit(EventMeasurement, st.Number, m.Verdict, fmt.Sprintf("%d/%d: %s", k, count, msg), err)
		if err != nil {
			errsInARow++
			inARow = 0
			if errsInARow > a.ConsecutiveErrorLimit {
				return Fail, fmt.Sprintf("measurement %d of %d could not be taken (%d in a row, limit %d): %v", k, count, errsInARow, a.ConsecutiveErrorLimit, err), err
			}
			continue
		}
		errsInARow = 0
		last = msg
		switch v {
		case Pass:
			passes++
			inARow++
		case Fail:
			fails++
			inARow = 0
		case Inconclusive:
			incs++
			inARow = 0
		}
		if fails > a.FailureLimit {
			return Fail, fmt.Sprintf("%d of %d measurements failed (limit %d); last: %s", fails, k, a.FailureLimit, msg), nil
		}
		if incs > a.InconclusiveLimit {
			return Inconclusive, fmt.Sprintf("%d of %d measurements inconclusive (limit %d); last: %s", incs, k, a.InconclusiveLimit, msg), nil
		}
		if a.ConsecutiveSuccessLimit > 0 && inARow >= a.ConsecutiveSuccessLimit {
			early = true
			break
		}
	}
	if a.ConsecutiveSuccessLimit > 0 && !early {
		return Inconclusive, fmt.Sprintf("%d passes in a row at best of the %d required, after %d measurements; last: %s", inARow, a.ConsecutiveSuccessLimit, count, last), nil
	}
	if err := r.clock.SleepUntil(ctx, end); err != nil {
		return Inconclusive, "", err
	}
	msg := fmt.Sprintf("%d passed", passes)
	if fails > 0 {
		msg += fmt.Sprintf(", %d failed (limit %d)", fails, a.FailureLimit)
	}
	if incs > 0 {
		msg += fmt.Sprintf(", %d inconclusive (limit %d)", incs, a.InconclusiveLimit)
	}
	if early {
		msg += fmt.Sprintf(": %d in a row", a.ConsecutiveSuccessLimit)
	}
	if last != "" {
		msg += "; last: " + last
	}
	return Pass, msg, nil
}

// checkHealth waits for the new version's health, reporting it.
func (r *runner) checkHealth(ctx context.Context, h HealthCheck, when string) error {
	if h.Clock == nil {
		h.Clock = r.clock
	}
	err := h.Wait(ctx, r.healthURL)
	v, msg := Pass, fmt.Sprintf("%s healthy %s", r.to, when)
	if err != nil {
		v, msg = Fail, fmt.Sprintf("%s unhealthy %s", r.to, when)
	}
	r.emit(EventHealth, 0, v, msg, err)
	return err
}

// pause ends the run Paused at step n.
func (r *runner) pause(n int) *Result {
	r.res.Status = Paused
	r.res.Reason = fmt.Sprintf("paused at step %d (%s %d%%): %s", n, r.to, r.steps[n-1], r.res.Steps[len(r.res.Steps)-1].Message)
	r.res.Err = nil
	return r.finish()
}

// promote gives the new version all the traffic, checks its health when
// asked, and cleans up.
func (r *runner) promote(ctx context.Context) *Result {
	full := r.weightsFor(100)
	if !maps.Equal(r.weights, full) {
		err := r.actions.SetWeights(ctx, full)
		if err != nil {
			r.emit(EventStep, 0, 0, fmt.Sprintf("promotion: %s 100%%", r.to), err)
			return r.rollback(ctx, fmt.Sprintf("setting the promotion's weights (%s 100%%) failed: %v", r.to, err), fmt.Errorf("set weights %v for the promotion: %w", full, err))
		}
		r.weights, r.res.Weights = full.clone(), full.clone()
		r.emit(EventStep, 0, 0, fmt.Sprintf("promotion: %s 100%%", r.to), nil)
	}
	if r.finalHealth != nil {
		if err := r.checkHealth(ctx, *r.finalHealth, "with all the traffic"); err != nil {
			return r.rollback(ctx, fmt.Sprintf("%s is not healthy with all the traffic: %v", r.to, err), err)
		}
	}
	if ctx.Err() != nil {
		return r.rollback(ctx, "", nil)
	}
	r.res.Status = Promoted
	r.res.Reason = fmt.Sprintf("promoted %s after %d steps", r.to, len(r.res.Steps))
	if r.router != nil {
		r.res.Reason += fmt.Sprintf(" with %d client-visible errors during the steps", r.res.StepErrors())
	}
	r.emit(EventPromotion, 0, Pass, r.res.Reason, nil)
	r.cleanup(ctx)
	return r.finish()
}

// rollback sends all the traffic back to the old version and cleans up.
// reason says why and cause is the error behind it, if any; when ctx is
// done, the rollout is Aborted and reason and cause say so.
func (r *runner) rollback(ctx context.Context, reason string, cause error) *Result {
	status := RolledBack
	if err := ctx.Err(); err != nil {
		status = Aborted
		if reason == "" {
			reason = "aborted: " + context.Cause(ctx).Error()
		} else {
			reason = "aborted: " + reason
		}
		if cause == nil {
			cause = context.Cause(ctx)
		}
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.rollbackTimeout)
	defer cancel()
	back := r.weightsFor(0)
	if err := r.actions.SetWeights(rctx, back); err != nil {
		r.res.RollbackErr = fmt.Errorf("set weights %v for the rollback: %w", back, err)
		reason += fmt.Sprintf(" (and the rollback failed: %v)", err)
	} else {
		r.weights, r.res.Weights = back.clone(), back.clone()
	}
	r.res.Status, r.res.Reason, r.res.Err = status, reason, cause
	r.emit(EventRollback, 0, Fail, reason, errors.Join(cause, r.res.RollbackErr))
	r.cleanup(rctx)
	return r.finish()
}

// cleanup runs the Cleanup action.
func (r *runner) cleanup(ctx context.Context) {
	if ctx.Err() != nil {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), r.rollbackTimeout)
		defer cancel()
	}
	retire := r.from
	if r.res.Status != Promoted {
		retire = r.to
	}
	err := r.actions.Cleanup(ctx, r.res)
	if err != nil {
		r.res.CleanupErr = fmt.Errorf("cleanup: %w", err)
	}
	r.emit(EventCleanup, 0, 0, "retire "+retire, err)
}

// finish dates the result and returns a copy of it.
func (r *runner) finish() *Result {
	r.res.Ended = r.now()
	if r.router != nil {
		s := r.router.Since(r.overall)
		r.res.Requests, r.res.Errors = s.Requests, s.Errors
	}
	out := *r.res
	out.Steps = slices.Clone(r.res.Steps)
	out.Events = slices.Clone(r.res.Events)
	out.Weights = r.res.Weights.clone()
	return &out
}

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = fmt.Sprint(x)
	}
	return strings.Join(s, " ")
}
