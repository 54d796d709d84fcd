package engine

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// TestRouterSecondsCountFromTheStart holds a router's sampler back (as a
// loaded machine may: the router serves from AddRouter on, the sampler's
// goroutine runs when it gets a turn) while requests go through the
// router, and checks that the per-second series still counts them: it
// starts from the router's start, not from the sampler's first turn. This
// was the luabind TestGoodGreenIsPromoted flake "per-second sums [251 549],
// totals 251 and 550".
// samplerHook is global: this test must not run in parallel with others.
func TestRouterSecondsCountFromTheStart(t *testing.T) {
	release := make(chan struct{})
	held := make(chan struct{})
	samplerHook = func() {
		close(held)
		<-release
	}
	t.Cleanup(func() { samplerHook = nil })

	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, "ok") }))
	t.Cleanup(backend.Close)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	r := NewRun(Config{})
	blue, err := r.AddTarget(TargetSpec{Name: "blue", URL: backend.URL + "/", Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	lb, err := r.AddRouter(ctx, RouterSpec{Name: "lb", Routes: []RouteSpec{{Target: blue, Weight: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	<-held
	const n = 5
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	c := &http.Client{Transport: tr}
	for range n {
		resp, err := c.Get(lb.Target().URL())
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	close(release)
	res, err := r.Finish(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rr := res.Routers[0]
	var sum int64
	for _, s := range rr.Seconds {
		sum += s.Routes[0].Requests
	}
	if rr.Requests != n || sum != n {
		t.Errorf("router: %d requests, per-second sum %d; want %d and %d (seconds %+v)", rr.Requests, sum, n, n, rr.Seconds)
	}
}
