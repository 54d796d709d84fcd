package luabind

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// FuzzJSONDecode calls json.decode, as a script does, in a real sandboxed
// Lua state, on anything a server may send: it returns a value or raises
// "json.decode: …", never a Go panic; json.encode of what it returned
// either raises "json.encode: …" or gives valid JSON.
func FuzzJSONDecode(f *testing.F) {
	for _, s := range []string{`{"a": [1, 2.5, "x", true, null, {"b": {}}], "n": null}`, `3`, `"s"`, `{`, `[]`, `{}`,
		`[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]`,
		`1e400`, `-0`, `"\ud800"`, `{"":1,"1":2}`, `[1,null,3]`, "\xef\xbb\xbf{}", `{"a":1,"a":2}`} {
		f.Add([]byte(s))
	}
	L := newSandbox(context.Background(), nil)
	defer L.Close()
	mod := jsonModule(L, &jsonEncoder{})
	decode, encode := mod.RawGetString("decode"), mod.RawGetString("encode")
	f.Fuzz(func(t *testing.T, data []byte) {
		defer L.SetTop(0)
		err := L.CallByParam(lua.P{Fn: decode, NRet: 1, Protect: true}, lua.LString(data))
		if err != nil {
			assertRaised(t, err, "json.decode: ")
			return
		}
		v := L.Get(-1)
		L.Pop(1)
		if err := L.CallByParam(lua.P{Fn: encode, NRet: 1, Protect: true}, v); err != nil {
			assertRaised(t, err, "json.encode: ")
			return
		}
		if out := L.Get(-1).String(); !json.Valid([]byte(out)) {
			t.Fatalf("json.encode(json.decode(%q)) = %q: not JSON", data, out)
		}
	})
}

// assertRaised fails unless err is a Lua error raised on purpose, whose
// message starts with prefix (after the position gopher-lua puts first).
func assertRaised(t *testing.T, err error, prefix string) {
	t.Helper()
	var ae *lua.ApiError
	if !errors.As(err, &ae) || ae.Type != lua.ApiErrorRun {
		t.Fatalf("not a Lua error: %v", err)
	}
	if !strings.Contains(ae.Object.String(), prefix) {
		t.Fatalf("%q does not say %q", ae.Object.String(), prefix)
	}
}
