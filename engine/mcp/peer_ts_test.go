package mcp_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/reslua/reslua/engine/mcp"
	"github.com/reslua/reslua/engine/outcome"
)

// tsPeer is the TypeScript SDK MCP server of testdata/peers/ts-mcp,
// running under node.
type tsPeer struct {
	url    string
	closed chan struct{} // a connection closed on the server
}

// requirePeer skips the test when a real peer is not installed, or fails
// it when RESLUA_REQUIRE_PEERS=1 (as .ci/run sets).
func requirePeer(t *testing.T, why string) {
	t.Helper()
	if os.Getenv("RESLUA_REQUIRE_PEERS") == "1" {
		t.Fatalf("%s (RESLUA_REQUIRE_PEERS=1)", why)
	}
	t.Skip(why)
}

// startTSPeer starts server.js with server.keepAliveTimeout keepAliveMS.
func startTSPeer(t *testing.T, keepAliveMS int) *tsPeer {
	t.Helper()
	dir, err := filepath.Abs("../../testdata/peers/ts-mcp")
	if err != nil {
		t.Fatal(err)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		requirePeer(t, "node is not installed: the TypeScript SDK peer cannot run")
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@modelcontextprotocol", "sdk")); err != nil {
		requirePeer(t, "testdata/peers/ts-mcp/node_modules is missing: run `npm ci` in testdata/peers/ts-mcp")
	}
	cmd := exec.Command(node, "server.js")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), fmt.Sprintf("RESLUA_PEER_KEEPALIVE_MS=%d", keepAliveMS), "RESLUA_PEER_LOG_CLOSES=1", "PORT=0")
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	p := &tsPeer{closed: make(chan struct{}, 1024)}
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if u, ok := strings.CutPrefix(sc.Text(), "listening "); ok {
			p.url = u
			break
		}
	}
	if p.url == "" {
		t.Fatalf("node server.js did not start: %v", sc.Err())
	}
	go func() {
		for sc.Scan() {
			if sc.Text() == "closed" {
				p.closed <- struct{}{}
			}
		}
	}()
	return p
}

// waitClosed waits until the server has closed n more connections.
func (p *tsPeer) waitClosed(t *testing.T, n int) {
	t.Helper()
	for range n {
		select {
		case <-p.closed:
		case <-t.Context().Done():
			t.Fatal("test ended waiting for the server to close idle connections")
		}
	}
}

// TestTSServerClosesIdleConnections: a Node server closes kept-alive
// connections after server.keepAliveTimeout (5 s by default, 10 ms here;
// Node 20 closes about a second later than that).
// Sessions that call a tool after each such close lose no call: each
// stale connection is found closed before the call is written on it
// (a tools/call is never resent), and counted as a reconnect. Before
// the fix every call after an idle gap failed as eof.
func TestTSServerClosesIdleConnections(t *testing.T) {
	p := startTSPeer(t, 10)
	const sessions, rounds = 5, 2
	c := &mcp.Client{URL: p.url, ProtocolVersion: mcp.LatestLegacyVersion}
	defer c.CloseIdleConnections()
	pool, err := mcp.NewPool(t.Context(), c, sessions) // a connection per session
	if err != nil {
		t.Fatal(err)
	}
	if st := pool.Stats(); st.Opened != sessions {
		t.Fatalf("opened %d sessions, want %d (%+v)", st.Opened, sessions, st)
	}
	calls := 0
	for round := range rounds {
		// Every session's connection has gone idle and the server has
		// closed it: the gap is longer than the keep-alive timeout.
		p.waitClosed(t, sessions)
		var wg sync.WaitGroup
		errs := make(chan string, sessions)
		for i := range sessions {
			calls++
			req := callTool(t, "echo", map[string]string{"text": fmt.Sprintf("r%d-s%d", round, i)})
			wg.Go(func() {
				if res := pool.Do(t.Context(), req); res.Kind != outcome.OK {
					errs <- fmt.Sprintf("round %d: tools/call: %s: %v", round, res.Kind, res.Err)
				}
			})
		}
		wg.Wait()
		close(errs)
		for e := range errs {
			t.Error(e)
		}
		if t.Failed() {
			// A failed call's connection is gone: the next gap would
			// wait for a close that does not come.
			t.FailNow()
		}
	}
	// Each call ran once on the server.
	p.waitClosed(t, sessions)
	res := pool.Do(t.Context(), callTool(t, "calls", map[string]any{}))
	if res.Kind != outcome.OK {
		t.Fatalf("calls: %s: %v", res.Kind, res.Err)
	}
	var result struct {
		Content []struct{ Text string } `json:"content"`
	}
	if err := json.Unmarshal(res.Result, &result); err != nil || len(result.Content) != 1 {
		t.Fatalf("calls result %s: %v", res.Result, err)
	}
	var seen map[string]int
	if err := json.Unmarshal([]byte(result.Content[0].Text), &seen); err != nil {
		t.Fatal(err)
	}
	if len(seen) != calls {
		t.Errorf("server handled %d distinct calls, want %d: %v", len(seen), calls, seen)
	}
	for text, n := range seen {
		if n != 1 {
			t.Errorf("%s handled %d times", text, n)
		}
	}
	p.waitClosed(t, 1) // so that every DELETE finds its connection closed too
	if err := pool.Close(t.Context()); err != nil {
		t.Errorf("close: %v", err)
	}
	// One connection per session found closed after each gap: the rounds,
	// "calls" (one session) and the DELETEs.
	st := c.ConnStats()
	if want := int64(sessions*rounds + 1 + sessions); st.Reconnects != want || st.Replays != 0 {
		t.Errorf("ConnStats = %+v, want %d reconnects and no replays", st, want)
	}
}
