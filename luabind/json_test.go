package luabind

import (
	"context"
	"fmt"
	"strings"
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

// TestJSONEncoderMatchesEncodeJSON: the direct encoder writes what
// encodeJSON (json.Marshal of Go values) writes, byte for byte, for
// strings with every kind of escape, numbers of every form, and tables
// built every way gopher-lua stores them.
func TestJSONEncoderMatchesEncodeJSON(t *testing.T) {
	L := newSandbox(context.Background(), nil)
	defer L.Close()
	exprs := []string{
		`{}`, `{ 1, 2, 3 }`, `{ a = 1, b = { 1, { c = "d" } } }`,
		`"<a href=\"x\">&amp;</a>"`, `"tab\tnl\ncr\rbs\\q\"bell\7nul\0ff\12bsp\8"`,
		`"\226\128\168 and \226\128\169"`, `"bad \255\254 utf8 \192"`, `"é ü 日本 🎉"`,
		`{ 0.1, -0.5, 1e21, 1e20, 1e-7, 1e-6, 123456.789, -0, 2^53, 2^53 + 2, -2^60, 5e-324, 1.7976931348623157e308 }`,
		`(function() local t = {} t[2] = "b" t[1] = "a" return t end)()`,
		`(function() local t = { 1, 2, 3 } t[3] = nil return t end)()`,
		`(function() local t = { a = 1, b = 2 } t.a = nil return t end)()`,
		`{ [1] = "x", [2] = "y" }`, `{ ["a b"] = { ["c\"d"] = true, e = false } }`,
		`{ z = 1, y = 2, x = 3, w = { 3, 2, 1 }, [""] = "empty key" }`,
	}
	const awkward = "\x00\x01\x1f a<>&\"\\\x7f\xc3\xa9\xe2\x80\xa8\xff"
	for i := range 300 { // pseudo-random strings of awkward bytes, as Lua literals
		var lit strings.Builder
		lit.WriteByte('"')
		for j := range i % 23 {
			fmt.Fprintf(&lit, "\\%03d", awkward[(i*7+j*13)%len(awkward)])
		}
		lit.WriteByte('"')
		exprs = append(exprs, lit.String())
	}
	var enc jsonEncoder
	for _, expr := range exprs {
		v := luaValue(t, L, expr)
		want, err := encodeJSON(v, "v")
		if err != nil {
			t.Errorf("%s: encodeJSON: %v", expr, err)
			continue
		}
		got, err := enc.appendJSON(nil, v, "v")
		if err != nil || string(got) != string(want) {
			t.Errorf("%s: got %s, %v; want %s", expr, got, err, want)
		}
		if fast, ok := enc.append(nil, v, 0); ok && string(fast) != string(want) {
			t.Errorf("%s: fast path %s, want %s", expr, fast, want)
		}
	}
	if len(enc.keys) != 0 {
		t.Errorf("scratch keys left behind: %q", enc.keys)
	}
}

func TestJSONModule(t *testing.T) {
	mustCheck(t, `
local s = json.encode({ b = { 1, 2 }, a = "x" })
assert(s == '{"a":"x","b":[1,2]}', s)
local v = json.decode('{"a": [1, 2.5, "x", true, null, {"b": {}}], "n": null}')
assert(v.a[1] == 1 and v.a[2] == 2.5 and v.a[3] == "x" and v.a[4] == true and v.a[5] == nil)
assert(type(v.a[6].b) == "table" and v.n == nil)
assert(json.decode("3") == 3 and json.decode('"s"') == "s")
local ok, err = pcall(json.decode, "{")
assert(not ok and err:find("json.decode: invalid JSON", 1, true), err)
ok, err = pcall(json.encode, { f = print })
assert(not ok and err:find("json.encode: value.f: functions cannot be sent as JSON", 1, true), err)
assert(require("reslua").json == json)
`, Options{})
}
