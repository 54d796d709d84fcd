package deploy_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/reslua/reslua/deploy"
)

func ExampleRouter() {
	blue := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "blue") }))
	defer blue.Close()
	green := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "green") }))
	defer green.Close()

	r := &deploy.Router{
		Routes:        []deploy.Route{{Name: "blue", URL: blue.URL}, {Name: "green", URL: green.URL}},
		Weights:       deploy.Weights{"blue": 90, "green": 10},
		RequireSum100: true,
	}
	if err := r.Start(context.Background()); err != nil {
		panic(err)
	}
	defer r.Close()

	for range 20 {
		resp, err := http.Get(r.URL() + "/")
		if err != nil {
			panic(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	for _, rs := range r.Stats().Routes {
		fmt.Printf("%s: requested %.0f%%, achieved %.0f%% (%d requests, %d errors)\n", rs.Name, rs.Requested, rs.Achieved, rs.Requests, rs.Errors)
	}
	fmt.Println(r.SetWeights(deploy.Weights{"blue": 50, "green": 60}))
	// Output:
	// blue: requested 90%, achieved 90% (18 requests, 0 errors)
	// green: requested 10%, achieved 10% (2 requests, 0 errors)
	// deploy: invalid weights: weights: sum to 110, want 100 (percentages)
}

// instantClock is a Clock whose sleeps end at once (time jumps ahead), so
// the example runs without waiting.
type instantClock struct{ now time.Time }

func (c *instantClock) Now() time.Time { return c.now }
func (c *instantClock) SleepUntil(ctx context.Context, t time.Time) error {
	if t.After(c.now) {
		c.now = t
	}
	return ctx.Err()
}

func ExampleCanary() {
	c := &deploy.Canary{Rollout: deploy.Rollout{
		// A script's own actions: here, print what a real balancer would do.
		Actions: deploy.ActionFuncs{
			SetWeightsFunc: func(ctx context.Context, w deploy.Weights) error {
				fmt.Println("set", w)
				return nil
			},
		},
		Steps:    []int{10, 50, 100},
		Hold:     time.Minute,
		Analysis: deploy.Analysis{Interval: 20 * time.Second, FailureLimit: 0},
		Analyzer: deploy.AnalyzerFunc(func(ctx context.Context, st deploy.Step) (deploy.Verdict, string, error) {
			if st.Weight == 50 && st.Measurement == 2 {
				return deploy.Fail, "p95 412ms > 300ms", nil
			}
			return deploy.Pass, "p95 120ms", nil
		}),
		Clock: &instantClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)},
	}}
	res, err := c.Run(context.Background())
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Status)
	fmt.Println(res.Reason)
	// Output:
	// set canary=10 stable=90
	// set canary=50 stable=50
	// set canary=0 stable=100
	// rolled_back
	// analysis failed at step 2 (canary 50%): 1 of 2 measurements failed (limit 0); last: p95 412ms > 300ms
}
