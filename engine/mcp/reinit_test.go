package mcp_test

import (
	"errors"
	"net/http"
	"sync"
	"testing"

	"github.com/reslua/reslua/engine/demo"
	"github.com/reslua/reslua/engine/mcp"
	"github.com/reslua/reslua/engine/outcome"
)

func TestReinitializeForgottenSession(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			srv := startDemo(t, m.opts)
			p, err := mcp.NewPool(t.Context(), &mcp.Client{URL: srv.URL()}, 1)
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close(t.Context())
			if res := p.Do(t.Context(), mcp.Ping()); res.Kind != outcome.OK {
				t.Fatalf("ping: %+v", res)
			}

			srv.ForgetSessions()
			res := p.Do(t.Context(), callTool(t, "echo", map[string]string{"message": "again"}))
			stateful := !m.opts.Stateless
			if res.Kind != outcome.OK || toolText(t, res.Result) != "again" || res.Reinitialized != stateful {
				t.Fatalf("echo after forget: %+v", res)
			}
			st := p.Stats()
			if want := int64(0); stateful {
				want = 1
				if st.Reinitialized != want {
					t.Errorf("Reinitialized = %d, want %d", st.Reinitialized, want)
				}
			} else if st.Reinitialized != want {
				t.Errorf("Reinitialized = %d on a stateless server", st.Reinitialized)
			}
			if res := p.Do(t.Context(), mcp.Ping()); res.Kind != outcome.OK || res.Reinitialized {
				t.Errorf("ping after re-initialization: %+v", res)
			}
			if st := p.Stats(); st.Opened != 1 || st.OpenFailures != 0 || st.InitLatency.TotalCount() != 1+st.Reinitialized {
				t.Errorf("stats %+v, %d handshakes timed", st, st.InitLatency.TotalCount())
			}
		})
	}
}

// TestConcurrentReinitializeOnce has many callers find their sessions
// forgotten at once: each session is initialized again exactly once.
func TestConcurrentReinitializeOnce(t *testing.T) {
	for _, jsonReplies := range []bool{false, true} {
		srv := startDemo(t, demo.Options{JSON: jsonReplies})
		const sessions, callers = 4, 64
		p, err := mcp.NewPool(t.Context(), &mcp.Client{URL: srv.URL()}, sessions)
		if err != nil {
			t.Fatal(err)
		}
		srv.ForgetSessions()

		var (
			wg      sync.WaitGroup
			start   = make(chan struct{})
			results = make([]mcp.Response, callers)
		)
		for i := range callers {
			wg.Go(func() {
				<-start
				results[i] = p.Do(t.Context(), mcp.Ping())
			})
		}
		close(start)
		wg.Wait()

		reinit := 0
		for _, res := range results {
			if res.Kind != outcome.OK {
				t.Fatalf("ping after forget: %+v", res)
			}
			if res.Reinitialized {
				reinit++
			}
		}
		st := p.Stats()
		if reinit != sessions || st.Reinitialized != sessions || st.Opened != sessions || st.OpenFailures != 0 {
			t.Errorf("json=%v: %d responses re-initialized; stats %+v; want %d each", jsonReplies, reinit, st, sessions)
		}
		if err := p.Close(t.Context()); err != nil {
			t.Errorf("Close: %v", err)
		}
	}
}

// TestReinitializeOn400 covers servers that answer a forgotten session
// with 400 and a message naming the session (and other 400s, which are
// plain failures).
func TestReinitializeOn400(t *testing.T) {
	bt := startBadTarget(t, func(w http.ResponseWriter, r *http.Request, id string) {
		switch r.Header.Get("Mcp-Session-Id") {
		case "s1":
			http.Error(w, "Bad Request: No valid session ID provided", http.StatusBadRequest)
		default:
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"jsonrpc":"2.0","id":` + id + `,"result":{}}`))
		}
	})
	s := open(t, &mcp.Client{URL: bt.URL})
	res := s.Do(t.Context(), mcp.Ping())
	if res.Kind != outcome.OK || !res.Reinitialized || s.ID() != "s2" {
		t.Fatalf("ping: %+v, session %q", res, s.ID())
	}

	plain := startBadTarget(t, func(w http.ResponseWriter, _ *http.Request, _ string) {
		http.Error(w, "Bad Request: malformed", http.StatusBadRequest)
	})
	s = open(t, &mcp.Client{URL: plain.URL})
	res = s.Do(t.Context(), mcp.Ping())
	if res.Kind != outcome.HTTPStatus(400) || res.Reinitialized || plain.handshakes.Load() != 1 {
		t.Fatalf("ping: %+v after %d handshakes", res, plain.handshakes.Load())
	}
}

// TestReinitializeFails: the session is forgotten and the server refuses
// to open a new one; the call fails with the handshake's kind.
func TestReinitializeFails(t *testing.T) {
	bt := startBadTarget(t, func(w http.ResponseWriter, _ *http.Request, _ string) {
		http.Error(w, "session not found", http.StatusNotFound)
	})
	p, err := mcp.NewPool(t.Context(), &mcp.Client{URL: bt.URL}, 1)
	if err != nil {
		t.Fatal(err)
	}
	// The re-initialization succeeds but the retry meets 404 again: the
	// call fails with that, after one re-initialization.
	res := p.Do(t.Context(), mcp.Ping())
	if res.Kind != outcome.HTTPStatus(404) || !res.Reinitialized || !errors.Is(res.Err, mcp.ErrStatus) {
		t.Fatalf("ping: %+v", res)
	}
	if st := p.Stats(); st.Reinitialized != 1 || bt.handshakes.Load() != 2 {
		t.Errorf("stats %+v, %d handshakes", st, bt.handshakes.Load())
	}

	bt.failInit.Store(true) // now the re-initialization itself fails
	res = p.Do(t.Context(), mcp.Ping())
	var oe *mcp.OpenError
	if res.Kind != outcome.HTTPStatus(503) || res.Status != 503 || res.Reinitialized || !errors.As(res.Err, &oe) {
		t.Fatalf("ping with initialize failing: %+v", res)
	}
	if st := p.Stats(); st.Reinitialized != 1 || st.OpenFailures != 1 {
		t.Errorf("stats %+v", st)
	}
}
