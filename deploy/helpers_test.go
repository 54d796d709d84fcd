package deploy

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeClock is a clock that moves only when told to or when someone
// sleeps: SleepUntil jumps to the wake-up time at once. Tests on real
// sockets use it so that holds and intervals take no wall time.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func (c *fakeClock) SleepUntil(ctx context.Context, t time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	if t.After(c.now) {
		c.now = t
	}
	c.mu.Unlock()
	return nil
}

// backend is a real HTTP server on 127.0.0.1 that names itself in the
// X-Backend header and counts what it serves.
type backend struct {
	name   string
	srv    *httptest.Server
	served atomic.Int64
	conns  atomic.Int64 // connections accepted
	// status, when set, is the status every reply has (default 200).
	status atomic.Int64
	// handler, when set, serves instead of the default.
	handler http.HandlerFunc
}

func newBackend(t testing.TB, name string) *backend {
	return newBackendFunc(t, name, nil)
}

func newBackendFunc(t testing.TB, name string, h http.HandlerFunc) *backend {
	t.Helper()
	b := &backend{name: name, handler: h}
	b.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b.served.Add(1)
		w.Header().Set("X-Backend", name)
		if b.handler != nil {
			b.handler(w, r)
			return
		}
		_, _ = io.Copy(io.Discard, r.Body)
		if s := b.status.Load(); s != 0 {
			w.WriteHeader(int(s))
		}
		fmt.Fprint(w, name)
	}))
	b.srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			b.conns.Add(1)
		}
	}
	b.srv.Start()
	t.Cleanup(b.srv.Close)
	return b
}

func (b *backend) URL() string { return b.srv.URL }

// startRouter starts r and closes it at the end of the test.
func startRouter(t testing.TB, r *Router) *Router {
	t.Helper()
	if err := r.Start(context.Background()); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// client returns an HTTP client that keeps up to n connections alive.
func client(t testing.TB, n int) *http.Client {
	t.Helper()
	tr := &http.Transport{MaxIdleConns: n, MaxIdleConnsPerHost: n, DisableCompression: true}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}

// get sends a GET and returns the status, the X-Backend header and the
// body.
func get(t testing.TB, c *http.Client, url string, header ...string) (int, string, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: reading body: %v", url, err)
	}
	return resp.StatusCode, resp.Header.Get("X-Backend"), string(body)
}
