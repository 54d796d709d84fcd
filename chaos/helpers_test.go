package chaos

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeClock is a Clock that moves only when the test says so.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	waiters []*waiter
	added   chan struct{} // a token whenever a waiter is added
}

type waiter struct {
	t  time.Time
	ch chan struct{}
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), added: make(chan struct{}, 1)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) SleepUntil(ctx context.Context, t time.Time) error {
	c.mu.Lock()
	if !t.After(c.now) {
		c.mu.Unlock()
		return ctx.Err()
	}
	w := &waiter{t: t, ch: make(chan struct{})}
	c.waiters = append(c.waiters, w)
	c.mu.Unlock()
	select {
	case c.added <- struct{}{}:
	default:
	}
	select {
	case <-w.ch:
		return nil
	case <-ctx.Done():
		c.mu.Lock()
		for i, x := range c.waiters {
			if x == w {
				c.waiters = append(c.waiters[:i], c.waiters[i+1:]...)
				break
			}
		}
		c.mu.Unlock()
		return ctx.Err()
	}
}

// Advance moves the clock forward by d and wakes the sleepers due.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.setLocked(c.now.Add(d))
}

func (c *fakeClock) setLocked(t time.Time) {
	c.now = t
	kept := c.waiters[:0]
	for _, w := range c.waiters {
		if !w.t.After(t) {
			close(w.ch)
		} else {
			kept = append(kept, w)
		}
	}
	c.waiters = kept
}

// advanceToNext moves the clock to the earliest sleeper's deadline.
func (c *fakeClock) advanceToNext() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.waiters) == 0 {
		return false
	}
	next := c.waiters[0].t
	for _, w := range c.waiters {
		if w.t.Before(next) {
			next = w.t
		}
	}
	c.setLocked(next)
	return true
}

// sleepers returns the deadlines of the current sleepers.
func (c *fakeClock) sleepers() []time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]time.Time, len(c.waiters))
	for i, w := range c.waiters {
		out[i] = w.t
	}
	return out
}

// awaitSleepers blocks until at least n goroutines sleep on the clock.
func (c *fakeClock) awaitSleepers(t testing.TB, n int) {
	t.Helper()
	guard := time.NewTimer(10 * time.Second) // a safety net, not a measurement
	defer guard.Stop()
	for {
		if len(c.sleepers()) >= n {
			return
		}
		select {
		case <-c.added:
		case <-guard.C:
			t.Fatalf("fake clock: %d sleepers, want %d", len(c.sleepers()), n)
		}
	}
}

// drive advances the clock to each sleeper's deadline as it appears, until
// done is closed: time flies whenever the proxy waits.
func (c *fakeClock) drive(done <-chan struct{}) {
	for {
		for c.advanceToNext() {
		}
		select {
		case <-done:
			return
		case <-c.added:
		}
	}
}

// eventually waits for cond, yielding between checks, for conditions that
// no channel announces (a counter that the proxy bumps).
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second) // a safety net, not a measurement
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		runtime.Gosched()
	}
}

// backend is a real HTTP target on 127.0.0.1.
type backend struct {
	*httptest.Server
	requests atomic.Int64
	conns    atomic.Int64 // connections accepted
	sse      chan string  // events for /sse; closed to end the stream
}

func newBackend(t testing.TB) *backend {
	b := &backend{sse: make(chan string)}
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("X-Backend", "yes")
		fmt.Fprintf(w, "ok %s %s", r.Method, r.URL.Path)
	})
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		out := map[string]any{
			"method": r.Method, "path": r.URL.Path, "query": r.URL.RawQuery, "host": r.Host,
			"header": r.Header, "body": string(body),
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(out)
	})
	mux.HandleFunc("/mcp", func(w http.ResponseWriter, r *http.Request) {
		var msg struct {
			ID     json.RawMessage `json:"id"`
			Method string          `json:"method"`
			Params struct {
				Name string `json:"name"`
			} `json:"params"`
		}
		if err := json.NewDecoder(r.Body).Decode(&msg); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%s,"result":{"method":%q,"tool":%q}}`, msg.ID, msg.Method, msg.Params.Name)
	})
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		w.Header().Set("Content-Length", strconv.Itoa(n))
		_, _ = w.Write([]byte(strings.Repeat("x", n)))
	})
	mux.HandleFunc("/sse", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(http.StatusOK)
		http.NewResponseController(w).Flush()
		for {
			select {
			case ev, ok := <-b.sse:
				if !ok {
					return
				}
				fmt.Fprintf(w, "data: %s\n\n", ev)
				http.NewResponseController(w).Flush()
			case <-r.Context().Done():
				return
			}
		}
	})
	b.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b.requests.Add(1)
		mux.ServeHTTP(w, r)
	}))
	b.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			b.conns.Add(1)
		}
	}
	b.Start()
	t.Cleanup(b.Close)
	return b
}

// startProxy starts p (Scope and Target set by the caller) and closes it
// at the end of the test.
func startProxy(t testing.TB, p *Proxy) *Proxy {
	t.Helper()
	if err := p.Start(context.Background()); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { _ = p.Close() })
	return p
}

func httpProxy(t testing.TB, b *backend, seed uint64, clock Clock) *Proxy {
	return startProxy(t, &Proxy{Name: "test", Scope: PerRequest, Target: b.URL, Seed: seed, Clock: clock})
}

func mustAdd(t testing.TB, p *Proxy, f Fault) string {
	t.Helper()
	id, err := p.Add(f)
	if err != nil {
		t.Fatalf("Add: %v", err)
	}
	return id
}

// newClient returns a client with its own connection pool.
func newClient(t testing.TB) *http.Client {
	tr := &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 64, DisableCompression: true}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// get sends a GET and returns the status and body.
func get(t testing.TB, c *http.Client, url string) (int, string) {
	t.Helper()
	res, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("GET %s: reading body: %v", url, err)
	}
	return res.StatusCode, string(body)
}

// tcpServer is a real TCP target on 127.0.0.1 running serve on each
// connection.
func tcpServer(t testing.TB, serve func(net.Conn)) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				serve(c)
			}()
		}
	}()
	return ln.Addr().String()
}

// echo copies what it reads back, line by line, until EOF.
func echo(c net.Conn) {
	_, _ = io.Copy(c, c)
}

// talker reads one line "N\n" and answers N bytes, then closes.
func talker(c net.Conn) {
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return
	}
	n, _ := strconv.Atoi(strings.TrimSpace(line))
	_, _ = c.Write([]byte(strings.Repeat("y", n)))
}

func tcpProxy(t testing.TB, target string, clock Clock) *Proxy {
	return startProxy(t, &Proxy{Name: "db", Scope: PerConnection, Target: target, Seed: 7, Clock: clock})
}

func dial(t testing.TB, addr string) *net.TCPConn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c.(*net.TCPConn)
}

// roundTrip writes msg and reads len(msg) bytes back.
func roundTrip(t testing.TB, c net.Conn, msg string) string {
	t.Helper()
	if _, err := io.WriteString(c, msg); err != nil {
		t.Fatalf("write: %v", err)
	}
	buf := make([]byte, len(msg))
	if _, err := io.ReadFull(c, buf); err != nil {
		t.Fatalf("read: %v", err)
	}
	return string(buf)
}

// recorder collects events.
type recorder struct {
	mu     sync.Mutex
	events []Event
	ch     chan Event
}

func newRecorder() *recorder { return &recorder{ch: make(chan Event, 100)} }

func (r *recorder) record(ev Event) {
	r.mu.Lock()
	r.events = append(r.events, ev)
	r.mu.Unlock()
	r.ch <- ev
}

func (r *recorder) all() []Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Event(nil), r.events...)
}

// next returns the next event.
func (r *recorder) next(t testing.TB) Event {
	t.Helper()
	select {
	case ev := <-r.ch:
		return ev
	case <-time.After(10 * time.Second): // a safety net, not a measurement
		t.Fatal("no event")
		return Event{}
	}
}

func (r *recorder) summary() []string {
	var out []string
	for _, ev := range r.all() {
		s := ev.FaultID + " " + ev.Type.String()
		if ev.Reason != ReasonNone {
			s += " " + ev.Reason.String()
		}
		out = append(out, s)
	}
	return out
}
