package mcp_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/reslua/reslua/engine/demo"
	"github.com/reslua/reslua/engine/mcp"
	"github.com/reslua/reslua/engine/outcome"
)

func TestNewPoolSize(t *testing.T) {
	if _, err := mcp.NewPool(t.Context(), &mcp.Client{URL: "http://127.0.0.1:1/mcp"}, 0); !errors.Is(err, mcp.ErrPoolSize) {
		t.Fatalf("NewPool(0): %v", err)
	}
}

func TestPoolAgainstDemo(t *testing.T) {
	srv := startDemo(t, demo.Options{})
	p, err := mcp.NewPool(t.Context(), &mcp.Client{URL: srv.URL()}, 3)
	if err != nil {
		t.Fatal(err)
	}
	if p.Len() != 3 {
		t.Errorf("Len = %d", p.Len())
	}
	for range 9 {
		if res := p.Do(t.Context(), mcp.Ping()); res.Kind != outcome.OK {
			t.Fatalf("ping: %+v", res)
		}
	}
	st := p.Stats()
	if st.Opened != 3 || st.Reinitialized != 0 || st.OpenFailures != 0 || st.InitLatency.TotalCount() != 3 {
		t.Errorf("stats %+v (%d timed)", st, st.InitLatency.TotalCount())
	}
	if err := p.Close(t.Context()); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if res := p.Do(t.Context(), mcp.Ping()); res.Kind != outcome.Canceled || !errors.Is(res.Err, mcp.ErrClosed) {
		t.Fatalf("Do after Close: %+v", res)
	}
}

// TestPoolLazyOpen: sessions that fail to open are opened by the first
// call that picks them.
func TestPoolLazyOpen(t *testing.T) {
	bt := startBadTarget(t, func(w http.ResponseWriter, _ *http.Request, id string) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"jsonrpc":"2.0","id":` + id + `,"result":{}}`))
	})
	bt.failInit.Store(true)
	p, err := mcp.NewPool(t.Context(), &mcp.Client{URL: bt.URL}, 2)
	if err != nil {
		t.Fatal(err)
	}
	if st := p.Stats(); st.OpenFailures != 2 || st.Opened != 0 {
		t.Fatalf("stats after NewPool: %+v", st)
	}
	res := p.Do(t.Context(), mcp.Ping())
	var oe *mcp.OpenError
	if res.Kind != outcome.HTTPStatus(503) || res.Status != 503 || !errors.As(res.Err, &oe) {
		t.Fatalf("ping while initialize fails: %+v", res)
	}

	bt.failInit.Store(false)
	for range 2 { // one call per session
		if res := p.Do(t.Context(), mcp.Ping()); res.Kind != outcome.OK || res.Reinitialized {
			t.Fatalf("ping once initialize works: %+v", res)
		}
	}
	if st := p.Stats(); st.OpenFailures != 3 || st.Opened != 2 || st.Reinitialized != 0 {
		t.Fatalf("stats: %+v", st)
	}
	if err := p.Close(t.Context()); err != nil || bt.deletes.Load() != 2 {
		t.Fatalf("Close: %v after %d DELETEs", err, bt.deletes.Load())
	}
}

// TestConnectionReuse checks that replies are read to their end, so that
// one keep-alive connection carries every request in turn.
func TestConnectionReuse(t *testing.T) {
	for _, f := range flavours() {
		t.Run(f.name, func(t *testing.T) {
			srv := startDemo(t, f.opts)
			var dials atomic.Int64
			var d net.Dialer
			hc := &http.Client{Transport: &http.Transport{
				DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
					dials.Add(1)
					return d.DialContext(ctx, network, addr)
				},
			}}
			defer hc.CloseIdleConnections()
			c := f.client(srv.URL())
			c.HTTP = hc
			s := open(t, c)
			for range 10 {
				if res := s.Do(t.Context(), callTool(t, "echo", map[string]string{"message": "x"})); res.Kind != outcome.OK {
					t.Fatalf("echo: %+v", res)
				}
				if res := s.Do(t.Context(), callTool(t, "fail", nil)); res.Kind != outcome.ToolError {
					t.Fatalf("fail: %+v", res)
				}
				// Unknown method: the SDK answers a plain-text 400 in
				// the legacy era, 404 with JSON-RPC -32601 in 2026-07-28.
				want := outcome.HTTPStatus(400)
				if f.stateless() {
					want = outcome.JSONRPC(-32601)
				}
				if res := s.Do(t.Context(), mcp.Request{Method: "no/such"}); res.Kind != want {
					t.Fatalf("unknown method: %+v", res)
				}
			}
			if err := s.Close(t.Context()); err != nil {
				t.Fatal(err)
			}
			if n := dials.Load(); n != 1 {
				t.Errorf("%d connections dialled, want 1", n)
			}
		})
	}
}

// TestKeepSessions: a pool that keeps its sessions leaves them open on the
// server, where they still answer.
func TestKeepSessions(t *testing.T) {
	for _, keep := range []bool{false, true} {
		srv := startDemo(t, demo.Options{JSON: true})
		p, err := mcp.OpenPool(t.Context(), &mcp.Client{URL: srv.URL()}, mcp.PoolOptions{Sessions: 3, KeepSessions: keep})
		if err != nil {
			t.Fatal(err)
		}
		for range 3 {
			if res := p.Do(t.Context(), cheap()); res.Kind != outcome.OK {
				t.Fatalf("tools/list: %+v", res)
			}
		}
		if err := p.Close(t.Context()); err != nil {
			t.Fatal(err)
		}
		st, want := p.Stats(), int64(3)
		if keep {
			if st.LeftOpen != want || st.Deleted != 0 || srv.Stats().Sessions != 3 {
				t.Errorf("keep: %d left open, %d deleted, %d on the server; want 3, 0, 3", st.LeftOpen, st.Deleted, srv.Stats().Sessions)
			}
		} else if st.LeftOpen != 0 || st.Deleted != want || srv.Stats().Sessions != 0 {
			t.Errorf("delete: %d left open, %d deleted, %d on the server; want 0, 3, 0", st.LeftOpen, st.Deleted, srv.Stats().Sessions)
		}
	}
}

// TestAbandon: a session closed without DELETE is still alive on the
// server: a later request with its id works.
func TestAbandon(t *testing.T) {
	srv := startDemo(t, demo.Options{})
	s := open(t, &mcp.Client{URL: srv.URL()})
	id := s.Abandon()
	if id == "" || s.ID() != id {
		t.Fatalf("Abandon = %q, session %q", id, s.ID())
	}
	if res := s.Do(t.Context(), cheap()); !errors.Is(res.Err, mcp.ErrClosed) {
		t.Errorf("Do after Abandon: %+v", res)
	}
	if s.Abandon() != "" || s.Close(t.Context()) != nil {
		t.Error("second Abandon or Close did something")
	}
	if code := rawPost(t, srv.URL(), id, `{"jsonrpc":"2.0","id":99,"method":"ping"}`); code != 200 {
		t.Errorf("ping on the abandoned session: %d, want 200", code)
	}
	if n := srv.Stats().Sessions; n != 1 {
		t.Errorf("%d sessions on the server, want 1", n)
	}
}

// TestFreshSessions: a pool with FreshSessions opens (and closes, or
// leaves) one session per call, and times each handshake.
func TestFreshSessions(t *testing.T) {
	const calls = 5
	for _, tc := range []struct {
		name      string
		opts      demo.Options
		version   string
		keep      bool
		handshake bool
	}{
		{"legacy", demo.Options{}, "", false, true},
		{"legacy kept", demo.Options{JSON: true}, "", true, true},
		{"2026-07-28", demo.Options{Stateless: true}, mcp.Version20260728, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := startDemo(t, tc.opts)
			c := &mcp.Client{URL: srv.URL(), ProtocolVersion: tc.version}
			p, err := mcp.OpenPool(t.Context(), c, mcp.PoolOptions{FreshSessions: true, KeepSessions: tc.keep})
			if err != nil {
				t.Fatal(err)
			}
			if p.Len() != 0 {
				t.Errorf("Len = %d", p.Len())
			}
			var wg sync.WaitGroup
			for range calls {
				wg.Go(func() {
					res := p.Do(t.Context(), callTool(t, "echo", map[string]string{"message": "x"}))
					if res.Kind != outcome.OK || (res.Init > 0) != tc.handshake || res.Total <= 0 {
						t.Errorf("echo: %+v", res)
					}
				})
			}
			wg.Wait()
			st, ss := p.Stats(), srv.Stats()
			n := int64(calls)
			if !tc.handshake {
				n = 0
			}
			if st.Opened != n || st.InitLatency.TotalCount() != n || ss.Initializes != n {
				t.Errorf("%d opened, %d timed, %d initialize requests; want %d", st.Opened, st.InitLatency.TotalCount(), ss.Initializes, n)
			}
			switch {
			case !tc.handshake:
			case tc.keep && (st.LeftOpen != n || st.Deleted != 0 || ss.Sessions != calls):
				t.Errorf("kept: %d left open, %d deleted, %d on the server", st.LeftOpen, st.Deleted, ss.Sessions)
			case !tc.keep && (st.LeftOpen != 0 || st.Deleted != n || ss.Sessions != 0):
				t.Errorf("closed: %d left open, %d deleted, %d on the server", st.LeftOpen, st.Deleted, ss.Sessions)
			}
			if err := p.Close(t.Context()); err != nil {
				t.Fatal(err)
			}
			if res := p.Do(t.Context(), cheap()); !errors.Is(res.Err, mcp.ErrClosed) {
				t.Errorf("Do after Close: %+v", res)
			}
		})
	}
}

// TestConnPerSession counts the connections the demo server accepts: one
// per session by default, even when the Client's transport allows one
// connection in all; one in all with SharedConns.
func TestConnPerSession(t *testing.T) {
	const sessions = 5
	for _, f := range flavours() {
		for _, shared := range []bool{false, true} {
			t.Run(f.name+"/shared="+strconv.FormatBool(shared), func(t *testing.T) {
				srv := startDemo(t, f.opts)
				tr := &http.Transport{MaxConnsPerHost: 1}
				defer tr.CloseIdleConnections()
				c := f.client(srv.URL())
				c.HTTP = &http.Client{Transport: tr}
				p, err := mcp.OpenPool(t.Context(), c, mcp.PoolOptions{Sessions: sessions, SharedConns: shared})
				if err != nil {
					t.Fatal(err)
				}
				for range 3 * sessions {
					if res := p.Do(t.Context(), cheap()); res.Kind != outcome.OK {
						t.Fatalf("tools/list: %+v", res)
					}
				}
				want := int64(sessions)
				if shared {
					want = 1
				}
				if n := srv.Stats().Connections; n != want {
					t.Errorf("%d connections, want %d", n, want)
				}
				if err := p.Close(t.Context()); err != nil {
					t.Fatal(err)
				}
			})
		}
	}
}
