package luabind

import (
	"context"
	"fmt"
	"io"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// maxRepBytes bounds what string.rep may build, so that a script cannot
// ask for terabytes in one call.
const maxRepBytes = 64 << 20

// removedGlobals are the base library functions a scenario does not get:
// everything that reads files, compiles code at run time, swaps function
// environments, or prints to the process's stdout.
var removedGlobals = []string{
	"dofile", "loadfile", "load", "loadstring", "module", "require",
	"setfenv", "getfenv", "collectgarbage", "newproxy", "_printregs",
}

// newSandbox returns a Lua state that offers only the base, table, string
// and math libraries, minus removedGlobals and string.dump; print writes
// to log (nil: discarded) and a cancelled ctx stops the script at its next
// instruction. require is added by the binder, not here.
func newSandbox(ctx context.Context, log io.Writer) *lua.LState {
	return newSandboxWith(ctx, log, lua.Options{})
}

// newSandboxWith is newSandbox with the state's stack sizes from opts
// (zero: gopher-lua's defaults).
func newSandboxWith(ctx context.Context, log io.Writer, opts lua.Options) *lua.LState {
	if log == nil {
		log = io.Discard
	}
	opts.SkipOpenLibs = true
	L := lua.NewState(opts)
	for _, lib := range []struct {
		name string
		open lua.LGFunction
	}{
		{lua.BaseLibName, lua.OpenBase},
		{lua.TabLibName, lua.OpenTable},
		{lua.StringLibName, lua.OpenString},
		{lua.MathLibName, lua.OpenMath},
	} {
		L.Push(L.NewFunction(lib.open))
		L.Push(lua.LString(lib.name))
		L.Call(1, 0)
	}
	g := L.G.Global
	for _, name := range removedGlobals {
		g.RawSetString(name, lua.LNil)
	}
	if str, ok := g.RawGetString("string").(*lua.LTable); ok {
		str.RawSetString("dump", lua.LNil)
		str.RawSetString("rep", L.NewFunction(stringRep))
	}
	g.RawSetString("print", L.NewFunction(printTo(log)))
	g.RawSetString("pairs", L.NewFunction(pairsWith(g.RawGetString("pairs"))))
	g.RawSetString("pcall", L.NewFunction(safePCall))
	g.RawSetString("error", L.NewFunction(luaError))
	g.RawSetString("xpcall", L.NewFunction(safeXPCall))
	L.SetContext(ctx)
	return L
}

// printTo returns a print that writes its arguments to w, tab-separated,
// one line per call, as Lua's print does.
func printTo(w io.Writer) lua.LGFunction {
	return func(L *lua.LState) int {
		var sb strings.Builder
		for i := 1; i <= L.GetTop(); i++ {
			if i > 1 {
				sb.WriteByte('\t')
			}
			sb.WriteString(L.ToStringMeta(L.Get(i)).String())
		}
		sb.WriteByte('\n')
		_, _ = io.WriteString(w, sb.String())
		return 0
	}
}

// pairsWith returns a pairs that honours a __pairs metamethod (as Lua 5.2
// does; the read-only env table uses it) and otherwise calls the standard
// pairs.
func pairsWith(std lua.LValue) lua.LGFunction {
	return func(L *lua.LState) int {
		if mm := L.GetMetaField(L.Get(1), "__pairs"); mm != lua.LNil {
			L.Push(mm)
			L.Push(L.Get(1))
			L.Call(1, 3)
			return 3
		}
		top := L.GetTop()
		L.Push(std)
		for i := 1; i <= top; i++ {
			L.Push(L.Get(i))
		}
		L.Call(top, 3)
		return 3
	}
}

// stringRep is string.rep with a bound on the size of its result.
func stringRep(L *lua.LState) int {
	s := L.CheckString(1)
	n := L.CheckInt(2)
	if n <= 0 || s == "" {
		L.Push(lua.LString(""))
		return 1
	}
	if n > maxRepBytes/len(s) {
		L.RaiseError("string.rep: result would exceed %d MiB", maxRepBytes>>20)
	}
	L.Push(lua.LString(strings.Repeat(s, n)))
	return 1
}

// luaError is Lua's error(message [, level]). gopher-lua's counts levels
// one too few from 2 on, so that error(msg, 2) blames the function that
// called error instead of its caller; this one counts as Lua does: level
// 1 (the default) is the function that called error, 2 its caller, and 0
// adds no position. A value that is not a string is raised as it is.
func luaError(L *lua.LState) int {
	obj := L.CheckAny(1)
	level := L.OptInt(2, 1)
	s, ok := obj.(lua.LString)
	if !ok || level <= 0 {
		L.Error(obj, 0)
		return 0
	}
	msg := string(s)
	if dbg, ok := L.GetStack(level); ok {
		if _, err := L.GetInfo("Sl", dbg, lua.LNil); err == nil && dbg.CurrentLine > 0 {
			msg = fmt.Sprintf("%s:%d: %s", dbg.Source, dbg.CurrentLine, msg)
		}
	}
	L.Error(lua.LString(msg), 0)
	return 0
}
