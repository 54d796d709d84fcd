package luabind

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"

	"github.com/reslua/reslua/internal/suggest"
)

// object is what the DSL's userdata hold: a target, a request or a load.
type object interface {
	// kind names the object in messages: "target", "request", "load".
	kind() string
	// String is what tostring shows, e.g. `target "blue"`.
	String() string
}

// newType returns the metatable of one kind of userdata: its methods are
// read through __index, tostring shows the object, and getmetatable gets
// a string instead of the table.
func newType(L *lua.LState, kind string, methods map[string]lua.LGFunction) *lua.LTable {
	mt := L.CreateTable(0, 4)
	fns := map[string]lua.LValue{}
	names := make([]string, 0, len(methods))
	for name, fn := range methods {
		fns[name] = L.NewFunction(fn)
		names = append(names, name)
	}
	slices.Sort(names)
	mt.RawSetString("__index", L.NewFunction(func(L *lua.LState) int {
		key := L.Get(2)
		if fn, ok := fns[lua.LVAsString(key)]; ok {
			L.Push(fn)
			return 1
		}
		name := describe(key)
		if s, ok := key.(lua.LString); ok {
			name = strconv.Quote(string(s))
		}
		msg := fmt.Sprintf("a %s has no method %s", kind, name)
		if alt := suggest.Closest(lua.LVAsString(key), names); alt != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", alt)
		}
		L.RaiseError("%s; its methods are %s", msg, strings.Join(names, ", "))
		return 0
	}))
	mt.RawSetString("__newindex", L.NewFunction(func(L *lua.LState) int {
		L.RaiseError("a %s cannot be changed (setting %s)", kind, describe(L.Get(2)))
		return 0
	}))
	mt.RawSetString("__tostring", L.NewFunction(func(L *lua.LState) int {
		if o, ok := L.Get(1).(*lua.LUserData).Value.(object); ok {
			L.Push(lua.LString(o.String()))
			return 1
		}
		L.Push(lua.LString(kind))
		return 1
	}))
	mt.RawSetString("__metatable", lua.LString(kind))
	return mt
}

// wrap returns o as userdata with metatable mt.
func wrap(L *lua.LState, o object, mt *lua.LTable) *lua.LUserData {
	ud := L.NewUserData()
	ud.Value = o
	ud.Metatable = mt
	return ud
}

// self returns the receiver of a method call obj:method(), raising a
// clear error for obj.method() or a call on the wrong kind of value.
func self[T object](L *lua.LState, method string) T {
	var zero T
	if ud, ok := L.Get(1).(*lua.LUserData); ok {
		if o, ok := ud.Value.(T); ok {
			return o
		}
	}
	L.RaiseError("%s:%s: call it with a colon, as in x:%s(), got %s as the object",
		zero.kind(), method, method, describe(L.Get(1)))
	return zero
}

// unwrap returns v's object if v is userdata holding a T.
func unwrap[T object](v lua.LValue) (T, bool) {
	var zero T
	ud, ok := v.(*lua.LUserData)
	if !ok {
		return zero, false
	}
	o, ok := ud.Value.(T)
	return o, ok
}
