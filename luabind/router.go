package luabind

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"

	"github.com/reslua/reslua/engine"
	"github.com/reslua/reslua/internal/suggest"
)

// router is the userdata router { ... } returns. A load accepts it as its
// target.
type router struct {
	name string
	// r is the engine's router; nil for a placeholder.
	r *engine.Router
}

func (*router) kind() string     { return "router" }
func (r *router) String() string { return "router " + strconv.Quote(r.name) }

func (b *binder) routerMethods() map[string]lua.LGFunction {
	return map[string]lua.LGFunction{
		"name": func(L *lua.LState) int {
			L.Push(lua.LString(self[*router](L, "name").name))
			return 1
		},
		"url": func(L *lua.LState) int {
			ro := self[*router](L, "url")
			if ro.r == nil {
				L.Push(lua.LString(placeholderURL))
			} else {
				L.Push(lua.LString(ro.r.Target().URL()))
			}
			return 1
		},
		// weights() returns the weights in force: { blue = 90, green = 10 }.
		"weights": func(L *lua.LState) int {
			ro := self[*router](L, "weights")
			t := L.NewTable()
			if ro.r != nil {
				for name, w := range ro.r.Weights() {
					t.RawSetString(name, lua.LNumber(w))
				}
			}
			L.Push(t)
			return 1
		},
		// set_weights { blue = 90, green = 10 }: routes left out get 0.
		"set_weights": func(L *lua.LState) int {
			ro := self[*router](L, "set_weights")
			w, probs := b.weights(L.Get(2), "set_weights", ro)
			if len(probs) == 0 && ro.r != nil {
				if err := ro.r.SetWeights(w, "set_weights"); err != nil {
					probs = engineProblems("set_weights", err, nil)
				}
			}
			b.report(L, probs...)
			return 0
		},
	}
}

// weights decodes a table of route weights, { blue = 90, green = 10 }.
func (b *binder) weights(v lua.LValue, ctx string, ro *router) (map[string]int, []string) {
	f := newFields(v, ctx, "{ blue = 90, green = 10 }")
	if f.tbl == nil {
		return nil, f.problems
	}
	var known []string
	if ro.r != nil {
		known = ro.r.Routes()
	}
	w := map[string]int{}
	for _, kv := range sortedPairs(f.tbl) {
		name, ok := kv.k.(lua.LString)
		if !ok {
			f.problems = append(f.problems, fmt.Sprintf("%s: expected route names as keys, as in { blue = 90, green = 10 }, got %s", ctx, describe(kv.k)))
			continue
		}
		f.read[kv.k] = true
		if known != nil && !slices.Contains(known, string(name)) {
			msg := fmt.Sprintf("%s: no route named %q", ctx, string(name))
			if alt := suggest.Closest(string(name), known); alt != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", alt)
			}
			f.problems = append(f.problems, msg+"; the routes are "+joinQuoted(known))
			continue
		}
		n := f.toInt(string(name), kv.v)
		if n < 0 {
			f.fail(string(name), "weight must be >= 0, got %d", n)
		}
		w[string(name)] = n
	}
	return w, f.problems
}

// routerDecl implements
//
//	router { name = "mcp", routes = { blue = 100, green = 0 },
//	         breaker = { failure_rate = 0.5, min_calls = 20, open_for = "2s" },
//	         sticky = true, balance = "round_robin", seed = 1, timeout = "10s" }
//
// routes name targets made by target { ... }; a route may be a table,
// green = { weight = 0, breaker = { ... } }, to give it its own breaker.
// It starts the router on 127.0.0.1 (engine.Run.AddRouter) and returns it.
func (b *binder) routerDecl(L *lua.LState) int {
	f := newArgs(L, "router", `{ name = "mcp", routes = { blue = 100, green = 0 } }`)
	spec := engine.RouterSpec{
		Name:    f.str("name", required),
		Breaker: breakerSettings(f),
		Sticky:  f.boolean("sticky", optional),
		Balance: f.str("balance", optional),
		Timeout: f.nonzeroDuration("timeout", optional, "the longest of its targets' timeouts"),
	}
	if seed := f.integer("seed", optional); seed < 0 {
		f.fail("seed", "must be >= 0, got %d", seed)
	} else {
		spec.Seed = uint64(seed)
	}
	spec.Routes = b.routes(f)
	f.done()
	ro := &router{name: spec.Name}
	probs := f.validate(spec.Validate())
	if len(probs) == 0 && len(f.bad) == 0 {
		r, err := b.run.AddRouter(b.ctx, spec)
		if err == nil {
			ro.r = r
		} else {
			probs = engineProblems("router", err, nil)
		}
	}
	b.report(L, probs...)
	L.Push(wrap(L, ro, b.routerType))
	return 1
}

// routes decodes a router's routes: { blue = 100, green = 0 } or
// { blue = 100, green = { weight = 0, breaker = { ... } } }, keyed by
// target names.
func (b *binder) routes(f *fields) []engine.RouteSpec {
	t := f.table("routes", required)
	if t == nil {
		return nil
	}
	var out []engine.RouteSpec
	var names []string
	for name := range b.targets {
		names = append(names, name)
	}
	for _, kv := range sortedPairs(t) {
		name, ok := kv.k.(lua.LString)
		if !ok {
			f.fail("routes", "expected target names as keys, as in { blue = 100, green = 0 }, got %s", describe(kv.k))
			continue
		}
		key := "routes." + string(name)
		tg, found := b.targets[string(name)]
		switch {
		case !found:
			msg := fmt.Sprintf("no target named %q", string(name))
			if alt := suggest.Closest(string(name), names); alt != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", alt)
			}
			if len(names) > 0 {
				msg += "; the targets are " + joinQuoted(sortedUnique(names))
			} else {
				msg += "; make it first with target { name = " + strconv.Quote(string(name)) + ", url = ... }"
			}
			f.fail(key, "%s", msg)
			continue
		case tg.t == nil:
			f.markBad(key) // reported where the target was made
			continue
		}
		rs := engine.RouteSpec{Target: tg.t}
		switch v := kv.v.(type) {
		case lua.LNumber:
			rs.Weight = f.toInt(key, v)
		case *lua.LTable:
			rf := newFields(v, f.ctx+": "+key, `{ weight = 0, breaker = { ... } }`)
			rs.Weight = rf.integer("weight", required)
			rs.Breaker = breakerSettings(rf)
			rf.done()
			f.problems = append(f.problems, rf.problems...)
			if !rf.ok() {
				f.markBad(key)
			}
		default:
			f.fail(key, "expected a weight (a number) or { weight = ..., breaker = { ... } }, got %s", describe(v))
			continue
		}
		out = append(out, rs)
	}
	if len(f.bad) > 0 {
		f.markBad("routes") // a route was reported: not "no routes" too
	}
	return out
}

// joinQuoted renders names as "a", "b".
func joinQuoted(list []string) string {
	q := make([]string, len(list))
	for i, s := range list {
		q[i] = strconv.Quote(s)
	}
	return strings.Join(q, ", ")
}
