package mcp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// reply is what the fuzzed server answers to one method: a status, a
// Content-Type, an Mcp-Session-Id and a body in which $ID stands for the
// request's id.
type reply struct {
	status         int
	ctype, session string
	body           []byte
}

// FuzzHandshake opens a session against a server that answers the era
// probe (server/discover) and the handshake (initialize) with anything:
// status, Content-Type, Mcp-Session-Id and body, on net/http and on httpc.
// Open returns a session or an error, never panics nor waits past its
// context; a session opened sends back the server's session id and the
// protocol version it chose as they were given, or refuses to.
func FuzzHandshake(f *testing.F) {
	const (
		discoverModern = `{"jsonrpc":"2.0","id":$ID,"result":{"supportedVersions":["2026-07-28"]}}`
		discoverLegacy = `{"jsonrpc":"2.0","id":$ID,"error":{"code":-32601,"message":"Method not found"}}`
		unsupported    = `{"jsonrpc":"2.0","id":$ID,"error":{"code":-32000,"message":"unsupported","data":{"supported":["2025-06-18","2025-03-26"]}}}`
		initOK         = `{"jsonrpc":"2.0","id":$ID,"result":{"protocolVersion":"2025-06-18","capabilities":{},"serverInfo":{"name":"s","version":"1"}}}`
	)
	for _, s := range []struct {
		st1        int
		ct1, body1 string
		st2        int
		ct2, sid   string
		body2      string
		httpc      bool
	}{
		{200, "application/json", discoverModern, 200, "application/json", "", initOK, true},
		{200, "application/json", discoverLegacy, 200, "application/json", "abc-123", initOK, false},
		{400, "application/json", unsupported, 200, "text/event-stream", "s1", "event: message\ndata: " + initOK + "\n\n", true},
		{404, "text/plain", "not found", 200, "application/json", "", `{"jsonrpc":"2.0","id":$ID,"result":{"protocolVersion":"x\r\nX-Injected: 1"}}`, true},
		{200, "text/event-stream", "data: {\n\n", 200, "application/json", "a\x7fb", initOK, false},
		{500, "application/json", "", 200, "application/json", "", `{"jsonrpc":"2.0","id":$ID,"result":null}`, true},
	} {
		f.Add(s.st1, s.ct1, []byte(s.body1), s.st2, s.ct2, s.sid, []byte(s.body2), s.httpc)
	}
	f.Fuzz(func(t *testing.T, st1 int, ct1 string, body1 []byte, st2 int, ct2, sid string, body2 []byte, useHTTPC bool) {
		replies := map[string]reply{
			"server/discover": {status: st1, ctype: ct1, body: body1},
			"initialize":      {status: st2, ctype: ct2, session: sid, body: body2},
		}
		var (
			mu   sync.Mutex
			sent []http.Header // the headers of requests after the handshake
		)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			var msg struct {
				ID     json.RawMessage `json:"id"`
				Method string          `json:"method"`
			}
			json.Unmarshal(b, &msg)
			rep, ok := replies[msg.Method]
			if !ok {
				mu.Lock()
				sent = append(sent, r.Header.Clone())
				mu.Unlock()
				if msg.Method == "tools/list" {
					w.Header().Set("Content-Type", "application/json")
					w.Write([]byte(`{"jsonrpc":"2.0","id":` + string(msg.ID) + `,"result":{"tools":[]}}`))
					return
				}
				w.WriteHeader(http.StatusAccepted)
				return
			}
			if rep.ctype != "" {
				w.Header()["Content-Type"] = []string{rep.ctype}
			}
			if rep.session != "" {
				w.Header()[sessionHeader] = []string{rep.session}
			}
			w.WriteHeader(200 + (rep.status%400+400)%400) // 200..599: net/http panics on others
			w.Write(bytes.ReplaceAll(rep.body, []byte("$ID"), msg.ID))
		}))
		defer srv.Close()
		c := &Client{URL: srv.URL + "/mcp"}
		if !useHTTPC {
			c.HTTP = srv.Client()
		}
		defer c.CloseIdleConnections()
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		s, err := c.Open(ctx)
		if err != nil {
			if errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("Open waited past its context: %v", err)
			}
			return
		}
		resp := s.Do(ctx, ToolsList(""))
		if errors.Is(resp.Err, context.DeadlineExceeded) {
			t.Fatalf("tools/list waited past its context: %v", resp.Err)
		}
		s.Close(ctx)
		mu.Lock()
		defer mu.Unlock()
		for _, h := range sent {
			// What the server gave is sent back as it was, or not at all.
			if v, ok := h[http.CanonicalHeaderKey(sessionHeader)]; ok && (len(v) != 1 || v[0] != sid) {
				t.Fatalf("server's session id %q sent back as %q", sid, v)
			}
			if len(h.Values("X-Injected")) > 0 {
				t.Fatalf("a header injected through the server's reply: %v", h)
			}
		}
	})
}
