package luabind

import (
	lua "github.com/yuin/gopher-lua"
)

// verbNames lists the globals the DSL adds, in the order of the docs.
var verbNames = []string{"target", "demo", "load", "mcp", "http", "sleep", "sla", "env", "print"}

// install makes the userdata types, adds the verbs as globals, and
// collects them in the table require("reslua") returns.
func (b *binder) install() {
	L := b.L
	b.targetType = newType(L, "target", targetMethods)
	b.requestType = newType(L, "request", requestMethods)
	b.trafficType = newType(L, "load", b.trafficMethods())

	module := func(fns map[string]lua.LGFunction) *lua.LTable {
		t := L.NewTable()
		for name, fn := range fns {
			t.RawSetString(name, L.NewFunction(fn))
		}
		return t
	}
	verbs := map[string]lua.LValue{
		"target": L.NewFunction(b.target),
		"load":   L.NewFunction(b.load),
		"sleep":  L.NewFunction(b.sleep),
		"sla":    L.NewFunction(b.sla),
		"demo":   module(map[string]lua.LGFunction{"mcp": b.demoMCP}),
		"mcp": module(map[string]lua.LGFunction{
			"tools_list": b.mcpToolsList,
			"call":       b.mcpCall,
			"ping":       b.mcpPing,
			"request":    b.mcpRequest,
		}),
		"http":  module(map[string]lua.LGFunction{"get": b.httpGet, "post": b.httpPost}),
		"env":   b.newEnv(b.script.opts.Env),
		"print": L.GetGlobal("print"),
	}
	b.verbs = L.NewTable()
	for _, name := range verbNames {
		L.SetGlobal(name, verbs[name])
		b.verbs.RawSetString(name, verbs[name])
	}
	L.SetGlobal("require", L.NewFunction(b.require))
}
