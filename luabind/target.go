package luabind

import (
	"strconv"

	lua "github.com/yuin/gopher-lua"

	"github.com/reslua/reslua/engine"
)

// target is the userdata target { ... } returns.
type target struct {
	spec engine.TargetSpec
	// t is the engine's target; nil for a placeholder.
	t *engine.Target
}

func (*target) kind() string     { return "target" }
func (t *target) String() string { return "target " + strconv.Quote(t.spec.Name) }

var targetMethods = map[string]lua.LGFunction{
	"name": func(L *lua.LState) int {
		L.Push(lua.LString(self[*target](L, "name").spec.Name))
		return 1
	},
	"url": func(L *lua.LState) int {
		L.Push(lua.LString(self[*target](L, "url").spec.URL))
		return 1
	},
}

// target implements
//
//	target { name = "blue", url = "http://...", timeout = "5s",
//	         protocol_version = "2025-06-18", headers = { ["X-A"] = "b" } }
//
// which adds a target to the run (engine.Run.AddTarget). A target whose
// table has problems becomes, in check mode, a placeholder that loads
// accept without further complaint.
func (b *binder) target(L *lua.LState) int {
	f := newArgs(L, "target", `{ name = "blue", url = "http://127.0.0.1:3001/mcp" }`)
	spec := engine.TargetSpec{
		Name:            f.str("name", required),
		URL:             f.str("url", required),
		Timeout:         f.duration("timeout", optional),
		ProtocolVersion: f.str("protocol_version", optional),
		Headers:         f.stringMap("headers", optional),
	}
	f.done()
	tg := &target{spec: spec}
	if probs := f.validate(spec.Validate()); len(probs) > 0 {
		b.report(L, probs...)
	} else if t, err := b.run.AddTarget(spec); err != nil {
		b.report(L, engineProblems("target", err, nil)...)
	} else {
		tg.t = t
	}
	L.Push(wrap(L, tg, b.targetType))
	return 1
}
