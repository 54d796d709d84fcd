package luabind

import (
	"slices"

	lua "github.com/yuin/gopher-lua"
)

// newEnv returns the script's read-only env table: reading env.NAME gives
// vars[NAME] or nil, pairs(env) walks the variables in name order, and
// assigning to it is reported (through b) as "env is read-only".
//
// The table itself stays empty; a metatable serves the reads, so that no
// assignment can slip past __newindex.
func (b *binder) newEnv(vars map[string]string) *lua.LTable {
	L := b.L
	data := L.NewTable()
	names := make([]string, 0, len(vars))
	for k := range vars {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		data.RawSetString(k, lua.LString(vars[k]))
	}
	env := L.NewTable()
	mt := L.NewTable()
	mt.RawSetString("__index", data)
	mt.RawSetString("__newindex", L.NewFunction(func(L *lua.LState) int {
		key := L.Get(2)
		b.report(L, "env is read-only: cannot set "+describeKey(key)+"; pass values with -e KEY=VALUE")
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
