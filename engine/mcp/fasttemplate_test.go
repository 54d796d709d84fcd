package mcp

import (
	"encoding/json"
	"reflect"
	"testing"
)

// The fast path of newTemplate (no decoding) builds the same request as
// the encoding/json one: the same members in params, the same headers.
func TestFastTemplateMatchesDecoding(t *testing.T) {
	for _, tc := range []struct {
		method, params string
		fast           bool
	}{
		{"tools/call", `{"name":"echo","arguments":{"message":"hi"}}`, true},
		{"tools/call", ` { "arguments" : {"a":1,"b":[1,2]} , "name" : "add" } `, true},
		{"tools/call", `{"name":"h\u00e9","arguments":{}}`, false}, // an escape: decoded
		{"prompts/get", `{"name":"greet","arguments":{"name":"Ada"}}`, true},
		{"resources/read", `{"uri":"demo://readme"}`, true},
		{"tools/list", `{"cursor":"abc"}`, true},
		{"tools/call", `{"name":"echo","_meta":{"progressToken":7}}`, false},
		{"tools/call", `{"name":"ünïcode","arguments":{}}`, true},
	} {
		fast, ok := fastTemplate(&template{method: tc.method, methodValue: []string{tc.method}}, json.RawMessage(tc.params))
		if ok != tc.fast {
			t.Errorf("%s %s: fast path taken = %v, want %v", tc.method, tc.params, ok, tc.fast)
		}
		if !ok {
			continue
		}
		// The decoding path, forced by hiding the params behind _meta-free
		// decoding: newTemplate with the fast path off is the slow path.
		var members map[string]json.RawMessage
		if err := json.Unmarshal([]byte(tc.params), &members); err != nil {
			t.Fatal(err)
		}
		var got map[string]json.RawMessage
		if err := json.Unmarshal(append(append([]byte("{"), fast.rest...), '}'), &got); err != nil {
			t.Fatalf("%s: fast params %q do not decode: %v", tc.params, fast.rest, err)
		}
		if !reflect.DeepEqual(compact(t, got), compact(t, members)) {
			t.Errorf("%s: fast params %s, want the members of %s", tc.method, fast.rest, tc.params)
		}
		slow, err := newTemplateSlow(tc.method, json.RawMessage(tc.params))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(fast.nameValue, slow.nameValue) {
			t.Errorf("%s %s: Mcp-Name %q, decoding gives %q", tc.method, tc.params, fast.nameValue, slow.nameValue)
		}
	}
	if _, ok := fastTemplate(&template{method: "tools/call"}, json.RawMessage(`{"name":`)); ok {
		t.Error("invalid JSON took the fast path")
	}
	if _, ok := fastTemplate(&template{method: "tools/call"}, json.RawMessage(`[1]`)); ok {
		t.Error("an array took the fast path")
	}
}

func compact(t *testing.T, m map[string]json.RawMessage) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		var x any
		if err := json.Unmarshal(v, &x); err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(x)
		out[k] = string(b)
	}
	return out
}

// newTemplateSlow is newTemplate without its fast path, by way of a _meta
// member the decoding path drops again.
func newTemplateSlow(method string, params json.RawMessage) (*template, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(params, &m); err != nil {
		return nil, err
	}
	m["_meta"] = json.RawMessage(`{}`)
	b, _ := json.Marshal(m)
	return newTemplate(method, b)
}
