package luabind

import (
	"slices"

	lua "github.com/yuin/gopher-lua"
)

// newEnv returns the script's read-only env table: reading env.NAME gives
// vars[NAME] or nil, pairs(env) walks the variables in name order, and
// assigning to it is reported (through b) as "env is read-only".
func (b *binder) newEnv(vars map[string]string) *lua.LTable {
	return newEnvTable(b.L, vars, func(L *lua.LState, msg string) { b.report(L, msg) })
}

// newEnvTable returns a read-only env table in L holding vars; an
// assignment calls refuse with the message to report (a hook's env
// raises it).
//
// The table itself stays empty; a metatable serves the reads, so that no
// assignment can slip past __newindex.
func newEnvTable(L *lua.LState, vars map[string]string, refuse func(L *lua.LState, msg string)) *lua.LTable {
	data := L.CreateTable(0, len(vars))
	names := make([]string, 0, len(vars))
	for k := range vars {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		data.RawSetString(k, lua.LString(vars[k]))
	}
	env := L.CreateTable(0, 0)
	mt := L.CreateTable(0, 4)
	mt.RawSetString("__index", data)
	mt.RawSetString("__newindex", L.NewFunction(func(L *lua.LState) int {
		key := L.Get(2)
		refuse(L, "env is read-only: cannot set "+describeKey(key)+"; pass values with -e KEY=VALUE")
		return 0
	}))
	mt.RawSetString("__pairs", L.NewFunction(func(L *lua.LState) int {
		i := 0
		L.Push(L.NewFunction(func(L *lua.LState) int {
			if i >= len(names) {
				L.Push(lua.LNil)
				return 1
			}
			k := names[i]
			i++
			L.Push(lua.LString(k))
			L.Push(data.RawGetString(k))
			return 2
		}))
		L.Push(env)
		L.Push(lua.LNil)
		return 3
	}))
	mt.RawSetString("__metatable", lua.LString("env is read-only"))
	env.Metatable = mt
	return env
}

// describeKey names a table key for a message: env.NAME or env[1].
func describeKey(k lua.LValue) string {
	if s, ok := k.(lua.LString); ok {
		return childPath("env", string(s))
	}
	return "env[" + k.String() + "]"
}
