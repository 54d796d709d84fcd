package luabind

import (
	"regexp"

	lua "github.com/yuin/gopher-lua"
)

// moduleName is what require accepts: dotted words, never a path, so that
// a script cannot reach files outside its search path ("../x", "/etc/x").
var moduleName = regexp.MustCompile(`^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$`)

// require is the sandbox's require. require("reslua") returns the table of
// verbs; require("lib.mixes") runs lib/mixes.lua from the scenario's
// directory or Options.LibPath once, with the file's path as its chunk
// name, and returns (and caches) its value, true when it returns nothing.
// Every failure stops the script, in check mode too.
func (b *binder) require(L *lua.LState) int {
	v, ok := L.Get(1).(lua.LString)
	if !ok || L.GetTop() != 1 {
		L.RaiseError(`require: expected one module name such as "lib.mcp_mixes", got %s`, describe(L.Get(1)))
	}
	name := string(v)
	if name == "reslua" {
		L.Push(b.verbs)
		return 1
	}
	if mod, ok := b.modules[name]; ok {
		L.Push(mod)
		return 1
	}
	if !moduleName.MatchString(name) {
		L.RaiseError(`require: %q is not a module name; use dotted words such as "lib.mcp_mixes", never a path or ".."`, name)
	}
	if b.loading[name] {
		L.RaiseError("require: module %q requires itself (a cycle of requires)", name)
	}
	m, err := b.script.findModule(name)
	if err != nil {
		if e, ok := err.(*Error); ok { // a syntax error in the module
			L.RaiseError("require %q: %s", name, e.Error())
		}
		L.RaiseError("require: %s", err.Error())
	}
	b.loading[name] = true
	defer delete(b.loading, name) // also when the module raises an error
	L.Push(L.NewFunctionFromProto(m.proto))
	L.Push(lua.LString(name))
	L.Call(1, 1)
	mod := L.Get(-1)
	L.Pop(1)
	if mod == lua.LNil {
		mod = lua.LTrue
	}
	b.modules[name] = mod
	L.Push(mod)
	return 1
}
