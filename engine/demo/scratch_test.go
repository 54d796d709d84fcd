package demo_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/reslua/reslua/engine/demo"
)

func raw(t *testing.T, url string, h map[string]string, body string) {
	req, _ := http.NewRequest("POST", url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	for k, v := range h {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	t.Logf("%d %s sid=%q\n%s", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Mcp-Session-Id"), b)
}

const meta = `"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientInfo":{"name":"x","version":"1"},"io.modelcontextprotocol/clientCapabilities":{}}`

func TestScratch(t *testing.T) {
	for _, o := range []demo.Options{{Stateless: true, JSON: true, ProtocolVersions: []string{"2025-11-25", "2025-06-18"}}, {Stateless: true, JSON: true, ProtocolVersions: []string{"2026-07-28"}}} {
		s, _ := demo.Start(t.Context(), o)
		t.Logf("=== %+v", o)
		mh := map[string]string{"MCP-Protocol-Version": "2026-07-28", "Mcp-Method": "server/discover"}
		raw(t, s.URL(), mh, `{"jsonrpc":"2.0","id":1,"method":"server/discover","params":{`+meta+`}}`)
		mh["Mcp-Method"] = "tools/list"
		raw(t, s.URL(), mh, `{"jsonrpc":"2.0","id":2,"method":"tools/list","params":{`+meta+`}}`)
		mh["Mcp-Method"] = "ping"
		raw(t, s.URL(), mh, `{"jsonrpc":"2.0","id":3,"method":"ping","params":{`+meta+`}}`)
		mh["Mcp-Method"] = "tools/call"
		mh["Mcp-Name"] = "slow"
		raw(t, s.URL(), mh, `{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"slow","arguments":{"ms":1},"_meta":{"progressToken":4,`+meta[9:]+`}}`)
		raw(t, s.URL(), map[string]string{}, `{"jsonrpc":"2.0","id":5,"method":"server/discover"}`)
		raw(t, s.URL(), map[string]string{}, `{"jsonrpc":"2.0","id":6,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`)
		raw(t, s.URL(), map[string]string{"MCP-Protocol-Version": "2025-11-25"}, `{"jsonrpc":"2.0","id":7,"method":"tools/list"}`)
		s.Close()
	}
}
