package luabind

import (
	"context"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

func TestSandboxOmitsUnsafeGlobals(t *testing.T) {
	L := newSandbox(context.Background(), nil)
	defer L.Close()
	for _, name := range []string{"os", "io", "debug", "package", "channel", "dofile", "loadfile", "load",
		"loadstring", "module", "require", "setfenv", "getfenv", "collectgarbage", "newproxy", "_printregs"} {
		if v := L.GetGlobal(name); v != lua.LNil {
			t.Errorf("global %s = %v, want nil", name, v)
		}
	}
	if v := L.GetField(L.GetGlobal("string"), "dump"); v != lua.LNil {
		t.Errorf("string.dump = %v, want nil", v)
	}
	for _, name := range []string{"string", "table", "math", "pairs", "ipairs", "pcall", "error", "tostring", "print"} {
		if v := L.GetGlobal(name); v == lua.LNil {
			t.Errorf("global %s missing", name)
		}
	}
}

func TestSandboxInScript(t *testing.T) {
	// In a scenario, load is the DSL verb, not Lua's code loader.
	mustCheck(t, `
assert(os == nil and io == nil and debug == nil, "os/io/debug")
assert(rawget(_G, "dofile") == nil and rawget(_G, "loadfile") == nil and rawget(_G, "loadstring") == nil, "file loaders")
assert(rawget(string, "dump") == nil, "string.dump")
assert(("x"):upper() == "X", "string methods")
assert(math.floor(2.5) == 2 and table.concat({1, 2}, ",") == "1,2", "math and table")
assert(type(load) == "function" and type(require) == "function")
`, Options{})
}

func TestStringRepBounded(t *testing.T) {
	_, msgs := check(t, `local s = string.rep("x", 1e12)`, Options{})
	if len(msgs) != 1 || !strings.Contains(msgs[0], "string.rep: result would exceed") {
		t.Fatalf("got %q", msgs)
	}
	mustCheck(t, `assert(string.rep("ab", 3) == "ababab")`, Options{})
}

func TestPrintWritesToLog(t *testing.T) {
	var log strings.Builder
	mustExec(t, `print(1, "a", nil, true) print() print(2.5)`, Options{Log: &log})
	if got, want := log.String(), "1\ta\tnil\ttrue\n\n2.5\n"; got != want {
		t.Errorf("log = %q, want %q", got, want)
	}
}

func TestEnv(t *testing.T) {
	var log strings.Builder
	mustExec(t, `
assert(env.TARGET_URL == "http://x/mcp")
assert(env.UNSET == nil)
for k, v in pairs(env) do print(k, v) end
print(getmetatable(env))
`, Options{Env: map[string]string{"TARGET_URL": "http://x/mcp", "A": "1"}, Log: &log})
	if got, want := log.String(), "A\t1\nTARGET_URL\thttp://x/mcp\nenv is read-only\n"; got != want {
		t.Errorf("log = %q, want %q", got, want)
	}

	_, msgs := check(t, "env.X = 1\nenv.A = 2\nprint('still running')", Options{Env: map[string]string{"A": "1"}})
	want := []string{
		"scenario.lua:1: env is read-only: cannot set env.X; pass values with -e KEY=VALUE",
		"scenario.lua:2: env is read-only: cannot set env.A; pass values with -e KEY=VALUE",
	}
	if strings.Join(msgs, "\n") != strings.Join(want, "\n") {
		t.Errorf("got %q, want %q", msgs, want)
	}
	_, msgs = check(t, `setmetatable(env, {})`, Options{})
	if len(msgs) != 1 || !strings.Contains(msgs[0], "cannot change a protected metatable") {
		t.Errorf("setmetatable(env): got %q", msgs)
	}
}

func TestRequire(t *testing.T) {
	t.Run("LibPath and reslua", func(t *testing.T) {
		var log strings.Builder
		s := newScript(t, `
local mixes = require("shared.mixes")
local again = require("shared.mixes")
assert(mixes == again, "cached")
assert(require("reslua").target == target, "same verbs")
local t = target { name = "blue", url = "http://127.0.0.1:1/mcp" }
local l = mixes.steady(t)
sla { { "p95", "< 1s", request = "tools/list" } }
`, Options{LibPath: []string{"libs"}, Log: &log})
		writeFile(t, "libs/shared/mixes.lua", `
print("loading", ...)
local r = require("reslua")
return {
  steady = function(t)
    return r.load { target = t, rate = 5, duration = "1s", mix = { { 1, r.mcp.tools_list() } } }
  end,
}
`)
		plan, errs := s.Check(context.Background())
		for _, e := range errs {
			t.Error(e)
		}
		if len(plan.Loads) != 1 || plan.Loads[0].Target != "blue" {
			t.Errorf("plan loads = %+v", plan.Loads)
		}
		if got := log.String(); got != "" {
			t.Errorf("Check printed %q; a dry run prints nothing (the real run does)", got)
		}
	})
	t.Run("scenario dir first", func(t *testing.T) {
		s := newScript(t, `assert(require("m").where == "scenario dir")`, Options{LibPath: []string{"libs"}})
		writeFile(t, "m.lua", `return { where = "scenario dir" }`)
		writeFile(t, "libs/m.lua", `return { where = "lib path" }`)
		if _, errs := s.Check(context.Background()); len(errs) > 0 {
			t.Error(errs)
		}
	})
	t.Run("nothing returned", func(t *testing.T) {
		s := newScript(t, `assert(require("m") == true)`, Options{})
		writeFile(t, "m.lua", `local x = 1`)
		if _, errs := s.Check(context.Background()); len(errs) > 0 {
			t.Error(errs)
		}
	})
	for _, tc := range []struct{ name, src, files, want string }{
		{"parent dir", `require("../x")`, "", `scenario.lua:1: require: "../x" is not a module name`},
		{"absolute", `require("/etc/passwd")`, "", `scenario.lua:1: require: "/etc/passwd" is not a module name`},
		{"dot dot", `require("a..b")`, "", `require: "a..b" is not a module name`},
		{"not a string", `require(5)`, "", `require: expected one module name such as "lib.mcp_mixes", got number 5`},
		{"missing", `require("lib.nope")`, "", `scenario.lua:1: require: module "lib.nope" not found; looked for lib/nope.lua`},
		{"cycle", `require("a")`, "a.lua", `require: module "a" requires itself`},
		{"syntax error in module", `require("b")`, "b.lua", `scenario.lua:1: require "b": b.lua:1: syntax error near "="`},
		{"runtime error in module", `require("c")`, "c.lua", `c.lua:1: attempt to call a non-function object`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newScript(t, tc.src, Options{})
			writeFile(t, "a.lua", `return require("a")`)
			writeFile(t, "b.lua", `= 1`)
			writeFile(t, "c.lua", `nothing()`)
			_, errs := s.Check(context.Background())
			if len(errs) != 1 || !strings.Contains(errs[0].Error(), tc.want) {
				t.Errorf("got %v, want one containing %q", errs, tc.want)
			}
		})
	}
}

// TestKeyedCallInTableConstructor: { 1, f(), key = g() } holds g()'s value
// under key only (gopher-lua's compiler also appends it to the list part;
// compile works around that), while a trailing positional call still
// spreads its values.
func TestKeyedCallInTableConstructor(t *testing.T) {
	mustCheck(t, `
local function two() return "a", "b" end
local t = { 1, two(), check = two() }
assert(#t == 2 and t[2] == "a" and t[3] == nil and t.check == "a", "keyed call: #t = " .. #t)
local function va(...) return { k = ... } end
local v = va("x", "y")
assert(v.k == "x" and v[1] == nil, "keyed vararg")
local u = { 1, two() }
assert(#u == 3 and u[3] == "b", "trailing positional call")
local w = { two(), k = 1, two() }
assert(#w == 3 and w[1] == "a" and w[3] == "b", "positional call after a key")
local n = { inner = { 1, key = two() } }
assert(#n.inner == 1, "nested")
`, Options{})
}
