package luabind

import (
	"context"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// luaValue evaluates a Lua expression in a sandbox.
func luaValue(t *testing.T, L *lua.LState, expr string) lua.LValue {
	t.Helper()
	if err := L.DoString("return " + expr); err != nil {
		t.Fatal(err)
	}
	v := L.Get(-1)
	L.Pop(1)
	return v
}

func TestEncodeJSON(t *testing.T) {
	L := newSandbox(context.Background(), nil)
	defer L.Close()
	for _, tc := range []struct{ expr, want string }{
		{`{}`, `{}`},
		{`{ message = "hi" }`, `{"message":"hi"}`},
		{`{ 1, 2, 3 }`, `[1,2,3]`},
		{`{ a = { 1, "x", true }, b = { c = {} } }`, `{"a":[1,"x",true],"b":{"c":{}}}`},
		{`{ n = 42, f = 1.5, big = 2^53, neg = -7 }`, `{"big":9007199254740992,"f":1.5,"n":42,"neg":-7}`},
		{`{ ["x-y"] = "z", [1.0] = nil }`, `{"x-y":"z"}`},
		{`{ s = "\"quoted\"\n" }`, `{"s":"\"quoted\"\n"}`},
		{`{ { a = 1 }, { b = 2 } }`, `[{"a":1},{"b":2}]`},
		{`"plain"`, `"plain"`},
	} {
		got, err := encodeJSON(luaValue(t, L, tc.expr), "args")
		if err != nil {
			t.Errorf("%s: %v", tc.expr, err)
			continue
		}
		if string(got) != tc.want {
			t.Errorf("%s: got %s, want %s", tc.expr, got, tc.want)
		}
	}
}

func TestEncodeJSONErrors(t *testing.T) {
	L := newSandbox(context.Background(), nil)
	defer L.Close()
	if err := L.DoString(`cyclic = {} cyclic.self = cyclic`); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ expr, want string }{
		{`{ items = { 1, function() end } }`, `args.items[2]: functions cannot be sent as JSON`},
		{`{ a = 1, 2 }`, `args: a table with both list items and named keys cannot be sent as JSON`},
		{`{ [1] = "a", [3] = "c" }`, `args: a list with gaps or keys other than 1..n (here 3) cannot be sent as JSON`},
		{`{ [1.5] = "a" }`, `args: a list with gaps or keys other than 1..n (here 1.5) cannot be sent as JSON`},
		{`{ [true] = 1 }`, `args: a key boolean true cannot be sent as JSON; use names or list positions`},
		{`{ ["x-y"] = { 0/0 } }`, `args["x-y"][1]: NaN is not a finite number and cannot be sent as JSON`},
		{`{ inf = 1/0 }`, `args.inf: +Inf is not a finite number and cannot be sent as JSON`},
		{`{ c = cyclic }`, `args.c.self: a table that contains itself cannot be sent as JSON`},
		{`{ co = print }`, `args.co: functions cannot be sent as JSON`},
	} {
		_, err := encodeJSON(luaValue(t, L, tc.expr), "args")
		if err == nil || err.Error() != tc.want {
			t.Errorf("%s: got %v, want %s", tc.expr, err, tc.want)
		}
	}
	deep := "1"
	for range maxJSONDepth + 1 {
		deep = "{" + deep + "}"
	}
	if _, err := encodeJSON(luaValue(t, L, deep), "args"); err == nil {
		t.Error("no error for a table nested too deep")
	}
}

func TestRequestParams(t *testing.T) {
	plan := mustCheck(t, preamble+`
load { target = t, rate = 1, duration = "1s", mix = {
  { 1, mcp.call("echo", { message = "hi", n = 3 }) },
  { 1, mcp.call("noargs") },
  { 1, mcp.tools_list() },
  { 1, mcp.request("resources/read", { uri = "file:///a" }) },
  { 1, mcp.request("tools/call", { name = "add", arguments = { a = 1, b = 2 } }) },
  { 1, http.post("/orders", '{"id":1}'), name = "order" },
} }
`, Options{})
	mix := plan.Loads[0].Spec.Mix
	for i, want := range []struct{ name, params string }{
		{"tools/call echo", `{"name":"echo","arguments":{"message":"hi","n":3}}`},
		{"tools/call noargs", `{"name":"noargs","arguments":{}}`},
		{"tools/list", ``},
		{"resources/read", `{"uri":"file:///a"}`},
		{"tools/call add", `{"arguments":{"a":1,"b":2},"name":"add"}`},
	} {
		r := mix[i].Request
		if r.DisplayName() != want.name || string(r.MCP.Params) != want.params {
			t.Errorf("mix[%d] = %q %s, want %q %s", i+1, r.DisplayName(), r.MCP.Params, want.name, want.params)
		}
	}
	if h := mix[5].Request; h.DisplayName() != "order" || h.HTTP.Method != "POST" || string(h.HTTP.Body) != `{"id":1}` {
		t.Errorf("http.post = %+v %+v", h, h.HTTP)
	}
}
