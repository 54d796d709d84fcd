package luabind

import (
	"slices"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// verbNames lists the globals the DSL adds, in the order of the docs.
var verbNames = []string{"target", "router", "demo", "load", "mcp", "http", "deploy", "chaos", "at", "every", "sleep", "sla", "env", "json", "print"}

// install makes the userdata types, adds the verbs as globals, and
// collects them in the table require("reslua") returns.
func (b *binder) install() {
	L := b.L
	b.targetType = newType(L, "target", targetMethods)
	b.requestType = newType(L, "request", requestMethods)
	b.trafficType = newType(L, "load", b.trafficMethods())
	b.routerType = newType(L, "router", b.routerMethods())
	b.faultProxyType = newType(L, "fault proxy", faultProxyMethods)
	b.faultType = newType(L, "fault", faultMethods)
	b.reqs = &requests{typ: b.requestType, report: b.report}

	mcpT, httpT := builderModules(L, b.reqs)
	verbs := map[string]lua.LValue{
		"target": L.NewFunction(b.target),
		"router": L.NewFunction(b.routerDecl),
		"deploy": goModule(L, map[string]lua.LGFunction{"blue_green": b.blueGreen, "canary": b.canary}),
		"chaos":  goModule(L, map[string]lua.LGFunction{"inject": b.inject, "proxy": b.chaosProxy, "experiment": b.experiment}),
		"at":     L.NewFunction(b.at),
		"every":  L.NewFunction(b.every),
		"load":   L.NewFunction(b.load),
		"sleep":  L.NewFunction(b.sleep),
		"sla":    L.NewFunction(b.sla),
		"demo":   goModule(L, map[string]lua.LGFunction{"mcp": b.demoMCP, "kv": b.demoKV}),
		"mcp":    mcpT,
		"http":   httpT,
		"env":    b.newEnv(b.script.opts.Env),
		"json":   jsonModule(L, &b.reqs.enc),
		"print":  L.GetGlobal("print"),
	}
	b.verbs = L.NewTable()
	for _, name := range verbNames {
		L.SetGlobal(name, verbs[name])
		b.verbs.RawSetString(name, verbs[name])
	}
	L.SetGlobal("require", L.NewFunction(b.require))
	b.library = invert(libraryValues(L, b.verbs))
	unknown := b.unknownName()
	guardModules(L, unknown)
	guardGlobals(L, unknown)
}

// goModule returns a table of Go functions.
func goModule(L *lua.LState, fns map[string]lua.LGFunction) *lua.LTable {
	t := L.CreateTable(0, len(fns))
	for name, fn := range fns {
		t.RawSetString(name, L.NewFunction(fn))
	}
	return t
}

// builderModules returns the mcp and http tables of the request builders.
func builderModules(L *lua.LState, rs *requests) (mcpT, httpT *lua.LTable) {
	mcpT, httpT = L.CreateTable(0, 4), L.CreateTable(0, 2)
	for name, fn := range rs.functions() {
		mod, field, _ := strings.Cut(name, ".")
		t := mcpT
		if mod == "http" {
			t = httpT
		}
		t.RawSetString(field, L.NewFunction(fn))
	}
	return mcpT, httpT
}

// libraryValues names what a fresh state offers before any script runs:
// every global ("string", "print", "mcp"), every function or table in a
// global table ("string.format", "mcp.call"), and "reslua", the table
// require("reslua") returns. A hook may capture these: they are not
// copied but looked up by name in the hook's own state.
func libraryValues(L *lua.LState, verbs *lua.LTable) map[string]lua.LValue {
	g := L.G.Global
	names := map[string]lua.LValue{"reslua": verbs}
	g.ForEach(func(k, v lua.LValue) {
		name, ok := k.(lua.LString)
		if !ok {
			return
		}
		names[string(name)] = v
		if t, ok := v.(*lua.LTable); ok && t != g {
			t.ForEach(func(fk, fv lua.LValue) {
				switch fv.(type) {
				case *lua.LFunction, *lua.LTable:
					if s, ok := fk.(lua.LString); ok {
						names[string(name)+"."+string(s)] = fv
					}
				}
			})
		}
	})
	return names
}

// invert maps each value of names to its name; where two names share a
// value, the shorter (then the first in order) wins: print, not
// reslua.print.
func invert(names map[string]lua.LValue) map[lua.LValue]string {
	keys := make([]string, 0, len(names))
	for k := range names {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		if len(a) != len(b) {
			return len(a) - len(b)
		}
		return strings.Compare(a, b)
	})
	out := make(map[lua.LValue]string, len(keys))
	for _, k := range keys {
		if _, ok := out[names[k]]; !ok {
			out[names[k]] = k
		}
	}
	return out
}
