package mcp_test

import (
	"context"
	"errors"
	"net"
	"net/http"
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
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			srv := startDemo(t, m.opts)
			var dials atomic.Int64
			var d net.Dialer
			hc := &http.Client{Transport: &http.Transport{
				DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
					dials.Add(1)
					return d.DialContext(ctx, network, addr)
				},
			}}
			defer hc.CloseIdleConnections()
			s := open(t, &mcp.Client{URL: srv.URL(), HTTP: hc})
			for range 10 {
				if res := s.Do(t.Context(), callTool(t, "echo", map[string]string{"message": "x"})); res.Kind != outcome.OK {
					t.Fatalf("echo: %+v", res)
				}
				if res := s.Do(t.Context(), callTool(t, "fail", nil)); res.Kind != outcome.ToolError {
					t.Fatalf("fail: %+v", res)
				}
				if res := s.Do(t.Context(), mcp.Request{Method: "no/such"}); res.Kind != outcome.HTTPStatus(400) {
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
