package luabind

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"

	"github.com/reslua/reslua/chaos"
	"github.com/reslua/reslua/engine"
	"github.com/reslua/reslua/internal/suggest"
)

// faultProxy is the userdata chaos.proxy { ... } returns.
type faultProxy struct {
	name string
	p    *engine.FaultProxy // nil for a placeholder
}

func (*faultProxy) kind() string     { return "fault proxy" }
func (p *faultProxy) String() string { return "fault proxy " + strconv.Quote(p.name) }

// fault is the userdata chaos.inject returns: the faults of one call.
type fault struct {
	label string
	p     *engine.FaultProxy
	ids   []string
}

func (*fault) kind() string     { return "fault" }
func (f *fault) String() string { return "fault " + strconv.Quote(f.label) }

var faultProxyMethods = map[string]lua.LGFunction{
	"name": func(L *lua.LState) int {
		L.Push(lua.LString(self[*faultProxy](L, "name").name))
		return 1
	},
	// addr() is what the dependency's clients connect to instead.
	"addr": func(L *lua.LState) int {
		p := self[*faultProxy](L, "addr")
		if p.p == nil {
			L.Push(lua.LString("127.0.0.1:0"))
		} else {
			L.Push(lua.LString(p.p.Addr()))
		}
		return 1
	},
}

var faultMethods = map[string]lua.LGFunction{
	// remove() ends the faults at once.
	"remove": func(L *lua.LState) int {
		f := self[*fault](L, "remove")
		if f.p != nil {
			f.p.Remove(f.ids...)
		}
		return 0
	},
}

// chaosProxy implements
//
//	chaos.proxy { name = "db", target = "127.0.0.1:5432", scope = "connection" }
//
// a fault proxy in front of a dependency: scope "connection" relays TCP
// and decides per connection; "request" is an HTTP proxy deciding per
// request. Its addr() is what the dependency's clients use instead.
func (b *binder) chaosProxy(L *lua.LState) int {
	f := newArgs(L, "chaos.proxy", `{ name = "db", target = "127.0.0.1:5432", scope = "connection" }`)
	spec := engine.FaultProxySpec{Name: f.str("name", required), Target: f.str("target", required)}
	switch scope := f.str("scope", required); scope {
	case "connection":
		spec.TCP = true
	case "request", "":
	default:
		msg := fmt.Sprintf(`expected "connection" (TCP, decided per connection) or "request" (HTTP, decided per request), got %q`, scope)
		if alt := suggest.Closest(scope, []string{"connection", "request"}); alt != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", alt)
		}
		f.fail("scope", "%s", msg)
	}
	f.done()
	out := &faultProxy{name: spec.Name}
	if f.ok() {
		p, err := b.run.AddFaultProxy(spec)
		if err != nil {
			b.report(L, engineProblems("chaos.proxy", err, nil)...)
		}
		out.p = p
	} else {
		b.report(L, f.problems...)
	}
	L.Push(wrap(L, out, b.faultProxyType))
	return 1
}

// inject implements
//
//	chaos.inject(green, { latency = "200ms", abort = { status = 503, rate = 0.2 },
//	                      match = { tool = "echo" }, probability = 1, first = 0, every = 0,
//	                      start = "0s", duration = "15s", name = "green trouble" })
//
// on a target (made with chaos = true, or one the check run saw faults
// injected into) or a chaos.proxy. Each kind key adds one fault, all
// sharing the other keys; a kind's table may give its own rate (its
// probability). It returns a fault whose remove() ends them early.
func (b *binder) inject(L *lua.LState) int {
	var fp *engine.FaultProxy
	known := true
	switch v := L.Get(1).(type) {
	case *lua.LUserData:
		switch o := v.Value.(type) {
		case *target:
			if o.t == nil {
				known = false
			} else if fp = o.t.FaultProxy(); fp == nil && !b.check {
				b.report(L, fmt.Sprintf("chaos.inject: target %q has no fault proxy in front of it: the check run did not reach a chaos.inject on it; declare it with target { ..., chaos = true }", o.spec.Name))
				return 0
			}
		case *faultProxy:
			fp, known = o.p, o.p != nil
		case *router:
			b.report(L, "chaos.inject: a router is not a fault target; inject into one of its routes' targets, e.g. chaos.inject(green, { ... })")
			return 0
		default:
			b.report(L, "chaos.inject: expected a target or a chaos.proxy as the first argument, got "+describe(v))
			return 0
		}
	default:
		b.report(L, "chaos.inject: expected a target or a chaos.proxy as the first argument, got "+describe(v))
		return 0
	}
	f := newFields(L.Get(2), "chaos.inject", `{ latency = "200ms", duration = "15s" }`)
	if n := L.GetTop(); n > 2 {
		f.problems = append(f.problems, fmt.Sprintf("chaos.inject: expected a target and one table, got %d arguments", n))
	}
	faults, label := b.faults(f)
	f.done()
	if f.tbl != nil && len(faults) == 0 && f.ok() {
		f.problems = append(f.problems, fmt.Sprintf("chaos.inject: no fault given; add one of %s, as in latency = \"200ms\"", strings.Join(chaos.Kinds(), ", ")))
	}
	h := &fault{label: label, p: fp}
	if !f.ok() || !known {
		b.report(L, f.problems...)
		L.Push(wrap(L, h, b.faultType))
		return 1
	}
	if fp == nil { // check mode, a target the dry run gave no proxy: fine
		L.Push(wrap(L, h, b.faultType))
		return 1
	}
	ids, err := b.run.Inject(fp, label, faults...)
	if err != nil {
		b.report(L, engineProblems("chaos.inject", err, nil)...)
	}
	h.ids = ids
	L.Push(wrap(L, h, b.faultType))
	return 1
}

// faults decodes the kinds and common settings of a chaos.inject table.
func (b *binder) faults(f *fields) ([]chaos.Fault, string) {
	common := chaos.Fault{
		Probability: f.nonzeroNumber("probability", "1, every matching request; to turn a fault off, remove it"),
		First:       f.nonzeroInt("first", optional, "no limit"),
		Every:       f.integer("every", optional),
		Start:       f.duration("start", optional),
		Duration:    f.nonzeroDuration("duration", optional, "until removed"),
		Match:       match(f),
	}
	label := f.str("name", optional)
	var out []chaos.Fault
	for _, kind := range chaos.Kinds() {
		v := f.get(kind, optional)
		if v == lua.LNil {
			continue
		}
		fl := common
		if a, rate := b.action(f, kind, v); a != nil {
			fl.Action = a
			if rate >= 0 {
				fl.Probability = rate
			}
			out = append(out, fl)
		}
	}
	return out, label
}

// match decodes match = { path, path_prefix, method, rpc_method, tool, header }.
func match(f *fields) chaos.Match {
	t := f.table("match", optional)
	if t == nil {
		return chaos.Match{}
	}
	mf := newFields(t, f.ctx+": match", `{ tool = "echo" }`)
	m := chaos.Match{
		Path:       mf.str("path", optional),
		PathPrefix: mf.str("path_prefix", optional),
		Method:     mf.str("method", optional),
		RPCMethod:  mf.str("rpc_method", optional),
		Tool:       mf.str("tool", optional),
		Header:     mf.stringMap("header", optional),
	}
	mf.done()
	f.problems = append(f.problems, mf.problems...)
	return m
}

// action decodes one kind's value: a shorthand (latency = "200ms",
// abort = 503, reset = true) or a table of its settings, which may hold
// rate, the fault's own probability (-1 when not given).
func (b *binder) action(f *fields, kind string, v lua.LValue) (chaos.Action, float64) {
	a, err := chaos.NewAction(kind)
	if err != nil { // the registry names every kind Kinds lists
		f.fail(kind, "%v", err)
		return nil, -1
	}
	rate := -1.0
	t, isTable := v.(*lua.LTable)
	var kf *fields
	if isTable {
		kf = newFields(t, f.ctx+": "+kind, "{ ... }")
		if t.RawGetString("rate") != lua.LNil {
			if rate = kf.nonzeroNumber("rate", "the fault's probability, or 1"); !kf.ok() {
				rate = -1
			} else if !(rate >= 0 && rate <= 1) { // NaN too
				kf.fail("rate", "expected the share of matching requests to hit, between 0 and 1, got %v", rate)
				rate = -1
			}
		}
	}
	bad := func(shape string) (chaos.Action, float64) {
		f.fail(kind, "expected %s, got %s", shape, describe(v))
		return nil, -1
	}
	switch x := a.(type) {
	case *chaos.Latency:
		if isTable {
			x.Delay, x.Jitter, x.Response = kf.duration("delay", optional), kf.duration("jitter", optional), kf.boolean("response", optional)
		} else if d, err := parseDuration(v); err == nil {
			x.Delay = d
		} else {
			return bad(`a duration such as "200ms" or { delay = "200ms", jitter = "50ms" }`)
		}
	case *chaos.Abort:
		if isTable {
			x.Status, x.Body, x.Header = kf.integer("status", optional), kf.str("body", optional), kf.stringMap("header", optional)
		} else if n, ok := v.(lua.LNumber); ok {
			x.Status = f.toInt(kind, n)
		} else if v != lua.LTrue {
			return bad("a status such as 503, true, or { status = 503, rate = 0.2 }")
		}
	case *chaos.JSONRPCError:
		if isTable {
			x.Code, x.Message = kf.integer("code", optional), kf.str("message", optional)
		} else if v != lua.LTrue {
			return bad(`true or { code = -32000, message = "..." }`)
		}
	case *chaos.Reset, *chaos.Blackhole:
		if !isTable && v != lua.LTrue {
			return bad("true")
		}
	case *chaos.Bandwidth:
		if isTable {
			x.BytesPerSecond = int64(kf.integer("bytes_per_second", optional))
			x.Direction = direction(kf)
		} else if n, ok := v.(lua.LNumber); ok {
			x.BytesPerSecond = int64(f.toInt(kind, n))
		} else {
			return bad("bytes per second such as 10000, or { bytes_per_second = 10000, direction = \"both\" }")
		}
	case *chaos.SlowClose:
		if isTable {
			x.Delay = kf.duration("delay", optional)
		} else if d, err := parseDuration(v); err == nil {
			x.Delay = d
		} else {
			return bad(`a duration such as "2s" or { delay = "2s" }`)
		}
	case *chaos.Cut:
		if isTable {
			x.Bytes, x.After, x.Direction = int64(kf.integer("bytes", optional)), kf.duration("after", optional), direction(kf)
		} else {
			return bad(`{ bytes = 1000 } or { after = "1s" }`)
		}
	}
	if kf != nil {
		kf.done()
		f.problems = append(f.problems, kf.problems...)
	}
	return a, rate
}

// direction decodes direction = "downstream" | "upstream" | "both".
func direction(f *fields) chaos.Direction {
	switch d := f.str("direction", optional); d {
	case "", "downstream":
		return chaos.Downstream
	case "upstream":
		return chaos.Upstream
	case "both":
		return chaos.Both
	default:
		msg := fmt.Sprintf("expected downstream, upstream or both, got %q", d)
		if alt := suggest.Closest(d, []string{"downstream", "upstream", "both"}); alt != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", alt)
		}
		f.fail("direction", "%s", msg)
		return chaos.Downstream
	}
}

// at implements at("20s", function() ... end): the function runs on the
// run's timeline, that long after the run's start, while the script waits
// in sleep, wait or a rollout (or after its last line, while loads run).
func (b *binder) at(L *lua.LState) int {
	d, err := parseDuration(L.Get(1))
	fn, ok := L.Get(2).(*lua.LFunction)
	switch {
	case err != nil:
		b.report(L, "at: "+err.Error())
		return 0
	case !ok || fn.IsG:
		b.report(L, fmt.Sprintf(`at: expected a function as the second argument, as in at("20s", function() ... end), got %s`, describe(L.Get(2))))
		return 0
	}
	if err := b.run.At(d, position(L), b.callback(fn)); err != nil {
		b.report(L, "at: "+err.Error())
	}
	return 0
}

// every implements every("5s", function() ... end): the function runs
// every period from now until the run's loads have ended (once, in check).
func (b *binder) every(L *lua.LState) int {
	d, err := parseDuration(L.Get(1))
	fn, ok := L.Get(2).(*lua.LFunction)
	switch {
	case err != nil:
		b.report(L, "every: "+err.Error())
		return 0
	case !ok || fn.IsG:
		b.report(L, fmt.Sprintf(`every: expected a function as the second argument, as in every("5s", function() ... end), got %s`, describe(L.Get(2))))
		return 0
	}
	if err := b.run.Every(d, position(L), b.callback(fn)); err != nil {
		b.report(L, "every: "+err.Error())
	}
	return 0
}

// callback makes a Lua function a Run callback: it runs on the script's
// state (callbacks run on the script's goroutine); its error is the one
// the script would have raised, with its position.
func (b *binder) callback(fn *lua.LFunction) func(context.Context) error {
	return func(context.Context) error {
		L := b.L
		top := L.GetTop()
		defer L.SetTop(top)
		L.Push(fn)
		if err := callProtected(L, 0, 0); err != nil {
			return b.translate(err)
		}
		return nil
	}
}

// experiment implements
//
//	chaos.experiment {
//	  title = "the app survives a stalled dependency",
//	  steady_state = { { "error_rate", "< 1%", request = "echo" }, { "p95", "< 250ms" } },
//	  window = "5s",
//	  method = function() chaos.inject(dep, { blackhole = true, duration = "5s" }); sleep("5s") end,
//	  safety = { { "error_rate", "< 50%" } }, on_safety = "experiment" | "run",
//	  rollbacks = function() ... end,
//	  control = control_load, experiment = experiment_load,
//	}
//
// a chaos experiment (engine.Run.Experiment) on the script's goroutine; it
// returns { status = "held" | "deviated" | "aborted" | "not_started" |
// "failed" | "planned", held = bool, reason = "...", journal = { ... } }.
func (b *binder) experiment(L *lua.LState) int {
	f := newArgs(L, "chaos.experiment", `{ title = "...", steady_state = { ... }, method = function() ... end }`)
	spec := engine.ExperimentSpec{
		Title:       f.str("title", required),
		SteadyState: liveChecks(f, "steady_state"),
		Window:      f.nonzeroDuration("window", optional, "5s"),
		Safety:      liveChecks(f, "safety"),
		Where:       position(L),
	}
	if fn := f.function("method", required); fn != nil {
		spec.Method = b.callback(fn)
	}
	if fn := f.function("rollbacks", optional); fn != nil {
		spec.Rollbacks = b.callback(fn)
	}
	switch s := f.str("on_safety", optional); s {
	case "", "experiment":
	case "run":
		spec.AbortRun = true
	default:
		f.fail("on_safety", `expected "experiment" (stop the experiment only) or "run" (abort the whole run), got %q`, s)
	}
	for _, k := range []string{"control", "experiment"} {
		v := f.get(k, optional)
		if v == lua.LNil {
			continue
		}
		tr, ok := unwrap[*traffic](v)
		if !ok {
			f.fail(k, "expected a load (made by load { ... }), got %s", describe(v))
			continue
		}
		if k == "control" {
			spec.Control = tr.name
		} else {
			spec.Experiment = tr.name
		}
	}
	f.done()
	probs := f.validate(spec.Validate())
	out := L.NewTable()
	if len(probs) > 0 || len(f.bad) > 0 {
		b.report(L, probs...)
		out.RawSetString("status", lua.LString("planned"))
		L.Push(out)
		return 1
	}
	res, err := b.run.Experiment(b.ctx, spec)
	if err != nil {
		var cb *engine.CallbackError
		switch {
		case errors.As(err, &cb):
			b.raise(L, cb.Err)
		case res != nil: // the method's or a rollback's error: the script's own
			b.raise(L, err)
		default:
			b.report(L, engineProblems("chaos.experiment", err, nil)...)
			out.RawSetString("status", lua.LString("planned"))
			L.Push(out)
			return 1
		}
	}
	out.RawSetString("status", lua.LString(res.Status))
	out.RawSetString("held", lua.LBool(res.Status == "held"))
	out.RawSetString("reason", lua.LString(res.Reason))
	journal := L.CreateTable(len(res.Journal), 0)
	for _, e := range res.Journal {
		journal.Append(lua.LString(e.String()))
	}
	out.RawSetString("journal", journal)
	L.Push(out)
	return 1
}

// liveChecks decodes a list of checks on live figures:
// { { "error_rate", "< 1%", request = "...", load = "...", tag = "k=v" }, ... }.
func liveChecks(f *fields, key string) []engine.CheckSpec {
	t := f.table(key, optional)
	if t == nil {
		return nil
	}
	var out []engine.CheckSpec
	for i := 1; i <= t.Len(); i++ {
		cf := newFields(t.RawGetInt(i), fmt.Sprintf("%s: %s[%d]", f.ctx, key, i), `{ "error_rate", "< 1%" }`)
		c := engine.CheckSpec{
			Metric:    cf.toString("metric", cf.index(1, "metric", required)),
			Threshold: cf.toString("threshold", cf.index(2, "threshold", required)),
			Request:   cf.str("request", optional),
			Load:      cf.str("load", optional),
			Tag:       cf.str("tag", optional),
		}
		cf.done()
		f.problems = append(f.problems, cf.problems...)
		if cf.ok() {
			out = append(out, c)
		}
	}
	if t.Len() == 0 {
		f.fail(key, `expected a list of checks, as in { { "error_rate", "< 1%%" } }`)
	}
	return out
}
