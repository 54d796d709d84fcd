package engine

import (
	"context"
	"testing"
	"time"

	"github.com/reslua/reslua/engine/outcome"
)

// TestRouterCountsAgreeWithClients runs a real load through a router in
// front of two demo servers (go-sdk behind, SSE replies, progress
// notifications before half of the results), green answering a fifth of
// its requests 503, and checks that where the router and the clients count
// the same thing they agree exactly: the requests (the clients' requests
// and their era probes), the errors (the clients' 5xx and transport
// failures, green's own count of the 503s it sent), and that the router's
// per-second series adds up to its totals, route by route.
func TestRouterCountsAgreeWithClients(t *testing.T) {
	if testing.Short() {
		t.Skip("starts demo servers and sends requests")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	r := NewRun(Config{})
	blueURL, err := r.StartDemo(ctx, DemoSpec{Name: "blue", Stateless: true})
	if err != nil {
		t.Fatal(err)
	}
	greenURL, err := r.StartDemo(ctx, DemoSpec{Name: "green", Stateless: true, ErrorRate: 0.2})
	if err != nil {
		t.Fatal(err)
	}
	blue, err := r.AddTarget(TargetSpec{Name: "blue", URL: blueURL, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	green, err := r.AddTarget(TargetSpec{Name: "green", URL: greenURL, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	lb, err := r.AddRouter(ctx, RouterSpec{Name: "mcp", Routes: []RouteSpec{{Target: blue, Weight: 50}, {Target: green, Weight: 50}}})
	if err != nil {
		t.Fatal(err)
	}
	slow := RequestSpec{MCP: &MCPRequest{Method: "tools/call", Tool: "slow", Progress: true,
		Params: []byte(`{"name":"slow","arguments":{"ms":2}}`)}}
	list := RequestSpec{MCP: &MCPRequest{Method: "tools/list"}}
	if _, err := r.StartLoad(ctx, LoadSpec{Name: "traffic", Target: lb.Target(), Rate: 400, Duration: 3 * time.Second,
		Mix: []MixEntry{{Weight: 1, Request: slow}, {Weight: 1, Request: list}}}); err != nil {
		t.Fatal(err)
	}
	res, err := r.Finish(ctx)
	if err != nil {
		t.Fatal(err)
	}

	// The clients' side.
	var sent, failed, http5xx int64
	kinds := map[outcome.Kind]int64{}
	for _, l := range res.Loads {
		for _, rq := range l.Requests {
			sent += rq.Count
			for k, n := range rq.Errors {
				kinds[k] += n
				if k == "http_5xx" {
					http5xx += n
				}
			}
			failed += rq.Failures()
		}
	}
	probes := lb.Target().mcp.Probes()
	greenFailed := r.demos[1].Stats().Failed

	rr := res.Routers[0]
	t.Logf("clients: %d requests, %d failed %v, %d era probes; router: %d requests, %d errors, blue %d/%d, green %d/%d; green sent %d 503s",
		sent, failed, kinds, probes, rr.Requests, rr.Errors, rr.Routes[0].Requests, rr.Routes[0].Errors,
		rr.Routes[1].Requests, rr.Routes[1].Errors, greenFailed)
	if sent == 0 || http5xx == 0 {
		t.Fatalf("the load sent %d requests, %d failed with a 5xx: nothing to compare", sent, http5xx)
	}
	if rr.Requests != sent+probes {
		t.Errorf("router: %d requests; the clients sent %d and %d era probes", rr.Requests, sent, probes)
	}
	if rr.Errors != failed || failed != http5xx {
		t.Errorf("router: %d client-visible errors; the clients saw %d failures, %d of them 5xx (%v)", rr.Errors, failed, http5xx, kinds)
	}
	if rr.Routes[0].Errors != 0 || rr.Routes[1].Errors != greenFailed {
		t.Errorf("router: blue %d errors, green %d; green's server answered %d requests 503", rr.Routes[0].Errors, rr.Routes[1].Errors, greenFailed)
	}
	if rr.Routes[0].Requests+rr.Routes[1].Requests != rr.Requests {
		t.Errorf("routes %d + %d requests, router %d", rr.Routes[0].Requests, rr.Routes[1].Requests, rr.Requests)
	}
	var reqs, errs [2]int64
	for _, s := range rr.Seconds {
		for i, c := range s.Routes {
			reqs[i] += c.Requests
			errs[i] += c.Errors
		}
	}
	for i, rt := range rr.Routes {
		if reqs[i] != rt.Requests || errs[i] != rt.Errors {
			t.Errorf("route %s: per-second sums %d requests, %d errors; totals %d and %d", rt.Name, reqs[i], errs[i], rt.Requests, rt.Errors)
		}
	}
}
