package deploy

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/iotest"
	"testing/synctest"
	"time"

	"github.com/reslua/reslua/breaker"
)

// discardWriter is a ResponseWriter that keeps the status and drops the
// body, for in-process load.
type discardWriter struct {
	h      http.Header
	status int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *discardWriter) WriteHeader(code int)        { w.status = code }

// TestRouterSplit sends 20,000 requests through the router, drawn by the
// seeded Random balance, to three real backends on 127.0.0.1 (the clients
// call ServeHTTP in-process, many goroutines at once; the router's hop to
// the backends is over real sockets), and checks the achieved split
// against the requested one within 1 % (for the 10 % route that is 4.7
// standard deviations, and the seeded draws make the outcome fixed).
func TestRouterSplit(t *testing.T) {
	const total = 20_000
	weights := Weights{"blue": 70, "green": 20, "canary": 10}
	blue, green, canary := newBackend(t, "blue"), newBackend(t, "green"), newBackend(t, "canary")
	r := &Router{
		Routes:  []Route{{Name: "blue", URL: blue.URL()}, {Name: "green", URL: green.URL()}, {Name: "canary", URL: canary.URL()}},
		Weights: weights, RequireSum100: true, Balance: Random, Seed: 42,
	}
	var next, failed atomic.Int64
	var wg sync.WaitGroup
	for range 32 {
		wg.Go(func() {
			for next.Add(1) <= total {
				req := httptest.NewRequest(http.MethodGet, "http://router/x", nil)
				w := &discardWriter{h: http.Header{}, status: 200}
				r.ServeHTTP(w, req)
				if w.status != 200 {
					failed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if n := failed.Load(); n != 0 {
		t.Fatalf("%d requests failed", n)
	}
	st := r.Stats()
	if st.Requests != total || st.Errors != 0 {
		t.Errorf("stats: %d requests, %d errors; want %d, 0", st.Requests, st.Errors, total)
	}
	served := map[string]int64{"blue": blue.served.Load(), "green": green.served.Load(), "canary": canary.served.Load()}
	for name, w := range weights {
		share := 100 * float64(served[name]) / total
		if math.Abs(share-float64(w)) > 1 {
			t.Errorf("%s: %.2f%% of the requests, want %d%% ± 1", name, share, w)
		}
		rs, _ := st.Route(name)
		if rs.Requests != served[name] || rs.Requested != float64(w) || math.Abs(rs.Achieved-share) > 1e-9 {
			t.Errorf("%s: stats %+v, backend served %d", name, rs, served[name])
		}
		t.Logf("%s: requested %d%%, achieved %.3f%%", name, w, share)
	}
}

// TestRouterSplitSockets sends requests from many clients over real
// sockets through the listening router: smooth round-robin gives the exact
// split.
func TestRouterSplitSockets(t *testing.T) {
	const total = 20_000
	blue, green := newBackend(t, "blue"), newBackend(t, "green")
	r := startRouter(t, &Router{
		Routes:  []Route{{Name: "blue", URL: blue.URL()}, {Name: "green", URL: green.URL()}},
		Weights: Weights{"blue": 90, "green": 10}, RequireSum100: true,
	})
	const workers = 32
	c := client(t, workers)
	var next, failed atomic.Int64
	var mu sync.Mutex
	got := map[string]int{}
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			mine := map[string]int{}
			for next.Add(1) <= total {
				resp, err := c.Get(r.URL() + "/x")
				if err != nil {
					failed.Add(1)
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					failed.Add(1)
				}
				mine[resp.Header.Get("X-Backend")]++
			}
			mu.Lock()
			for k, v := range mine {
				got[k] += v
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	if failed.Load() != 0 || got["blue"] != 18_000 || got["green"] != 2_000 {
		t.Errorf("%d failed; split %v, want exactly blue 18000, green 2000", failed.Load(), got)
	}
}

// TestRoundRobinExact checks that smooth round-robin gives each route its
// exact weight over every cycle, interleaved.
func TestRoundRobinExact(t *testing.T) {
	tb := newTable([]int{90, 10, 0})
	s := tb.sequence(tb.positive)
	counts := [3]int{}
	lastGreen, maxGap := -1, 0
	for i := range 1000 {
		k := s.pick()
		counts[k]++
		if k == 1 {
			if lastGreen >= 0 {
				maxGap = max(maxGap, i-lastGreen)
			}
			lastGreen = i
		}
	}
	if counts != [3]int{900, 100, 0} {
		t.Errorf("counts %v, want [900 100 0]", counts)
	}
	if maxGap != 10 {
		t.Errorf("the 10%% route came every %d requests at worst, want every 10 (interleaved)", maxGap)
	}
	// Large, coprime weights use the locked path; the split stays exact.
	tb = newTable([]int{maxSequence, 1})
	s = tb.sequence(tb.positive)
	if s.order != nil {
		t.Fatal("expected the locked path for a sum above maxSequence")
	}
	counts = [3]int{}
	for range maxSequence + 1 {
		counts[s.pick()]++
	}
	if counts[0] != maxSequence || counts[1] != 1 {
		t.Errorf("counts %v", counts)
	}
}

// TestRandomDeterministic checks that the same seed gives the same choices.
func TestRandomDeterministic(t *testing.T) {
	picks := func(seed uint64) []int {
		r := &Router{Routes: []Route{{Name: "a", URL: "http://127.0.0.1:1"}, {Name: "b", URL: "http://127.0.0.1:2"}},
			Weights: Weights{"a": 50, "b": 50}, Balance: Random, Seed: seed}
		if err := r.init(); err != nil {
			t.Fatal(err)
		}
		var out []int
		for range 64 {
			i, _, _ := r.choose(r.table.Load(), "")
			out = append(out, i)
		}
		return out
	}
	a, b, c := picks(7), picks(7), picks(8)
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Error("the same seed gave different choices")
	}
	if fmt.Sprint(a) == fmt.Sprint(c) {
		t.Error("different seeds gave the same 64 choices")
	}
}

// TestWeightChangeUnderLoad flips the weights many times while many clients
// send requests over real sockets, and counts every request's outcome:
// none may be lost or fail.
func TestWeightChangeUnderLoad(t *testing.T) {
	blue, green := newBackend(t, "blue"), newBackend(t, "green")
	r := startRouter(t, &Router{
		Routes:  []Route{{Name: "blue", URL: blue.URL()}, {Name: "green", URL: green.URL()}},
		Weights: Weights{"blue": 100}, RequireSum100: true,
	})
	const workers = 48
	c := client(t, workers)
	var sent, ok, bad atomic.Int64
	var stop atomic.Bool
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for !stop.Load() {
				sent.Add(1)
				resp, err := c.Post(r.URL()+"/mcp", "application/json", strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"ping"}`))
				if err != nil {
					bad.Add(1)
					continue
				}
				_, err = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if err != nil || resp.StatusCode != 200 {
					bad.Add(1)
					continue
				}
				ok.Add(1)
			}
		})
	}
	steps := []Weights{{"blue": 90, "green": 10}, {"blue": 75, "green": 25}, {"blue": 50, "green": 50},
		{"blue": 25, "green": 75}, {"blue": 0, "green": 100}, {"blue": 100, "green": 0}}
	const flips = 60
	for i := range flips {
		if err := r.SetWeights(steps[i%len(steps)]); err != nil {
			t.Fatal(err)
		}
		// Let some traffic through at these weights before the next flip.
		for target := ok.Load() + 50; ok.Load()+bad.Load() < target; {
			waitABit()
		}
	}
	stop.Store(true)
	wg.Wait()
	st := r.Stats()
	t.Logf("%d requests over %d weight changes: blue %d, green %d", sent.Load(), flips, blue.served.Load(), green.served.Load())
	if bad.Load() != 0 {
		t.Errorf("%d of %d requests failed", bad.Load(), sent.Load())
	}
	if ok.Load() != sent.Load() {
		t.Errorf("%d requests sent, %d answered 200", sent.Load(), ok.Load())
	}
	if served := blue.served.Load() + green.served.Load(); served != sent.Load() || st.Requests != sent.Load() || st.Errors != 0 {
		t.Errorf("sent %d, backends served %d, router counted %d requests and %d errors", sent.Load(), served, st.Requests, st.Errors)
	}
	if blue.served.Load() == 0 || green.served.Load() == 0 {
		t.Error("a backend got no traffic")
	}
}

// waitABit yields to the goroutines under test, without sleeping.
func waitABit() { runtime.Gosched() }

// TestInFlightKeepsBackend holds a request on blue, moves all the weight to
// green, and checks that the held request completes on blue while new
// requests go to green.
func TestInFlightKeepsBackend(t *testing.T) {
	arrived, release := make(chan struct{}), make(chan struct{})
	blue := newBackendFunc(t, "blue", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			close(arrived)
			<-release
		}
		fmt.Fprint(w, "blue")
	})
	green := newBackend(t, "green")
	r := startRouter(t, &Router{Routes: []Route{{Name: "blue", URL: blue.URL()}, {Name: "green", URL: green.URL()}}})
	c := client(t, 4)
	type reply struct {
		status  int
		backend string
	}
	done := make(chan reply)
	go func() {
		st, be, _ := get(t, c, r.URL()+"/slow")
		done <- reply{st, be}
	}()
	<-arrived
	if err := r.SetWeights(Weights{"green": 1}); err != nil {
		t.Fatal(err)
	}
	if st, be, _ := get(t, c, r.URL()+"/fast"); st != 200 || be != "green" {
		t.Errorf("new request: %d from %q, want 200 from green", st, be)
	}
	close(release)
	if rp := <-done; rp.status != 200 || rp.backend != "blue" {
		t.Errorf("in-flight request: %d from %q, want 200 from blue", rp.status, rp.backend)
	}
}

// mcpBackend answers like a stateful MCP server: a request without a
// session id starts a session (its id in Mcp-Session-Id); a request with
// an id this backend did not issue is answered 404, which makes a client
// re-initialize.
func mcpBackend(t *testing.T, name string) *backend {
	var n atomic.Int64
	var mu sync.Mutex
	known := map[string]bool{}
	return newBackendFunc(t, name, func(w http.ResponseWriter, r *http.Request) {
		sid := r.Header.Get("Mcp-Session-Id")
		mu.Lock()
		defer mu.Unlock()
		switch {
		case sid == "":
			sid = fmt.Sprintf("%s-%d", name, n.Add(1))
			known[sid] = true
			w.Header().Set("Mcp-Session-Id", sid)
		case !known[sid]:
			http.Error(w, "unknown session", http.StatusNotFound)
			return
		case r.Method == http.MethodDelete:
			delete(known, sid)
		}
		fmt.Fprint(w, name)
	})
}

func TestStickySessions(t *testing.T) {
	blue, green := mcpBackend(t, "blue"), mcpBackend(t, "green")
	r := startRouter(t, &Router{
		Routes:  []Route{{Name: "blue", URL: blue.URL()}, {Name: "green", URL: green.URL()}},
		Weights: Weights{"blue": 50, "green": 50}, Sticky: true,
	})
	c := client(t, 8)
	initialize := func() string {
		resp, err := c.Post(r.URL()+"/mcp", "application/json", strings.NewReader(`{"method":"initialize"}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.Header.Get("Mcp-Session-Id")
	}
	call := func(sid string) (int, string) {
		st, be, _ := get(t, c, r.URL()+"/mcp", "Mcp-Session-Id", sid)
		return st, be
	}
	var sids []string
	for range 10 {
		sids = append(sids, initialize())
	}
	on := map[string]int{}
	for _, sid := range sids {
		owner := strings.Split(sid, "-")[0]
		on[owner]++
		for range 20 {
			if st, be := call(sid); st != 200 || be != owner {
				t.Fatalf("session %s: %d from %s, want 200 from %s", sid, st, be, owner)
			}
		}
	}
	if on["blue"] == 0 || on["green"] == 0 {
		t.Fatalf("sessions: %v, want some on each route", on)
	}
	if n := r.Sessions(); n != len(sids) {
		t.Errorf("Sessions() = %d, want %d", n, len(sids))
	}

	// Blue loses its weight: its sessions move to green (which does not
	// know them: 404, the client would re-initialize), green's stay.
	if err := r.SetWeights(Weights{"green": 100}); err != nil {
		t.Fatal(err)
	}
	for _, sid := range sids {
		st, be := call(sid)
		want := 200
		if strings.HasPrefix(sid, "blue") {
			want = 404
		}
		if be != "green" || st != want {
			t.Errorf("session %s after blue lost its weight: %d from %s, want %d from green", sid, st, be, want)
		}
	}
	// A DELETE the backend accepts forgets the session.
	before := r.Sessions()
	req, _ := http.NewRequest(http.MethodDelete, r.URL()+"/mcp", nil)
	req.Header.Set("Mcp-Session-Id", sids[len(sids)-1])
	for _, sid := range sids {
		if strings.HasPrefix(sid, "green") {
			req.Header.Set("Mcp-Session-Id", sid)
		}
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || r.Sessions() != before-1 {
		t.Errorf("DELETE: %d, sessions %d → %d, want 200 and one fewer", resp.StatusCode, before, r.Sessions())
	}
}

// TestBreakStickiness measures a re-initialize storm: with stickiness
// broken on purpose, sessions land on backends that do not know them.
func TestBreakStickiness(t *testing.T) {
	blue, green := mcpBackend(t, "blue"), mcpBackend(t, "green")
	r := startRouter(t, &Router{
		Routes:  []Route{{Name: "blue", URL: blue.URL()}, {Name: "green", URL: green.URL()}},
		Weights: Weights{"blue": 50, "green": 50}, Sticky: true, Balance: Random, Seed: 1,
	})
	c := client(t, 8)
	var sids []string
	for range 20 {
		resp, err := c.Post(r.URL()+"/mcp", "application/json", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		sids = append(sids, resp.Header.Get("Mcp-Session-Id"))
	}
	count404 := func() int {
		n := 0
		for _, sid := range sids {
			if st, _, _ := get(t, c, r.URL()+"/mcp", "Mcp-Session-Id", sid); st == 404 {
				n++
			}
		}
		return n
	}
	if n := count404(); n != 0 {
		t.Fatalf("sticky: %d sessions lost, want 0", n)
	}
	r.SetSticky(false)
	storm := count404()
	if storm == 0 {
		t.Error("stickiness off: no session landed on the wrong backend")
	}
	r.SetSticky(true)
	if n := count404(); n != 0 {
		t.Errorf("sticky again: %d sessions lost, want 0 (bindings are kept while off)", n)
	}
	if n := r.ForgetSessions(); n != len(sids) {
		t.Errorf("ForgetSessions() = %d, want %d", n, len(sids))
	}
	// Forgotten sessions are balanced afresh (and then stick to wherever
	// they landed): about half land on the wrong backend once.
	if n := count404(); n == 0 || n == len(sids) {
		t.Errorf("after ForgetSessions: %d of %d sessions lost, want some but not all", n, len(sids))
	}
	t.Logf("re-initialize storm: %d of %d sessions with stickiness off", storm, len(sids))
}

// TestBreakerEjection: a failing route is ejected by its breaker after the
// failures that trip it; its share goes to the other route; with every
// route ejected the router answers 503; after the open period a probe
// brings a recovered route back.
func TestBreakerEjection(t *testing.T) {
	blue, green := newBackend(t, "blue"), newBackend(t, "green")
	clk := newFakeClock()
	r := startRouter(t, &Router{
		Routes:  []Route{{Name: "blue", URL: blue.URL()}, {Name: "green", URL: green.URL()}},
		Weights: Weights{"blue": 50, "green": 50},
		Breaker: &breaker.Settings{ConsecutiveFailures: 3, OpenFor: breaker.Fixed(time.Minute)},
		Clock:   clk,
	})
	green.status.Store(503)
	c := client(t, 4)
	fivexx := 0
	for range 200 {
		st, _, _ := get(t, c, r.URL()+"/")
		if st >= 500 {
			fivexx++
		}
	}
	if fivexx != 3 {
		t.Errorf("%d 5xx replies, want exactly the 3 that tripped green's breaker", fivexx)
	}
	st := r.Stats()
	g, _ := st.Route("green")
	b, _ := st.Route("blue")
	if g.Breaker != breaker.StateOpen || g.Requests != 3 || g.Errors != 3 || g.Diverted == 0 || b.Requests != 197 {
		t.Errorf("after ejection: green %+v, blue %+v", g, b)
	}

	// Blue fails too: once it trips, every route is ejected → 503.
	blue.status.Store(500)
	for range 3 {
		get(t, c, r.URL()+"/")
	}
	code, _, body := get(t, c, r.URL()+"/")
	if code != 503 || !strings.Contains(body, "ejected") || !strings.Contains(body, "green") {
		t.Errorf("all ejected: %d %q, want 503 naming the ejected routes", code, body)
	}
	if r.Stats().Unrouted != 1 {
		t.Errorf("Unrouted = %d, want 1", r.Stats().Unrouted)
	}

	// Both recover; after the open period, probes close the breakers.
	blue.status.Store(0)
	green.status.Store(0)
	clk.Advance(time.Minute)
	mark := r.Mark()
	for range 100 {
		if code, _, _ := get(t, c, r.URL()+"/"); code != 200 {
			t.Fatalf("after recovery: %d", code)
		}
	}
	s := r.Since(mark)
	for _, rs := range s.Routes {
		if rs.Breaker != breaker.StateClosed || rs.Requests != 50 {
			t.Errorf("after recovery: %+v, want closed with half the traffic", rs)
		}
	}
	if tr := r.RouteBreaker("green").Transitions(); len(tr) != 3 {
		t.Errorf("green's transitions: %v, want open, half-open, closed", tr)
	}
}

// TestSSEStreams checks that an SSE response is flushed through the router
// event by event: the client reads the first event while the backend is
// still holding the second.
func TestSSEStreams(t *testing.T) {
	release := make(chan struct{})
	sse := newBackendFunc(t, "sse", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, ": priming\n\ndata: one\n\n")
		http.NewResponseController(w).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
			return
		}
		fmt.Fprint(w, "data: two\n\n")
	})
	r := startRouter(t, &Router{Routes: []Route{{Name: "sse", URL: sse.URL()}}})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, r.URL()+"/mcp", nil)
	req.Header.Set("Accept", "application/json, text/event-stream")
	resp, err := client(t, 1).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	rd := bufio.NewReader(resp.Body)
	readEvent := func() string {
		for {
			line, err := rd.ReadString('\n')
			if err != nil {
				t.Fatalf("reading the stream: %v (was the event flushed?)", err)
			}
			if strings.HasPrefix(line, "data: ") {
				return strings.TrimSpace(strings.TrimPrefix(line, "data: "))
			}
		}
	}
	if ev := readEvent(); ev != "one" {
		t.Fatalf("first event %q", ev)
	}
	close(release)
	if ev := readEvent(); ev != "two" {
		t.Fatalf("second event %q", ev)
	}
}

// TestHeadersAndKeepAlive checks that headers pass both ways and that the
// router reuses its connection to the backend.
func TestHeadersAndKeepAlive(t *testing.T) {
	be := newBackendFunc(t, "echo", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Mcp-Session-Id", r.Header.Get("Mcp-Session-Id")+"-back")
		w.Header().Set("X-Seen-Custom", r.Header.Get("X-Custom"))
		w.Header().Set("X-Seen-Protocol", r.Header.Get("Mcp-Protocol-Version"))
		w.Header().Set("X-Seen-Forwarded", r.Header.Get("X-Forwarded-For"))
		fmt.Fprint(w, "ok")
	})
	r := startRouter(t, &Router{Routes: []Route{{Name: "echo", URL: be.URL()}}})
	c := client(t, 1)
	for i := range 300 {
		req, _ := http.NewRequest(http.MethodGet, r.URL()+"/mcp", nil)
		req.Header.Set("Mcp-Session-Id", "abc")
		req.Header.Set("X-Custom", "42")
		req.Header.Set("Mcp-Protocol-Version", "2025-06-18")
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if i == 0 {
			h := resp.Header
			if h.Get("Mcp-Session-Id") != "abc-back" || h.Get("X-Seen-Custom") != "42" || h.Get("X-Seen-Protocol") != "2025-06-18" || h.Get("X-Seen-Forwarded") != "127.0.0.1" {
				t.Errorf("headers: %v", h)
			}
		}
	}
	if n := be.conns.Load(); n != 1 {
		t.Errorf("the backend accepted %d connections for 300 sequential requests, want 1 (keep-alive)", n)
	}
}

// TestBackendDown checks that a transport error becomes a 502 naming the
// route, counted as an error.
func TestBackendDown(t *testing.T) {
	dead := newBackend(t, "dead")
	url := dead.URL()
	dead.srv.Close()
	r := startRouter(t, &Router{Routes: []Route{{Name: "dead", URL: url}}})
	code, _, body := get(t, client(t, 1), r.URL()+"/")
	if code != 502 || !strings.Contains(body, "route dead") {
		t.Errorf("%d %q, want 502 naming the route", code, body)
	}
	if s := r.Stats(); s.Errors != 1 || s.Routes[0].Errors != 1 || s.Routes[0].Latency.Count() != 1 {
		t.Errorf("stats %+v, want the 502 counted as an error and timed", s)
	}
}

// TestClientCancelIsNotAnError checks that a request its client abandons
// is counted as canceled, not as an error, and does not trip the breaker.
func TestClientCancelIsNotAnError(t *testing.T) {
	arrived := make(chan struct{}, 8)
	be := newBackendFunc(t, "slow", func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		<-r.Context().Done()
	})
	r := startRouter(t, &Router{
		Routes:  []Route{{Name: "slow", URL: be.URL()}},
		Breaker: &breaker.Settings{ConsecutiveFailures: 1},
	})
	c := client(t, 1)
	for range 3 {
		ctx, cancel := context.WithCancel(context.Background())
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, r.URL()+"/", nil)
		go func() { <-arrived; cancel() }()
		if _, err := c.Do(req); !errors.Is(err, context.Canceled) {
			t.Fatalf("err %v, want canceled", err)
		}
	}
	// The router counts the cancellation when its own request ends,
	// which may be a moment after the client's.
	for r.Stats().Routes[0].Canceled < 3 {
		waitABit()
	}
	s := r.Stats().Routes[0]
	if s.Errors != 0 || s.Breaker != breaker.StateClosed || s.Latency.Count() != 0 {
		t.Errorf("after 3 cancelled requests: %+v, want no error, no latency", s)
	}
}

func TestSetWeightsValidation(t *testing.T) {
	r := &Router{Routes: []Route{{Name: "blue", URL: "http://127.0.0.1:1"}, {Name: "green", URL: "http://127.0.0.1:2"}}, RequireSum100: true}
	for _, tc := range []struct {
		w    Weights
		want []string
	}{
		{Weights{"blue": -10, "green": 110}, []string{`weights["blue"]: weight -10 is negative`, "sum to 110"}},
		{Weights{"bleu": 100}, []string{`weights["bleu"]: unknown route "bleu" (the routes are blue, green)`}},
		{Weights{"blue": 0, "green": 0}, []string{"no route has a weight above zero"}},
		{Weights{"blue": 60, "green": 60}, []string{"weights: sum to 120, want 100"}},
	} {
		err := r.SetWeights(tc.w)
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("%v: err %v, want ErrInvalid", tc.w, err)
			continue
		}
		for _, s := range tc.want {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("%v: %q does not say %q", tc.w, err, s)
			}
		}
	}
	if err := r.SetWeights(Weights{"bleu": 100}); !errors.Is(err, ErrUnknownRoute) {
		t.Errorf("unknown route: %v, want ErrUnknownRoute", err)
	}
	if err := r.SetWeights(Weights{"green": 100}); err != nil {
		t.Errorf("valid weights: %v", err)
	}
	if w := r.CurrentWeights(); w["blue"] != 0 || w["green"] != 100 {
		t.Errorf("CurrentWeights() = %v", w)
	}
}

func TestRouterValidate(t *testing.T) {
	r := &Router{
		Routes: []Route{
			{Name: "blue", URL: "http://127.0.0.1:1"},
			{Name: "blue", URL: "ftp://x"},
			{Name: "", URL: ""},
		},
		Weights:       Weights{"blue": 30, "green": 30},
		RequireSum100: true,
		MaxSessions:   -1,
		Balance:       9,
		Breaker:       &breaker.Settings{FailureRate: 2},
		Listen:        "nowhere",
	}
	err := r.Validate()
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("err %v", err)
	}
	fields := map[string]bool{}
	for _, p := range ve.Problems {
		fields[p.Field] = true
	}
	for _, f := range []string{"Routes[1].Name", "Routes[1].URL", "Routes[2].Name", "Routes[2].URL", `Weights["green"]`, "Weights", "MaxSessions", "Balance", "Breaker", "Listen"} {
		if !fields[f] {
			t.Errorf("no problem names %s; got:\n%v", f, err)
		}
	}
	if err := r.Start(context.Background()); !errors.Is(err, ErrInvalid) {
		t.Errorf("Start of an invalid router: %v", err)
	}
	if err := (&Router{}).Validate(); err == nil || !strings.Contains(err.Error(), "Routes: no routes") {
		t.Errorf("empty router: %v", err)
	}
}

func TestStartTwiceAndClose(t *testing.T) {
	be := newBackend(t, "b")
	r := &Router{Routes: []Route{{Name: "b", URL: be.URL()}}}
	if r.URL() != "" {
		t.Error("URL before Start")
	}
	startRouter(t, r)
	if !strings.HasPrefix(r.Addr(), "127.0.0.1:") {
		t.Errorf("Addr() = %q", r.Addr())
	}
	if err := r.Start(context.Background()); !errors.Is(err, ErrStarted) {
		t.Errorf("second Start: %v", err)
	}
	if err := r.Shutdown(context.Background()); err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	if err := r.Start(context.Background()); !errors.Is(err, ErrClosed) {
		t.Errorf("Start after Shutdown: %v", err)
	}
}

// TestRouterLatency sends requests over real sockets through the
// listening router to a fast and a slow backend, and checks each route's
// latency distribution, and that Since(mark) sees only the requests after
// the mark. The router's Clock is a fake one that the backends move by
// their delay, so each request takes exactly its backend's delay (the
// requests are sequential) and no wall time.
func TestRouterLatency(t *testing.T) {
	clk := newFakeClock()
	var slowDelay atomic.Int64
	slowDelay.Store(int64(120 * time.Millisecond))
	fast := newBackendFunc(t, "fast", func(w http.ResponseWriter, r *http.Request) {
		clk.Advance(3 * time.Millisecond)
		fmt.Fprint(w, "fast")
	})
	slow := newBackendFunc(t, "slow", func(w http.ResponseWriter, r *http.Request) {
		clk.Advance(time.Duration(slowDelay.Load()))
		fmt.Fprint(w, "slow")
	})
	r := startRouter(t, &Router{
		Routes:  []Route{{Name: "fast", URL: fast.URL()}, {Name: "slow", URL: slow.URL()}},
		Weights: Weights{"fast": 50, "slow": 50},
		Clock:   clk,
	})
	c := client(t, 1)
	send := func(n int) {
		t.Helper()
		for range n {
			if code, _, _ := get(t, c, r.URL()+"/"); code != 200 {
				t.Fatalf("status %d", code)
			}
		}
		// Each request is timed before its reply reaches the client;
		// wait anyway rather than trust it.
		for timed(r.Stats()) < r.Stats().Requests {
			waitABit()
		}
	}
	send(100)
	st := r.Stats()
	f, _ := st.Route("fast")
	s, _ := st.Route("slow")
	if f.Latency.Count() != 50 || s.Latency.Count() != 50 {
		t.Fatalf("latency counts: fast %v, slow %v; want 50 each", f.Latency, s.Latency)
	}
	for _, c := range []struct {
		name string
		l    Latency
		want time.Duration
	}{{"fast", f.Latency, 3 * time.Millisecond}, {"slow", s.Latency, 120 * time.Millisecond}} {
		for _, got := range []time.Duration{c.l.Quantile(0), c.l.Quantile(50), c.l.Quantile(95), c.l.Mean(), c.l.Max()} {
			if !near(got, c.want) {
				t.Errorf("%s: %v, want every figure %v ± 0.8%%", c.name, c.l, c.want)
				break
			}
		}
	}

	// The slow backend slows down further: a window after a mark sees
	// only the new latencies; the stats since the start see both.
	mark := r.Mark()
	slowDelay.Store(int64(400 * time.Millisecond))
	send(40)
	win, _ := r.Since(mark).Route("slow")
	if win.Requests != 20 || win.Latency.Count() != 20 || !near(win.Latency.Quantile(0), 400*time.Millisecond) || !near(win.Latency.Quantile(50), 400*time.Millisecond) {
		t.Errorf("slow since the mark: %d requests, %v; want 20, all at 400ms", win.Requests, win.Latency)
	}
	all, _ := r.Stats().Route("slow")
	if all.Latency.Count() != 70 || !near(all.Latency.Quantile(50), 120*time.Millisecond) || !near(all.Latency.Quantile(80), 400*time.Millisecond) {
		t.Errorf("slow since the start: %v; want 70, 50 at 120ms and 20 at 400ms", all.Latency)
	}
	if f, _ := r.Since(mark).Route("fast"); f.Latency.Count() != 20 || !near(f.Latency.Max(), 3*time.Millisecond) {
		t.Errorf("fast since the mark: %v", f.Latency)
	}
	t.Logf("slow, since the start: %v", all.Latency)
}

// timed counts the requests the routes have timed.
func timed(s Stats) int64 {
	var n int64
	for _, rs := range s.Routes {
		n += rs.Latency.Count()
	}
	return n
}

// roundTripFunc makes a function an http.RoundTripper.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }

// TestRouterLatencyConcurrent serves many concurrent requests in process
// under testing/synctest, with the default Clock: the backends (an
// in-process transport) answer after their route's delay in the bubble's
// fake time, so every request takes exactly its delay, however many are
// under way. A 5xx reply and a reply cut short (the proxy aborts the
// handler) are errors, timed like any other reply; a request its client
// abandons is not timed.
func TestRouterLatencyConcurrent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		delays := map[string]time.Duration{"blue.test": 20 * time.Millisecond, "green.test": 250 * time.Millisecond}
		r := &Router{
			Routes:  []Route{{Name: "blue", URL: "http://blue.test"}, {Name: "green", URL: "http://green.test"}},
			Weights: Weights{"blue": 50, "green": 50},
			Transport: roundTripFunc(func(req *http.Request) (*http.Response, error) {
				select {
				case <-time.After(delays[req.URL.Host]):
				case <-req.Context().Done():
					return nil, req.Context().Err()
				}
				status, body := http.StatusOK, io.Reader(strings.NewReader("ok"))
				switch req.URL.Path {
				case "/fail":
					status = http.StatusInternalServerError
				case "/cut":
					body = io.MultiReader(strings.NewReader("o"), iotest.ErrReader(errors.New("backend died")))
				}
				return &http.Response{StatusCode: status, Header: http.Header{}, Body: io.NopCloser(body), ContentLength: 2, Request: req}, nil
			}),
		}
		serve := func(n int, path string, timeout time.Duration) {
			var wg sync.WaitGroup
			for range n {
				wg.Go(func() {
					// As under an http.Server, which makes the proxy abort
					// a reply it cannot copy.
					ctx := context.WithValue(context.Background(), http.ServerContextKey, &http.Server{})
					if timeout > 0 {
						var cancel context.CancelFunc
						ctx, cancel = context.WithTimeout(ctx, timeout)
						defer cancel()
					}
					defer func() {
						if p := recover(); p != nil && p != http.ErrAbortHandler {
							panic(p)
						}
					}()
					r.ServeHTTP(httptest.NewRecorder(), httptest.NewRequestWithContext(ctx, http.MethodGet, "http://router"+path, nil))
				})
			}
			wg.Wait()
		}
		start := time.Now()
		serve(200, "/", 0)
		if d := time.Since(start); d != 250*time.Millisecond {
			t.Errorf("200 concurrent requests took %v of fake time, want the slow route's 250ms", d)
		}
		mark := r.Mark()
		serve(10, "/fail", 0)
		serve(10, "/cut", 0)
		serve(10, "/", 100*time.Millisecond) // blue answers, green's are abandoned
		st := r.Stats()
		for _, c := range []struct {
			name                    string
			delay                   time.Duration
			requests, timed, gone   int64
			sinceTimed, sinceErrors int64
		}{
			{"blue", 20 * time.Millisecond, 115, 115, 0, 15, 10},
			{"green", 250 * time.Millisecond, 115, 110, 5, 10, 10},
		} {
			rs, _ := st.Route(c.name)
			l := rs.Latency
			if rs.Requests != c.requests || l.Count() != c.timed || rs.Canceled != c.gone || l.Count() != rs.Requests-rs.Canceled {
				t.Errorf("%s: %d requests, %d canceled, latency %v; want %d, %d, %d timed", c.name, rs.Requests, rs.Canceled, l, c.requests, c.gone, c.timed)
			}
			if l.Quantile(0) != l.Max() || !near(l.Quantile(50), c.delay) {
				t.Errorf("%s: %v, want every request at %v", c.name, l, c.delay)
			}
			since, _ := r.Since(mark).Route(c.name)
			if since.Latency.Count() != c.sinceTimed || since.Errors != c.sinceErrors || !near(since.Latency.Mean(), c.delay) {
				t.Errorf("%s since the mark: %d errors, %v; want %d errors, %d timed at %v", c.name, since.Errors, since.Latency, c.sinceErrors, c.sinceTimed, c.delay)
			}
		}
	})
}
