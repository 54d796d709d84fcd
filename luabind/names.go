package luabind

import (
	"fmt"
	"slices"

	lua "github.com/yuin/gopher-lua"

	"github.com/reslua/reslua/internal/suggest"
)

// removedReasons say why a scenario does not get each of removedGlobals.
var removedReasons = map[string]string{
	"dofile": "it reads files", "loadfile": "it reads files", "require": "it reads files",
	"load": "it compiles code at run time", "loadstring": "it compiles code at run time",
	"module": "modules are files loaded with require", "setfenv": "it swaps function environments",
	"getfenv": "it swaps function environments", "collectgarbage": "the engine manages memory",
	"newproxy": "it is not part of the sandbox", "_printregs": "it is not part of the sandbox",
}

// unknownName handles a read of a name that a table of the sandbox does
// not have: in check mode it reports msg and hands back a function that
// does nothing, so that the script goes on and check reports its other
// problems; otherwise it raises msg at the script's line.
type unknownName func(L *lua.LState, msg string) lua.LValue

// raiseUnknown is the unknownName of hooks and of runs: an error.
func raiseUnknown(L *lua.LState, msg string) lua.LValue {
	L.RaiseError("%s", msg)
	return lua.LNil
}

// unknownName returns the binder's unknownName: in check mode, each
// problem is reported once per line.
func (b *binder) unknownName() unknownName {
	if !b.check {
		return raiseUnknown
	}
	seen := map[string]bool{}
	noop := b.L.NewFunction(func(*lua.LState) int { return 0 })
	return func(L *lua.LState, msg string) lua.LValue {
		key := position(L) + msg
		if !seen[key] {
			seen[key] = true
			b.report(L, msg)
		}
		return noop
	}
}

// guardGlobals sets a metatable on L's globals so that reading a name
// that is not there and is close to one the sandbox offers (`slaa`, a
// misspelt `sla`), or one the sandbox removed (`loadstring`), is an error naming
// it, rather than a nil that fails later as "attempt to call a
// non-function object". Any other missing global reads as nil, as in Lua.
func guardGlobals(L *lua.LState, unknown unknownName) {
	g := L.G.Global
	known := tableKeys(g) // the sandbox's and the DSL's names, not the script's
	mt := L.CreateTable(0, 1)
	mt.RawSetString("__index", L.NewFunction(func(L *lua.LState) int {
		k, ok := L.Get(2).(lua.LString)
		if !ok {
			return 0
		}
		name := string(k)
		if why, ok := removedReasons[name]; ok && g.RawGetString(name) == lua.LNil {
			L.Push(unknown(L, fmt.Sprintf("%s is not available in a scenario: %s", name, why)))
			return 1
		}
		if s := suggest.Closest(name, known); s != "" {
			L.Push(unknown(L, fmt.Sprintf("unknown verb %q (did you mean %q?)", name, s)))
			return 1
		}
		return 0
	}))
	L.SetMetatable(g, mt)
}

// guardModule sets a metatable on the library table t, named name
// ("mcp", "string"), so that reading a field it does not have is an
// error naming it, with the closest field or the list of them.
func guardModule(L *lua.LState, t *lua.LTable, name string, unknown unknownName) {
	mt := L.CreateTable(0, 1)
	mt.RawSetString("__index", L.NewFunction(func(L *lua.LState) int {
		keys := tableKeys(t)
		field := describe(L.Get(2))
		if k, ok := L.Get(2).(lua.LString); ok {
			field = string(k)
			if s := suggest.Closest(field, keys); s != "" {
				L.Push(unknown(L, fmt.Sprintf("unknown function %s.%s (did you mean %s.%s?)", name, field, name, s)))
				return 1
			}
		}
		L.Push(unknown(L, fmt.Sprintf("%s has no %s; it has %s", name, field, joinNames(name, keys))))
		return 1
	}))
	L.SetMetatable(t, mt)
}

// guardModules guards each global table of L but the globals themselves
// and env, which has its own rules.
func guardModules(L *lua.LState, unknown unknownName) {
	g := L.G.Global
	g.ForEach(func(k, v lua.LValue) {
		t, ok := v.(*lua.LTable)
		name, isName := k.(lua.LString)
		if !ok || !isName || t == g || name == "env" || L.GetMetatable(t) != lua.LNil {
			return
		}
		guardModule(L, t, string(name), unknown)
	})
}

// tableKeys returns the string keys of t, sorted.
func tableKeys(t *lua.LTable) []string {
	var keys []string
	t.ForEach(func(k, _ lua.LValue) {
		if s, ok := k.(lua.LString); ok {
			keys = append(keys, string(s))
		}
	})
	slices.Sort(keys)
	return keys
}

// joinNames lists keys as "mcp.call, mcp.ping".
func joinNames(mod string, keys []string) string {
	out := ""
	for i, k := range keys {
		if i > 0 {
			out += ", "
		}
		out += mod + "." + k
	}
	if out == "" {
		return "nothing"
	}
	return out
}
