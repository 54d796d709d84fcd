package chaos

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestParseRPC(t *testing.T) {
	for _, tc := range []struct {
		in               string
		ok               bool
		method, tool, id string
	}{
		{`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo"}}`, true, "tools/call", "echo", "1"},
		{` {"method":"tools/call","id":"x","params":{"name":7}}`, true, "tools/call", "", `"x"`},
		{`{"method":"prompts/get","id":2,"params":{"name":"p"}}`, true, "prompts/get", "", "2"},
		{`{"method":"notifications/initialized"}`, true, "notifications/initialized", "", ""},
		{`{"method":"ping","id":null}`, true, "ping", "", ""},
		{`{"method":"tools/call","id":3,"params":[1,2]}`, true, "tools/call", "", "3"},
		{`[{"method":"ping","id":1}]`, false, "", "", ""},
		{`{"id":1,"result":{}}`, false, "", "", ""},
		{`not json`, false, "", "", ""},
		{``, false, "", "", ""},
	} {
		m := parseRPC([]byte(tc.in))
		if (m != nil) != tc.ok {
			t.Errorf("parseRPC(%s) = %+v, want ok=%v", tc.in, m, tc.ok)
			continue
		}
		if m != nil && (m.Method != tc.method || m.Tool != tc.tool || string(m.ID) != tc.id) {
			t.Errorf("parseRPC(%s) = %q %q %s", tc.in, m.Method, m.Tool, m.ID)
		}
	}
}

func TestPeekRPCLeavesBodyIntact(t *testing.T) {
	body := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo"}}`
	r, _ := http.NewRequest("POST", "http://x/mcp", strings.NewReader(body))
	if m := peekRPC(r, 1<<20); m == nil || m.Tool != "echo" {
		t.Fatalf("peekRPC = %+v", m)
	}
	if got, _ := io.ReadAll(r.Body); string(got) != body {
		t.Errorf("body after peek %q", got)
	}
	// Longer than the limit: not parsed, still intact.
	r, _ = http.NewRequest("POST", "http://x/mcp", strings.NewReader(body))
	if m := peekRPC(r, 10); m != nil {
		t.Errorf("peekRPC over the limit = %+v", m)
	}
	if got, _ := io.ReadAll(r.Body); string(got) != body {
		t.Errorf("body after peek %q", got)
	}
}

func FuzzParseRPC(f *testing.F) {
	for _, s := range []string{
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo"}}`,
		`{"method":"x","id":null}`, `[]`, `{`, `{"method":1}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m := parseRPC(b)
		if m != nil && m.Method == "" {
			t.Errorf("parsed a message without a method: %+v", m)
		}
		if m != nil && m.Tool != "" && m.Method != "tools/call" {
			t.Errorf("tool %q on method %q", m.Tool, m.Method)
		}
	})
}
