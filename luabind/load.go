package luabind

import (
	"context"
	"fmt"
	"strconv"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/reslua/reslua/engine"
)

// traffic is the userdata load { ... } returns: a running load.
type traffic struct {
	name string
	// l is the engine's load; nil for a check-mode placeholder.
	l *engine.Load
}

func (*traffic) kind() string     { return "load" }
func (t *traffic) String() string { return "load " + strconv.Quote(t.name) }

// load implements
//
//	load { name = "blue", target = t, rate = 300, duration = "30s",
//	       workers = 100, queue = 10000, sessions = 10, abort_if_behind = "10s",
//	       graceful_stop = "30s",
//	       mix = { { 60, mcp.tools_list() }, { 10, http.get("/health"), name = "health" } } }
//
// and its variants: a ramp of the rate (rate = start, stages = { { target =
// 300, duration = "10s" }, ... } instead of duration), and the closed model
// (vus = 50, think_time = "100ms", with duration or stages of users). It
// starts a load (engine.Run.StartLoad) and returns it.
func (b *binder) load(L *lua.LState) int {
	f := newArgs(L, "load", `{ target = ..., rate = 300, duration = "30s", mix = { ... } }`)
	spec := engine.LoadSpec{Name: f.str("name", optional)}
	spec.Tags = f.stringMap("tags", optional)
	var tg *target
	if v := f.get("target", required); v != lua.LNil {
		var ok bool
		if ro, isRouter := unwrap[*router](v); isRouter {
			// A router is a target: its own, which routes on.
			tg, ok = &target{spec: engine.TargetSpec{Name: ro.name}}, true
			if ro.r != nil {
				tg.t = ro.r.Target()
			}
		} else {
			tg, ok = unwrap[*target](v)
		}
		if !ok {
			f.fail("target", "expected a target (made by target { ... }) or a router, got %s", describe(v))
		} else if tg.t == nil {
			f.markBad("target") // its problems were reported where it was made
		} else {
			spec.Target = tg.t
		}
	}
	closed := f.tbl != nil && f.tbl.RawGetString("vus") != lua.LNil
	staged := f.tbl != nil && f.tbl.RawGetString("stages") != lua.LNil
	if !closed && !staged && f.tbl != nil && f.tbl.RawGetString("rate") == lua.LNil {
		f.fail("rate", "required: give rate = requests per second (open model) or vus = virtual users (closed model)")
	}
	spec.Closed = closed
	spec.Rate = f.number("rate", optional)
	spec.VUs = f.integer("vus", optional)
	spec.ThinkTime = f.duration("think_time", optional)
	spec.Duration = f.duration("duration", !staged)
	spec.Stages = stages(f)
	spec.AbortIfBehind = f.duration("abort_if_behind", optional)
	if v := f.get("graceful_stop", optional); v != lua.LNil { // absent: the engine's default
		if g, err := parseDuration(v); err != nil {
			f.fail("graceful_stop", "%v", err)
		} else {
			spec.GracefulStop = &g // "0s" cuts requests in flight at once
		}
	}
	spec.Workers = f.nonzeroInt("workers", optional, strconv.Itoa(engine.DefaultWorkers))
	spec.Queue = f.nonzeroInt("queue", optional, strconv.Itoa(engine.DefaultQueue))
	spec.Sessions = f.nonzeroInt("sessions", optional, strconv.Itoa(engine.DefaultSessions))
	spec.SharedConns = f.boolean("share_connections", optional)
	spec.KeepSessions = f.boolean("keep_sessions", optional)
	spec.FreshSessions = f.boolean("fresh_sessions", optional)
	mix, fns := b.mix(f, f.get("mix", required))
	spec.Mix = mix
	f.done()
	h, hookProbs := b.loadHooks(f.ctx, spec.Mix, fns)
	if h != nil {
		spec.Hooks = h
	}

	tr := &traffic{name: spec.Name}
	if tr.name == "" && tg != nil {
		tr.name = tg.spec.Name
	}
	probs := append(f.validate(spec.Validate()), hookProbs...)
	// f.bad without problems means a placeholder target or request, whose
	// problems were reported where it was made: the load stays a
	// placeholder too, silently.
	if len(probs) == 0 && len(f.bad) == 0 {
		// Loads outlive the script's context: the caller stops them
		// gracefully with Run.Interrupt and Run.Finish.
		l, err := b.run.StartLoad(context.WithoutCancel(b.ctx), spec)
		if err == nil {
			tr.l, tr.name = l, l.Name()
			L.Push(wrap(L, tr, b.trafficType))
			return 1
		}
		probs = engineProblems("load", err, nil)
	}
	b.report(L, probs...)
	// Check mode: remember the names, so that checks scoped to them do not
	// report a second time that no such load or request exists.
	b.invalidLoads[tr.name] = true
	for _, e := range spec.Mix {
		b.invalidRequests[e.Request.DisplayName()] = true
	}
	L.Push(wrap(L, tr, b.trafficType))
	return 1
}

// stages decodes a load's stages: a list of { target = n, duration = "10s" }.
func stages(f *fields) []engine.Stage {
	t := f.table("stages", optional)
	if t == nil {
		return nil
	}
	n := t.Len()
	if n == 0 {
		f.fail("stages", `expected a list of { target = ..., duration = "10s" } entries, got an empty table`)
		return nil
	}
	for _, p := range sortedPairs(t) {
		if i, ok := p.k.(lua.LNumber); !ok || float64(i) != float64(int(i)) || int(i) < 1 || int(i) > n {
			f.fail("stages", "unexpected %s; stages are a list of { target = ..., duration = \"10s\" } entries", keyed(p))
		}
	}
	out := make([]engine.Stage, n)
	for i := 1; i <= n; i++ {
		sf := newFields(t.RawGetInt(i), f.ctx+": stages["+strconv.Itoa(i)+"]", `{ target = 300, duration = "10s" }`)
		out[i-1] = engine.Stage{Target: sf.number("target", required), Duration: sf.duration("duration", required)}
		sf.done()
		f.problems = append(f.problems, sf.problems...)
		if len(sf.problems) > 0 {
			f.markBad("stages[" + strconv.Itoa(i) + "]")
		}
	}
	return out
}

// mix decodes a load's mix: a list of { weight, request, name = ...,
// check = function(reply) ... end } entries, where the request may be a
// Lua function that builds it per request. Every entry gets a place in the
// result, even a bad one, so that the engine's "mix[i]" messages keep
// their indices; so do the hook functions found, in fns.
func (b *binder) mix(f *fields, v lua.LValue) (entries []engine.MixEntry, fns []hookFuncs) {
	if v == lua.LNil {
		return nil, nil
	}
	t, ok := v.(*lua.LTable)
	if !ok {
		f.fail("mix", "expected a list of { weight, request } entries, got %s", describe(v))
		return nil, nil
	}
	n := t.Len()
	for _, p := range sortedPairs(t) {
		if i, ok := p.k.(lua.LNumber); ok && float64(i) == float64(int(i)) && int(i) >= 1 && int(i) <= n {
			continue
		}
		f.fail("mix", "unexpected %s; a mix is a list of { weight, request } entries such as { 10, mcp.ping() }",
			keyed(p))
	}
	entries = make([]engine.MixEntry, n)
	fns = make([]hookFuncs, n)
	for i := 1; i <= n; i++ {
		ctx := f.ctx + ": mix[" + strconv.Itoa(i) + "]"
		ef := newFields(t.RawGetInt(i), ctx, "{ weight, request } such as { 10, mcp.ping() }")
		e := &entries[i-1]
		e.Weight = ef.toInt("weight", ef.index(1, "weight", required))
		if rv := ef.index(2, "request", required); rv != lua.LNil {
			if r, ok := unwrap[*request](rv); ok {
				e.Request = r.spec
				if r.invalid {
					ef.markBad("request")
				}
			} else if fn, ok := rv.(*lua.LFunction); ok && !fn.IsG {
				e.Build = true
				fns[i-1].build = fn
			} else if name, ok := b.library[rv]; ok && rv.Type() == lua.LTFunction {
				ef.fail("request", "expected a request, got the function %s itself; call it, as in %s(...)", name, name)
			} else {
				ef.fail("request", "expected a request such as mcp.tools_list() or http.get(\"/health\"), or a function that returns one, got %s", describe(rv))
			}
		}
		if name := ef.str("name", optional); name != "" {
			e.Request.Name = name
		}
		switch cv := ef.get("check", optional).(type) {
		case *lua.LNilType:
		case *lua.LFunction:
			if cv.IsG {
				ef.fail("check", "expected a Lua function such as function(reply) return reply.status == 200 end, got a Go function")
			} else {
				e.Check = true
				fns[i-1].check = cv
			}
		default:
			ef.fail("check", "expected a function such as function(reply) return reply.status == 200 end, got %s", describe(cv))
		}
		ef.done()
		f.problems = append(f.problems, ef.problems...)
		if len(ef.problems) > 0 || len(ef.bad) > 0 {
			f.markBad("mix[" + strconv.Itoa(i) + "]")
		}
	}
	return entries, fns
}

// loadHooks makes the hooks of a load whose mix has Lua functions (fns):
// it freezes what they capture and, in check mode, runs each builder once.
// It returns nil hooks when the mix has none, and the problems found.
func (b *binder) loadHooks(ctx string, mix []engine.MixEntry, fns []hookFuncs) (*hooks, []string) {
	found := false
	for _, fn := range fns {
		found = found || fn.build != nil || fn.check != nil
	}
	if !found {
		return nil, nil
	}
	h, probs := b.newHooks(mix, fns)
	if len(probs) == 0 && b.check {
		probs = h.trial(b.ctx)
	}
	for i, p := range probs {
		probs[i] = ctx + ": " + p
	}
	return h, probs
}

// keyed describes a table entry for a message: `key "x"` or `value 5 at
// position 7`.
func keyed(p pair) string {
	if s, ok := p.k.(lua.LString); ok {
		return fmt.Sprintf("key %q", string(s))
	}
	if n, ok := p.k.(lua.LNumber); ok {
		return fmt.Sprintf("%s at position %s", describe(p.v), n)
	}
	return "key " + describe(p.k)
}

// trafficMethods are the methods of a load: name, wait
// (engine.Run.WaitLoad, interrupted by the script's context) and stop.
// On a check-mode placeholder wait and stop do nothing.
func (b *binder) trafficMethods() map[string]lua.LGFunction {
	return map[string]lua.LGFunction{
		"name": func(L *lua.LState) int {
			L.Push(lua.LString(self[*traffic](L, "name").name))
			return 1
		},
		"wait": func(L *lua.LState) int {
			tr := self[*traffic](L, "wait")
			if tr.l == nil {
				return 0
			}
			if err := b.run.WaitLoad(b.ctx, tr.l); err != nil {
				b.stop(L, "wait", err)
			}
			return 0
		},
		"stop": func(L *lua.LState) int {
			if tr := self[*traffic](L, "stop"); tr.l != nil {
				tr.l.Stop()
			}
			return 0
		},
		// set_rate(300): an open load's rate from now on.
		"set_rate": func(L *lua.LState) int {
			tr := self[*traffic](L, "set_rate")
			b.setRate(L, tr, "set_rate", L.Get(2), 0)
			return 0
		},
		// ramp_to(300, "10s"): an open load's rate ramps from now on.
		"ramp_to": func(L *lua.LState) int {
			tr := self[*traffic](L, "ramp_to")
			over, err := parseDuration(L.Get(3))
			if err != nil {
				b.report(L, fmt.Sprintf("%s:ramp_to: duration: %v", tr, err))
				return 0
			}
			if over <= 0 {
				b.report(L, fmt.Sprintf("%s:ramp_to: duration: expected a duration > 0, got %s (use set_rate for a step)", tr, over))
				return 0
			}
			b.setRate(L, tr, "ramp_to", L.Get(2), over)
			return 0
		},
	}
}

// setRate changes tr's rate to v (a number of requests per second) over
// `over`, reporting a bad value or a closed load at the call's position.
func (b *binder) setRate(L *lua.LState, tr *traffic, method string, v lua.LValue, over time.Duration) {
	n, ok := v.(lua.LNumber)
	if !ok {
		b.report(L, fmt.Sprintf("%s:%s: rate: expected requests per second, got %s", tr, method, describe(v)))
		return
	}
	if tr.l == nil { // check-mode placeholder
		return
	}
	if err := tr.l.SetRate(float64(n), over); err != nil {
		b.report(L, fmt.Sprintf("%s:%s: %v", tr, method, err))
	}
}
