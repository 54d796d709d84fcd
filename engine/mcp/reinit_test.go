package mcp_test

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"

	"github.com/reslua/reslua/engine/demo"
	"github.com/reslua/reslua/engine/mcp"
	"github.com/reslua/reslua/engine/outcome"
)

func TestReinitializeForgottenSession(t *testing.T) {
	for _, f := range flavours() {
		t.Run(f.name, func(t *testing.T) {
			srv := startDemo(t, f.opts)
			p, err := mcp.NewPool(t.Context(), f.client(srv.URL()), 1)
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close(t.Context())
			if res := p.Do(t.Context(), cheap()); res.Kind != outcome.OK {
				t.Fatalf("tools/list: %+v", res)
			}

			srv.ForgetSessions()
			res := p.Do(t.Context(), callTool(t, "echo", map[string]string{"message": "again"}))
			stateful := !f.opts.Stateless
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
			if res := p.Do(t.Context(), cheap()); res.Kind != outcome.OK || res.Reinitialized {
				t.Errorf("tools/list after re-initialization: %+v", res)
			}
			opened := int64(1)
			if f.stateless() {
				opened = 0 // no handshake in 2026-07-28
			}
			if st := p.Stats(); st.Opened != opened || st.OpenFailures != 0 || st.InitLatency.TotalCount() != opened+st.Reinitialized {
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

// gate holds the second initialize (the re-initialization) of a target
// until released, and says when it has started.
type gate struct {
	started, release chan struct{}
}

func newGate() *gate { return &gate{started: make(chan struct{}), release: make(chan struct{})} }

func (g *gate) beforeInit(n int64) {
	if n == 2 {
		close(g.started)
		<-g.release
	}
}

// forgetS1 answers 404 to requests on session "s1" and {} to others;
// each 404 is reported on notFound.
func forgetS1(notFound chan<- struct{}) replyFunc {
	return func(w http.ResponseWriter, r *http.Request, id string) {
		if r.Header.Get("Mcp-Session-Id") == "s1" {
			http.Error(w, "session not found", http.StatusNotFound)
			notFound <- struct{}{}
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"jsonrpc":"2.0","id":` + id + `,"result":{}}`))
	}
}

// TestReinitializeWaiters holds the re-initialization until every caller
// has met the 404, so all but one wait for it; they share it.
func TestReinitializeWaiters(t *testing.T) {
	const callers = 16
	g := newGate()
	notFound := make(chan struct{}, callers)
	bt := startGatedTarget(t, g.beforeInit, forgetS1(notFound))
	s := open(t, &mcp.Client{URL: bt.URL})

	var wg sync.WaitGroup
	results := make([]mcp.Response, callers)
	for i := range callers {
		wg.Go(func() { results[i] = s.Do(t.Context(), mcp.Ping()) })
	}
	for range callers {
		<-notFound
	}
	close(g.release)
	wg.Wait()

	reinit := 0
	for _, res := range results {
		if res.Kind != outcome.OK {
			t.Fatalf("ping: %+v", res)
		}
		if res.Reinitialized {
			reinit++
		}
	}
	if reinit != 1 || bt.handshakes.Load() != 2 || s.ID() != "s2" {
		t.Fatalf("%d calls re-initialized, %d handshakes, session %q", reinit, bt.handshakes.Load(), s.ID())
	}
}

// TestReinitializeWaiterCanceled: a caller whose context ends while it
// waits for another's re-initialization gives up; the other goes on.
func TestReinitializeWaiterCanceled(t *testing.T) {
	g := newGate()
	notFound := make(chan struct{}, 2)
	bt := startGatedTarget(t, g.beforeInit, forgetS1(notFound))
	s := open(t, &mcp.Client{URL: bt.URL})

	first := make(chan mcp.Response)
	go func() { first <- s.Do(t.Context(), mcp.Ping()) }()
	<-g.started // the first call is re-initializing

	ctx, cancel := context.WithCancel(t.Context())
	second := make(chan mcp.Response)
	go func() { second <- s.Do(ctx, mcp.Ping()) }()
	<-notFound
	<-notFound // both calls met the 404
	cancel()
	if res := <-second; res.Kind != outcome.Canceled {
		t.Fatalf("waiting call: %+v", res)
	}
	close(g.release)
	if res := <-first; res.Kind != outcome.OK || !res.Reinitialized {
		t.Fatalf("re-initializing call: %+v", res)
	}
}

// TestCloseDuringReinitialize: the session closed while a call
// re-initializes it; the new server session is deleted too.
func TestCloseDuringReinitialize(t *testing.T) {
	g := newGate()
	bt := startGatedTarget(t, g.beforeInit, forgetS1(make(chan struct{}, 1)))
	s := open(t, &mcp.Client{URL: bt.URL})

	done := make(chan mcp.Response)
	go func() { done <- s.Do(t.Context(), mcp.Ping()) }()
	<-g.started
	if err := s.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	close(g.release)
	if res := <-done; res.Kind != outcome.Canceled || !errors.Is(res.Err, mcp.ErrClosed) {
		t.Fatalf("call: %+v", res)
	}
	if n := bt.deletes.Load(); n != 2 {
		t.Fatalf("%d DELETEs, want 2 (old and new session)", n)
	}
}
