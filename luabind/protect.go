package luabind

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// Why every call of script code goes through callProtected:
//
// gopher-lua's PCall, when the called code raises an error and no error
// handler was given, builds a stack traceback (state.go:2080 of v1.1.2
// calls stackTrace). A function that tail-calls itself keeps one call
// frame whose TailCall counter grows with every tail call, and stackTrace
// appends one "\t(tailcall): ?" line per count (state.go:803-806). So
// `local function f(n) return f(n + 1) end f(1)`, stopped by its deadline
// after 10 s and some 10^8 tail calls, then spends minutes building a
// traceback of gigabytes, in Go code that checks no context: the
// deadline and Ctrl-C are ignored. Lua's pcall and xpcall do the same
// for errors they catch.
//
// reslua shows no tracebacks. callProtected runs the code under
// quietPanic, which raises errors with a one-line StackTrace (so PCall
// builds none), and the sandbox's pcall and xpcall do the same.

// raisedAtPrefix starts the StackTrace of the errors quietPanic raises
// with a value that is not a string: where the error was raised.
const raisedAtPrefix = "raised at "

// noTraceback is the StackTrace of the other errors quietPanic raises.
const noTraceback = "(no traceback)"

// quietTrampolineKey is where callProtected keeps its trampoline in the
// state's registry.
const quietTrampolineKey = "reslua.quiet"

// callProtected is L.PCall(nargs, nret, nil) for the function below the
// nargs arguments on top of L's stack, with no traceback built on error:
// see above. The error is a *lua.ApiError whose Object is what the script
// raised; use errorText for its message.
func callProtected(L *lua.LState, nargs, nret int) error {
	reg := L.G.Registry
	tramp, ok := reg.RawGetString(quietTrampolineKey).(*lua.LFunction)
	if !ok {
		tramp = L.NewFunction(quietTrampoline)
		reg.RawSetString(quietTrampolineKey, tramp)
	}
	L.Insert(tramp, L.GetTop()-nargs)
	return L.PCall(nargs+1, nret, nil)
}

// quietTrampoline calls its first argument with the others, with errors
// raised by quietPanic. PCall restores the state's Panic when it returns.
func quietTrampoline(L *lua.LState) int {
	L.Panic = quietPanic
	L.Call(L.GetTop()-1, lua.MultRet)
	return L.GetTop()
}

// quietPanic raises the error on top of L's stack as PCall's own panic
// function does, but with a StackTrace set, so that PCall builds none.
// A value that is not a string (error({ code = 1 })) carries no position,
// so the StackTrace says where it was raised.
func quietPanic(L *lua.LState) {
	obj := L.Get(-1)
	trace := noTraceback
	if _, ok := obj.(lua.LString); !ok {
		if pos := raisedAt(L); pos != "" {
			trace = raisedAtPrefix + pos
		}
	}
	panic(&lua.ApiError{Type: lua.ApiErrorRun, Object: obj, StackTrace: trace})
}

// raisedAt is "path:line" of the innermost Lua function on L's call stack,
// the running one included.
func raisedAt(L *lua.LState) string {
	for level := 0; level < 64; level++ {
		dbg, ok := L.GetStack(level)
		if !ok {
			return ""
		}
		if _, err := L.GetInfo("Sl", dbg, lua.LNil); err != nil {
			continue
		}
		if dbg.Source != "" && dbg.Source != "[G]" && dbg.CurrentLine > 0 {
			return fmt.Sprintf("%s:%d", dbg.Source, dbg.CurrentLine)
		}
	}
	return ""
}

// errorText is the message of a script's error: the string it raised
// ("path:line: boom"), or for another value, such as a table given to
// error, where it was raised and what it was:
// `path:line: error({ code = 42, message = "no" }) (error was given a table, not a message)`.
func errorText(err error) string {
	apiErr, ok := err.(*lua.ApiError)
	if !ok {
		return err.Error()
	}
	if s, ok := apiErr.Object.(lua.LString); ok {
		return string(s)
	}
	msg := fmt.Sprintf("error(%s) (error was given %s, not a message)", luaRepr(apiErr.Object, 2), describe(apiErr.Object))
	if pos, ok := strings.CutPrefix(apiErr.StackTrace, raisedAtPrefix); ok {
		msg = pos + ": " + msg
	}
	return msg
}

// luaRepr renders v as Lua source, tables to depth levels and about 120
// bytes: `{ code = 42, message = "no" }`.
func luaRepr(v lua.LValue, depth int) string {
	switch v := v.(type) {
	case lua.LString:
		s := string(v)
		if len(s) > 60 {
			s = s[:57] + "..."
		}
		return strconv.Quote(s)
	case *lua.LTable:
		if depth <= 0 {
			return "{...}"
		}
		var parts []string
		v.ForEach(func(k, x lua.LValue) {
			key := "[" + luaRepr(k, 0) + "]"
			if s, ok := k.(lua.LString); ok && isName(string(s)) {
				key = string(s)
			}
			parts = append(parts, key+" = "+luaRepr(x, depth-1))
		})
		sort.Strings(parts)
		out := "{ " + strings.Join(parts, ", ") + " }"
		if len(parts) == 0 {
			out = "{}"
		}
		if len(out) > 120 {
			out = out[:117] + "..."
		}
		return out
	case *lua.LNilType, lua.LNumber, lua.LBool:
		return v.String()
	}
	return describe(v)
}

// isName reports whether s is a Lua identifier.
func isName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if r != '_' && (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') && (i == 0 || r < '0' || r > '9') {
			return false
		}
	}
	return true
}

// safePCall is the sandbox's pcall: Lua's, without the traceback (see
// callProtected). An error from a cancelled context (the deadline, Ctrl-C)
// is not caught: the script stops.
func safePCall(L *lua.LState) int {
	v := L.CheckAny(1)
	if v.Type() != lua.LTFunction && L.GetMetaField(v, "__call").Type() != lua.LTFunction {
		L.Push(lua.LFalse)
		L.Push(lua.LString("attempt to call a " + v.Type().String() + " value"))
		return 2
	}
	if err := callProtected(L, L.GetTop()-1, lua.MultRet); err != nil {
		obj := rethrowIfStopped(L, err)
		L.Push(lua.LFalse)
		L.Push(obj)
		return 2
	}
	L.Insert(lua.LTrue, 1)
	return L.GetTop()
}

// safeXPCall is the sandbox's xpcall(f, handler): Lua's, without the
// traceback. The handler gets the error once the failed call has
// returned, not on its stack (there is no debug library to look at it).
func safeXPCall(L *lua.LState) int {
	fn := L.CheckFunction(1)
	h := L.CheckFunction(2)
	top := L.GetTop()
	L.Push(fn)
	err := callProtected(L, 0, lua.MultRet)
	if err == nil {
		L.Insert(lua.LTrue, top+1)
		return L.GetTop() - top
	}
	obj := rethrowIfStopped(L, err)
	L.Push(h)
	L.Push(obj)
	if err := callProtected(L, 1, 1); err != nil {
		obj = rethrowIfStopped(L, err)
	} else {
		obj = L.Get(-1)
		L.Pop(1)
	}
	L.Push(lua.LFalse)
	L.Push(obj)
	return 2
}

// rethrowIfStopped raises err again when L's context is done (a script
// cannot catch its own deadline or Ctrl-C) and otherwise returns the
// value the script raised.
func rethrowIfStopped(L *lua.LState, err error) lua.LValue {
	var obj lua.LValue = lua.LString(err.Error())
	if apiErr, ok := err.(*lua.ApiError); ok {
		obj = apiErr.Object
	}
	if ctx := L.Context(); ctx != nil && ctx.Err() != nil {
		L.Error(obj, 0)
	}
	return obj
}
