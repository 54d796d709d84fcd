package luabind

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"

	"github.com/reslua/reslua/deploy"
	"github.com/reslua/reslua/engine"
)

// blueGreen implements deploy.blue_green { ... }; see rollout.
func (b *binder) blueGreen(L *lua.LState) int { return b.rollout(L, "blue_green") }

// canary implements deploy.canary { ... }; see rollout.
func (b *binder) canary(L *lua.LState) int { return b.rollout(L, "canary") }

// rollout implements
//
//	deploy.blue_green {
//	  router = lb, from = "blue", to = "green",
//	  steps = { 10, 25, 50, 75, 100 }, hold = "5s",
//	  analysis = { interval = "1s", failure_limit = 1, min_requests = 20,
//	               p95 = "< 300ms", error_rate = "< 2%" },
//	  health = { path = "/health", successes = 3, interval = "1s", timeout = "30s" },
//	  on_pause = function(p) return "continue" end,
//	  actions = { start = function() end, set_weights = function(w) end,
//	              cleanup = function(status) end },
//	}
//
// and deploy.canary with the same keys (health only when given). It runs
// the rollout (engine.Run.Rollout), blocking the script until it is
// promoted, rolled back, paused or aborted, and returns a table the
// script can branch on: status ("promoted", "rolled_back", "paused",
// "aborted"; "planned" under check), reason, error, steps, requests,
// errors, and resume(decision) for a paused rollout.
func (b *binder) rollout(L *lua.LState, strategy string) int {
	verb := "deploy." + strategy
	f := newArgs(L, verb, `{ router = lb, to = "green", steps = { 10, 50, 100 }, hold = "5s" }`)
	spec := engine.RolloutSpec{Strategy: strategy, Where: position(L)}
	if v := f.get("router", optional); v != lua.LNil {
		if ro, ok := unwrap[*router](v); !ok {
			f.fail("router", "expected a router (made by router { ... }), got %s", describe(v))
		} else if ro.r == nil {
			f.markBad("router") // reported where it was made
		} else {
			spec.Router = ro.r
		}
	}
	spec.From = f.str("from", optional)
	spec.To = f.str("to", optional)
	spec.Steps = steps(f)
	spec.Hold = f.nonzeroDuration("hold", optional, "30s")
	b.analysis(f, &spec)
	b.health(f, &spec, strategy)
	if fn := f.function("on_pause", optional); fn != nil {
		spec.Decide = b.decide(fn)
	}
	spec.Actions = b.actions(f)
	f.done()
	probs := f.validate(spec.Validate())
	if len(probs) == 0 && len(f.bad) == 0 {
		ro, err := b.run.Rollout(b.ctx, spec)
		if err == nil {
			L.Push(b.rolloutTable(L, ro))
			return 1
		}
		var cb *engine.CallbackError
		if errors.As(err, &cb) {
			b.raise(L, cb.Err)
		}
		probs = engineProblems(verb, err, nil)
	}
	b.report(L, probs...)
	t := L.NewTable()
	t.RawSetString("status", lua.LString("planned"))
	L.Push(t)
	return 1
}

// steps decodes steps = { 10, 25, 50 }: the new version's shares.
func steps(f *fields) []int {
	t := f.table("steps", optional)
	if t == nil {
		return nil
	}
	out := []int{}
	for _, kv := range sortedPairs(t) {
		i, ok := kv.k.(lua.LNumber)
		if !ok || int(i) != len(out)+1 {
			f.fail("steps", "expected a list of percentages, as in { 10, 25, 50, 75, 100 }, got key %s", describe(kv.k))
			return nil
		}
		out = append(out, f.toInt("steps["+strconv.Itoa(len(out)+1)+"]", kv.v))
	}
	return out
}

// analysis decodes analysis = { interval, count, failure_limit, ...,
// and gates such as p95 = "< 300ms" }.
func (b *binder) analysis(f *fields, spec *engine.RolloutSpec) {
	t := f.table("analysis", optional)
	if t == nil {
		return
	}
	af := newFields(t, f.ctx+": analysis", `{ interval = "1s", p95 = "< 300ms", error_rate = "< 2%" }`)
	spec.Analysis = deploy.Analysis{
		Interval:                af.nonzeroDuration("interval", optional, "the hold: one measurement per step"),
		Count:                   af.nonzeroInt("count", optional, "as many as fit in the hold"),
		FailureLimit:            af.integer("failure_limit", optional),
		InconclusiveLimit:       af.integer("inconclusive_limit", optional),
		ConsecutiveSuccessLimit: af.integer("consecutive_success_limit", optional),
		ConsecutiveErrorLimit:   af.integer("consecutive_error_limit", optional),
	}
	spec.MinRequests = af.nonzeroInt("min_requests", optional, "1")
	for _, m := range engine.GateMetrics {
		if th := af.str(m, optional); th != "" {
			spec.Gates = append(spec.Gates, engine.CheckSpec{Metric: m, Threshold: th, Where: position(b.L)})
		}
	}
	af.done()
	// Not marked bad: the engine's complaints about the gates are others.
	f.problems = append(f.problems, af.problems...)
}

// health decodes health = { path, expect, successes, interval, timeout,
// probe_timeout }, or health = false to skip blue-green's checks.
func (b *binder) health(f *fields, spec *engine.RolloutSpec, strategy string) {
	switch v := f.get("health", optional).(type) {
	case *lua.LNilType:
		return
	case lua.LBool:
		if v {
			f.fail("health", "expected a table { path = \"/health\", ... } or false, got true")
		} else if strategy == "canary" {
			f.fail("health", "a canary checks health only when given a table; leave health out instead of false")
		} else {
			spec.SkipHealth = true
		}
		return
	}
	t := f.table("health", optional)
	if t == nil {
		return
	}
	hf := newFields(t, f.ctx+": health", `{ path = "/health", successes = 3, interval = "1s" }`)
	h := &deploy.HealthCheck{
		Path:         hf.str("path", optional),
		Expect:       hf.nonzeroInt("expect", optional, "200"),
		Successes:    hf.nonzeroInt("successes", optional, "5; 3 for blue-green"),
		Interval:     hf.nonzeroDuration("interval", optional, "10s"),
		Timeout:      hf.nonzeroDuration("timeout", optional, "5m"),
		ProbeTimeout: hf.nonzeroDuration("probe_timeout", optional, "10s, or the interval if shorter"),
	}
	hf.done()
	f.problems = append(f.problems, hf.problems...)
	if !hf.ok() {
		f.markBad("health")
		return
	}
	spec.Health = h
}

// actions decodes actions = { start = fn, set_weights = fn, cleanup = fn }:
// Lua functions that carry the rollout out on real infrastructure. Each
// runs on the script's own state; an error() in one, or a false return
// (with an optional message), rolls the rollout back and says where.
func (b *binder) actions(f *fields) *engine.RolloutActions {
	t := f.table("actions", optional)
	if t == nil {
		return nil
	}
	af := newFields(t, f.ctx+": actions", `{ set_weights = function(w) ... end }`)
	a := &engine.RolloutActions{}
	if fn := af.function("start", optional); fn != nil {
		a.Start = func(ctx context.Context) error { return b.callAction(ctx, fn, "start action") }
	}
	if fn := af.function("set_weights", optional); fn != nil {
		a.SetWeights = func(ctx context.Context, w map[string]int) error {
			t := b.L.NewTable()
			for name, v := range w {
				t.RawSetString(name, lua.LNumber(v))
			}
			return b.callAction(ctx, fn, "set_weights action", t)
		}
	}
	if fn := af.function("cleanup", optional); fn != nil {
		a.Cleanup = func(ctx context.Context, status string) error {
			return b.callAction(ctx, fn, "cleanup action", lua.LString(status))
		}
	}
	af.done()
	f.problems = append(f.problems, af.problems...)
	if !af.ok() {
		f.markBad("actions")
	}
	return a
}

// callAction calls a script's rollout action on the script's state (the
// rollout runs on the script's goroutine). It fails when fn raises an
// error or returns false, with fn's file:line.
func (b *binder) callAction(ctx context.Context, fn *lua.LFunction, what string, args ...lua.LValue) error {
	L := b.L
	top := L.GetTop()
	defer L.SetTop(top)
	L.Push(fn)
	for _, a := range args {
		L.Push(a)
	}
	if err := callProtected(L, len(args), 2); err != nil {
		return hookError(ctx, fn, what, err)
	}
	if L.Get(top+1) == lua.LFalse {
		msg := what + " returned false"
		if m := L.Get(top + 2); m != lua.LNil {
			msg += ": " + L.ToStringMeta(m).String()
		}
		return &Error{Pos: definedAt(fn), Msg: msg}
	}
	return nil
}

// decide makes a Lua on_pause function the rollout's Decide: it gets
// { step = n, weight = w, reason = "..." } and returns "continue",
// "promote", "rollback" or "hold".
func (b *binder) decide(fn *lua.LFunction) func(context.Context, deploy.Pause) (deploy.Decision, error) {
	return func(ctx context.Context, p deploy.Pause) (deploy.Decision, error) {
		L := b.L
		top := L.GetTop()
		defer L.SetTop(top)
		arg := L.NewTable()
		arg.RawSetString("step", lua.LNumber(p.Step.Number))
		arg.RawSetString("weight", lua.LNumber(p.Step.Weight))
		arg.RawSetString("reason", lua.LString(p.Reason))
		L.Push(fn)
		L.Push(arg)
		if err := callProtected(L, 1, 1); err != nil {
			return deploy.Hold, hookError(ctx, fn, "on_pause", err)
		}
		v := L.Get(top + 1)
		s, ok := v.(lua.LString)
		if !ok {
			return deploy.Hold, &Error{Pos: definedAt(fn), Msg: fmt.Sprintf("on_pause returned %s; expected one of %s", describe(v), strings.Join(engine.Decisions, ", "))}
		}
		d, err := engine.ParseDecision(string(s))
		if err != nil {
			return deploy.Hold, &Error{Pos: definedAt(fn), Msg: "on_pause: " + err.Error()}
		}
		return d, nil
	}
}

// rolloutTable returns the script's view of a rollout's result.
func (b *binder) rolloutTable(L *lua.LState, ro *engine.Rollout) *lua.LTable {
	r := ro.Result()
	t := L.NewTable()
	t.RawSetString("status", lua.LString(r.Status))
	t.RawSetString("promoted", lua.LBool(r.Status == "promoted"))
	t.RawSetString("rolled_back", lua.LBool(r.Status == "rolled_back"))
	t.RawSetString("paused", lua.LBool(r.Status == "paused"))
	t.RawSetString("reason", lua.LString(r.Reason))
	if r.Err != nil {
		t.RawSetString("error", lua.LString(r.Err.Error()))
	}
	t.RawSetString("from", lua.LString(r.From))
	t.RawSetString("to", lua.LString(r.To))
	t.RawSetString("requests", lua.LNumber(r.Requests))
	t.RawSetString("errors", lua.LNumber(r.Errors))
	list := L.CreateTable(len(r.Steps), 0)
	for _, s := range r.Steps {
		st := L.NewTable()
		st.RawSetString("number", lua.LNumber(s.Number))
		st.RawSetString("weight", lua.LNumber(s.Weight))
		st.RawSetString("verdict", lua.LString(s.Verdict))
		st.RawSetString("message", lua.LString(s.Message))
		st.RawSetString("requests", lua.LNumber(s.Requests))
		st.RawSetString("errors", lua.LNumber(s.Errors))
		st.RawSetString("seconds", lua.LNumber(s.Duration.Seconds()))
		list.Append(st)
	}
	t.RawSetString("steps", list)
	// resume("promote"): continue a paused rollout; returns a new result.
	t.RawSetString("resume", L.NewFunction(func(L *lua.LState) int {
		d := L.CheckString(1)
		if _, err := engine.ParseDecision(d); err != nil {
			b.report(L, "resume: "+err.Error())
			return 0
		}
		if err := ro.Resume(b.ctx, d); err != nil {
			b.report(L, "resume: "+err.Error())
			return 0
		}
		L.Push(b.rolloutTable(L, ro))
		return 1
	}))
	return t
}
