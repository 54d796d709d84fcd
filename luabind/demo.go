package luabind

import (
	"context"
	"errors"

	lua "github.com/yuin/gopher-lua"

	"github.com/reslua/reslua/engine"
)

// placeholderURL is what demo.mcp returns in check mode when its table has
// problems, so that targets built on it report nothing more.
const placeholderURL = "http://127.0.0.1:0/mcp"

// demoMCP implements
//
//	demo.mcp { name = "blue", version = "1.0.0", stateless = false, json = false,
//	           latency = "200ms", error_rate = 0.2, dependency = kv_addr }
//
// which starts an embedded demo MCP server (engine.Run.StartDemo) and
// returns its MCP endpoint URL; in a dry run the URL is a placeholder. The
// table may be left out: demo.mcp().
func (b *binder) demoMCP(L *lua.LState) int {
	arg := L.Get(1)
	if arg == lua.LNil && L.GetTop() <= 1 {
		arg = L.NewTable()
	}
	f := newFields(arg, "demo.mcp", `{ name = "blue", version = "1.0.0" }`)
	if n := L.GetTop(); n > 1 && f.tbl != nil {
		f.problems = append(f.problems, "demo.mcp: expected one table argument")
	}
	spec := engine.DemoSpec{
		Name:       f.str("name", optional),
		Version:    f.str("version", optional),
		Stateless:  f.boolean("stateless", optional),
		JSON:       f.boolean("json", optional),
		Latency:    f.duration("latency", optional),
		ErrorRate:  f.number("error_rate", optional),
		Dependency: f.str("dependency", optional),
	}
	if t := f.table("protocol_versions", optional); t != nil {
		for i := 1; i <= t.Len(); i++ {
			spec.ProtocolVersions = append(spec.ProtocolVersions, f.toString("protocol_versions", t.RawGetInt(i)))
		}
	}
	f.done()
	if !f.ok() {
		b.report(L, f.problems...)
		L.Push(lua.LString(placeholderURL))
		return 1
	}
	// The server outlives the script's context; Run.Finish closes it.
	url, err := b.run.StartDemo(context.WithoutCancel(b.ctx), spec)
	if errors.Is(err, engine.ErrRuntime) {
		b.stop(L, "demo.mcp", err) // the machinery failed, not the script: keep the cause
	}
	if err != nil {
		b.report(L, engineProblems("demo.mcp", err, nil)...)
		url = placeholderURL
	}
	L.Push(lua.LString(url))
	return 1
}

// demoKV implements demo.kv(): a demo TCP KV service on 127.0.0.1, the
// non-HTTP dependency of demo.mcp { dependency = ... }; it returns its
// host:port (a placeholder in a dry run).
func (b *binder) demoKV(L *lua.LState) int {
	if L.GetTop() > 0 {
		b.report(L, "demo.kv: expected no arguments, as in demo.kv()")
	}
	addr, err := b.run.StartKV(context.WithoutCancel(b.ctx))
	if err != nil {
		b.stop(L, "demo.kv", err)
	}
	L.Push(lua.LString(addr))
	return 1
}
