package mcp_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/reslua/reslua/engine/demo"
	"github.com/reslua/reslua/engine/mcp"
	"github.com/reslua/reslua/engine/outcome"
)

// TestDetectEra detects the era of demo servers of either era, and of
// both, with pools whose sessions open at once: one probe per Client.
func TestDetectEra(t *testing.T) {
	for _, tc := range []struct {
		name      string
		opts      demo.Options
		version   string // what Detect says
		stateless bool
		session   bool // sessions get an Mcp-Session-Id
	}{
		{"stateful-sse", demo.Options{}, "2025-11-25", false, true},
		{"stateful-json", demo.Options{JSON: true}, "2025-11-25", false, true},
		{"stateless dual-era", demo.Options{Stateless: true}, "2026-07-28", true, false},
		{"stateless dual-era json", demo.Options{Stateless: true, JSON: true}, "2026-07-28", true, false},
		{"stateless legacy-only", demo.Options{Stateless: true, ProtocolVersions: []string{"2025-06-18", "2025-03-26"}}, "2025-06-18", false, false},
		{"stateful legacy-only", demo.Options{ProtocolVersions: []string{"2025-03-26"}}, "2025-03-26", false, true},
		{"stateless 2026-only", demo.Options{Stateless: true, JSON: true, ProtocolVersions: []string{"2026-07-28"}}, "2026-07-28", true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := startDemo(t, tc.opts)
			c := &mcp.Client{URL: srv.URL()} // zero ProtocolVersion: detect
			p, err := mcp.NewPool(t.Context(), c, 8)
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close(t.Context())
			version, stateless, err := c.Detect(t.Context())
			if err != nil || version != tc.version || stateless != tc.stateless {
				t.Fatalf("Detect = %q, %v, %v; want %q, %v", version, stateless, err, tc.version, tc.stateless)
			}
			if c.Probes() != 1 {
				t.Errorf("%d probes, want 1", c.Probes())
			}
			for range 8 {
				res := p.Do(t.Context(), callTool(t, "echo", map[string]string{"message": "hi"}))
				if res.Kind != outcome.OK || toolText(t, res.Result) != "hi" {
					t.Fatalf("echo: %+v", res)
				}
			}
			st := p.Stats()
			if st.ProtocolVersion != tc.version {
				t.Errorf("pool speaks %q, want %q", st.ProtocolVersion, tc.version)
			}
			wantInits := int64(8)
			if tc.stateless {
				wantInits = 0
			}
			if st.Opened != wantInits || srv.Stats().Initializes != wantInits {
				t.Errorf("%d sessions opened, %d initialize requests; want %d", st.Opened, srv.Stats().Initializes, wantInits)
			}
			if got := srv.Stats().Sessions; tc.session != (got == 8) {
				t.Errorf("%d sessions on the server", got)
			}
		})
	}
}

// TestDetectRetriesAfterFailure: a probe that says nothing about the era
// (503) is not kept; the next one decides.
func TestDetectRetriesAfterFailure(t *testing.T) {
	bt := startBadTarget(t, func(w http.ResponseWriter, _ *http.Request, id string) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"jsonrpc":"2.0","id":`+id+`,"result":{}}`)
	})
	bt.failProbe.Store(true)
	c := &mcp.Client{URL: bt.URL}
	_, _, err := c.Detect(t.Context())
	var oe *mcp.OpenError
	if !errors.As(err, &oe) || oe.Kind != outcome.HTTPStatus(503) {
		t.Fatalf("Detect with the probe failing: %v", err)
	}
	if _, err := c.Open(t.Context()); !errors.As(err, &oe) || oe.Kind != outcome.HTTPStatus(503) {
		t.Fatalf("Open with the probe failing: %v", err)
	}
	bt.failProbe.Store(false)
	s := open(t, c)
	if res := s.Do(t.Context(), mcp.Ping()); res.Kind != outcome.OK || s.ID() != "s1" {
		t.Fatalf("ping: %+v", res)
	}
	if c.Probes() != 3 || bt.probes.Load() != 3 {
		t.Errorf("%d probes sent, %d received; want 3", c.Probes(), bt.probes.Load())
	}
}

// TestPinnedEra: a pinned revision sends no probe, and is what the server
// gets even when it speaks only the other era.
func TestPinnedEra(t *testing.T) {
	dual := startDemo(t, demo.Options{Stateless: true})
	for _, version := range []string{"2026-07-28", "2025-06-18"} {
		c := &mcp.Client{URL: dual.URL(), ProtocolVersion: version}
		s := open(t, c)
		if res := s.Do(t.Context(), cheap()); res.Kind != outcome.OK || s.ProtocolVersion() != version {
			t.Errorf("%s: tools/list %+v, speaking %s", version, res, s.ProtocolVersion())
		}
		if c.Probes() != 0 {
			t.Errorf("%s: %d probes", version, c.Probes())
		}
	}
	if n := dual.Stats().Initializes; n != 1 {
		t.Errorf("%d initialize requests, want 1 (from the legacy client)", n)
	}

	// 2026-07-28 to a stateful (legacy) server: every call is refused with
	// -32022, listing the revisions the server does speak.
	legacy := startDemo(t, demo.Options{JSON: true})
	s := open(t, &mcp.Client{URL: legacy.URL(), ProtocolVersion: mcp.Version20260728})
	res := s.Do(t.Context(), cheap())
	var rpcErr *mcp.RPCError
	if res.Kind != outcome.JSONRPC(-32022) || res.Status != 400 || !errors.As(res.Err, &rpcErr) ||
		!errors.Is(res.Err, mcp.ErrStatus) || !strings.Contains(string(rpcErr.Data), "2025-11-25") {
		t.Errorf("2026-07-28 to a legacy server: %+v", res)
	}

	// A legacy revision to a server of 2026-07-28 only: the handshake fails.
	modern := startDemo(t, demo.Options{Stateless: true, ProtocolVersions: []string{mcp.Version20260728}})
	_, err := (&mcp.Client{URL: modern.URL(), ProtocolVersion: "2025-11-25"}).Open(t.Context())
	var oe *mcp.OpenError
	if !errors.As(err, &oe) || oe.Kind != outcome.HTTPStatus(400) {
		t.Errorf("legacy client, 2026-only server: %v", err)
	}
}

// exchangeLog records what goes through a recording proxy.
type exchangeLog struct {
	mu   sync.Mutex
	reqs []recorded
}

type recorded struct {
	header http.Header
	body   []byte
}

// startRecorder puts a reverse proxy in front of target that records every
// request; it changes nothing.
func startRecorder(t *testing.T, target string) (string, *exchangeLog) {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	log := &exchangeLog{}
	proxy := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: u.Scheme, Host: u.Host})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		log.mu.Lock()
		log.reqs = append(log.reqs, recorded{r.Header.Clone(), body})
		log.mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.Host = u.Host // the SDK refuses a non-loopback Host on a loopback listener
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + u.Path, log
}

func (l *exchangeLog) last() recorded {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.reqs[len(l.reqs)-1]
}

// TestStatelessWire checks what the client sends in the 2026-07-28 era;
// the demo server behind the recorder validates it too (a missing or wrong
// Mcp-Method or Mcp-Name gets 400 and -32020).
func TestStatelessWire(t *testing.T) {
	srv := startDemo(t, demo.Options{Stateless: true})
	url, log := startRecorder(t, srv.URL())
	c := &mcp.Client{URL: url, ProtocolVersion: mcp.Version20260728, ClientName: "wire", ClientVersion: "9",
		Header: http.Header{"Authorization": {"Bearer x"}}}
	s := open(t, c)
	echo := callTool(t, "echo", map[string]string{"message": "hi"})
	echo.Progress = true
	for _, tc := range []struct {
		r    mcp.Request
		name string // Mcp-Name; "" for none
	}{
		{echo, "echo"},
		{mcp.ToolsList(""), ""},
		{mcp.ResourcesRead("demo://readme"), "demo://readme"},
		{mcp.PromptsGet("greet", map[string]string{"name": "Ada"}), "greet"},
		{mcp.ServerDiscover(), ""},
	} {
		res := s.Do(t.Context(), tc.r)
		if res.Kind != outcome.OK {
			t.Fatalf("%s: %+v", tc.r.Method, res)
		}
		got := log.last()
		for name, want := range map[string]string{
			"MCP-Protocol-Version": "2026-07-28",
			"Mcp-Method":           tc.r.Method,
			"Mcp-Name":             tc.name,
			"Mcp-Session-Id":       "",
			"Authorization":        "Bearer x",
			"Accept":               "application/json, text/event-stream",
		} {
			if v := got.header.Get(name); v != want {
				t.Errorf("%s: %s = %q, want %q", tc.r.Method, name, v, want)
			}
		}
		var body struct {
			ID     int64 `json:"id"`
			Params struct {
				Meta map[string]json.RawMessage `json:"_meta"`
			} `json:"params"`
		}
		if err := json.Unmarshal(got.body, &body); err != nil {
			t.Fatalf("%s: body %s: %v", tc.r.Method, got.body, err)
		}
		meta := body.Params.Meta
		if string(meta["io.modelcontextprotocol/protocolVersion"]) != `"2026-07-28"` ||
			string(meta["io.modelcontextprotocol/clientInfo"]) != `{"name":"wire","version":"9"}` ||
			string(meta["io.modelcontextprotocol/clientCapabilities"]) != `{}` {
			t.Errorf("%s: _meta %s", tc.r.Method, got.body)
		}
		if token, ok := meta["progressToken"]; tc.r.Progress != ok || ok && string(token) != strconv.FormatInt(body.ID, 10) {
			t.Errorf("%s: progressToken %s for request %d", tc.r.Method, token, body.ID)
		}
	}
	if err := s.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	if n := len(log.reqs); n != 5 {
		t.Errorf("%d requests through the recorder, want 5 (no probe, no handshake, no DELETE)", n)
	}
}

// TestClientAgainstStatelessDemo is TestClientAgainstDemo for 2026-07-28.
func TestClientAgainstStatelessDemo(t *testing.T) {
	for _, jsonReplies := range []bool{false, true} {
		srv := startDemo(t, demo.Options{Stateless: true, JSON: jsonReplies})
		s := open(t, &mcp.Client{URL: srv.URL(), ProtocolVersion: mcp.Version20260728})
		if s.ID() != "" || s.ProtocolVersion() != "2026-07-28" {
			t.Errorf("session %q speaking %q", s.ID(), s.ProtocolVersion())
		}
		ok := func(r mcp.Request) mcp.Response {
			t.Helper()
			res := s.Do(t.Context(), r)
			if res.Kind != outcome.OK || res.Status != 200 || res.Total < res.FirstByte || res.FirstByte <= 0 {
				t.Fatalf("%s: %+v", r.Method, res)
			}
			return res
		}
		if got := toolText(t, ok(callTool(t, "echo", map[string]string{"message": "hé \"x\""})).Result); got != "hé \"x\"" {
			t.Errorf("echo = %q", got)
		}
		if got := toolText(t, ok(callTool(t, "add", map[string]float64{"a": 1, "b": 2.5})).Result); got != "3.5" {
			t.Errorf("add = %q", got)
		}
		if res := ok(mcp.ServerDiscover()); !strings.Contains(string(res.Result), `"supportedVersions":["2026-07-28"`) {
			t.Errorf("server/discover: %s", res.Result)
		}
		res := s.Do(t.Context(), callTool(t, "fail", map[string]string{"message": "boom"}))
		if res.Kind != outcome.ToolError || !strings.Contains(res.Err.Error(), "boom") {
			t.Errorf("fail: %+v", res)
		}
		// ping and unknown methods: 404 with JSON-RPC -32601.
		for _, r := range []mcp.Request{mcp.Ping(), {Method: "no/such"}} {
			res := s.Do(t.Context(), r)
			if res.Kind != outcome.JSONRPC(-32601) || res.Status != 404 {
				t.Errorf("%s: %+v", r.Method, res)
			}
		}
		// A request edited after it was built still goes out right.
		edited := callTool(t, "echo", map[string]string{"message": "a"})
		edited.Params = json.RawMessage(`{"name":"add","arguments":{"a":2,"b":2}}`)
		if got := toolText(t, ok(edited).Result); got != "4" {
			t.Errorf("edited request: %q", got)
		}
		if err := s.Close(t.Context()); err != nil {
			t.Error(err)
		}
		if n := srv.Stats().Initializes; n != 0 {
			t.Errorf("%d initialize requests", n)
		}
	}
}
