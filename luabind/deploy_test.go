package luabind

import (
	"context"
	"io"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/reslua/reslua/engine"
)

// rolloutPreamble starts blue and green demo servers (green misbehaving
// as GREEN says), a router over them and a load through it; the scenario
// then rolls green out and reports back through print.
const rolloutPreamble = `
local blue  = target { name = "blue",  url = demo.mcp { name = "blue", stateless = true, json = true } }
local green = target { name = "green", url = demo.mcp { name = "green", stateless = true, json = true, %s } }
local lb = router { name = "lb", routes = { blue = 100, green = 0 } }
local traffic = load { target = lb, rate = 200, duration = "%s", mix = { { 1, mcp.call("echo", { message = "hi" }) } } }
`

// runRollout runs a scenario made of rolloutPreamble and body, and returns
// what it printed and the run's result.
func runRollout(t *testing.T, green, duration, body string) (string, *engine.Result) {
	t.Helper()
	if testing.Short() {
		t.Skip("starts demo servers and sends requests")
	}
	var out strings.Builder
	src := strings.Replace(strings.Replace(rolloutPreamble, "%s", green, 1), "%s", duration, 1) + body
	s := newScript(t, src, Options{Log: &out})
	run := engine.NewRun(engine.Config{Log: io.Discard})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	execErr := s.Exec(ctx, run)
	res, err := run.Finish(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if execErr != nil {
		t.Fatalf("Exec: %v\nprinted:\n%s", execErr, out.String())
	}
	return out.String(), res
}

// A green that fails a fifth of its requests is rolled back at its first
// step, and the script sees why; the router ends with all traffic on blue.
//
// The generator, starved of CPU on a loaded machine (-race, other tests
// beside), may send nothing for half a second: the step takes four
// measurements, and tolerates inconclusive ones (too few requests), so that
// the first one with enough requests decides.
func TestBadGreenIsRolledBack(t *testing.T) {
	out, res := runRollout(t, "error_rate = 0.2", "4s", `
local res = deploy.blue_green { router = lb, steps = { 20, 100 }, hold = "2s",
  health = { successes = 1, interval = "100ms" },
  analysis = { interval = "500ms", inconclusive_limit = 3, error_rate = "< 5%", min_requests = 10 } }
print(res.status, res.rolled_back, res.reason)
print("weights", lb:weights().blue, lb:weights().green)
traffic:wait()
`)
	// The window's share of failures is about 20 %: the demo fails every
	// fifth request, and a window of 10 or more answered requests cuts the
	// sequence anywhere (a window used to count requests under way without
	// their failures: "error_rate 9.09%").
	if !strings.Contains(out, "rolled_back\ttrue\tanalysis failed at step 1 (green 20%)") ||
		!regexp.MustCompile(`error_rate 1\d\.\d\d% < 5% FAILED|error_rate 2\d\.\d\d% < 5% FAILED`).MatchString(out) {
		t.Errorf("the script saw:\n%s", out)
	}
	if !strings.Contains(out, "weights\t100\t0") {
		t.Errorf("weights after the rollback:\n%s", out)
	}
	if len(res.Rollouts) != 1 || res.Rollouts[0].Status != "rolled_back" || len(res.Rollouts[0].Steps) != 1 {
		t.Fatalf("rollouts: %+v", res.Rollouts)
	}
	if e := res.Rollouts[0].Errors; e == 0 {
		t.Errorf("client-visible errors during the rollout: %d, want some (green failed)", e)
	}
	var kinds []string
	for _, e := range res.Events {
		kinds = append(kinds, e.Source+" "+e.Kind)
	}
	want := []string{`rollout "green" start`, `rollout "green" launch`, `rollout "green" health`, `router "lb" weights`,
		`rollout "green" gate`, `router "lb" weights`, `rollout "green" rollback`, `rollout "green" cleanup`}
	if !slices.Equal(kinds, want) {
		t.Errorf("timeline:\n %s\nwant:\n %s", strings.Join(kinds, ", "), strings.Join(want, ", "))
	}
}

// A good green is promoted through every step with no client-visible
// error, and the router's achieved split follows the requested one.
//
// The gates are the mechanics' test, not the machine's: a loaded machine
// may starve the generator for half a second (a measurement with too few
// requests is inconclusive, tolerated here) and stretch a p99.
func TestGoodGreenIsPromoted(t *testing.T) {
	out, res := runRollout(t, "version = \"2.0.0\"", "4s", `
local res = deploy.canary { router = lb, steps = { 25, 50 }, hold = "1s",
  analysis = { interval = "500ms", inconclusive_limit = 2, p99 = "< 10s", error_rate = "== 0%", min_requests = 5 } }
print(res.status, #res.steps, res.errors, res.reason)
traffic:wait()
`)
	if !strings.HasPrefix(out, "promoted\t2\t0") {
		t.Errorf("the script saw:\n%s", out)
	}
	if len(res.Routers) != 1 {
		t.Fatalf("routers: %+v", res.Routers)
	}
	for _, rt := range res.Routers[0].Routes {
		if rt.Errors != 0 || rt.Requests == 0 {
			t.Errorf("route %s: %d requests, %d errors", rt.Name, rt.Requests, rt.Errors)
		}
		// Round-robin is exact per cycle of the weights: the achieved
		// share stays within a request or two of the requested one per
		// change of weights.
		if d := rt.Achieved - rt.Requested; d > 1 || d < -1 {
			t.Errorf("route %s: requested %.2f%%, achieved %.2f%%", rt.Name, rt.Requested, rt.Achieved)
		}
	}
	if res.Routers[0].Routes[1].Weight != 100 {
		t.Errorf("green's final weight: %d", res.Routers[0].Routes[1].Weight)
	}
	// The per-second series adds up to the totals, and green's share of
	// the first seconds is below its share of the last ones.
	rr := res.Routers[0]
	var sums [2]int64
	for _, s := range rr.Seconds {
		for i, c := range s.Routes {
			sums[i] += c.Requests
		}
	}
	if sums[0] != rr.Routes[0].Requests || sums[1] != rr.Routes[1].Requests {
		t.Errorf("per-second sums %v, totals %d and %d", sums, rr.Routes[0].Requests, rr.Routes[1].Requests)
	}
	share := func(s engine.RouteSecond) float64 {
		return float64(s.Routes[1].Requests) / float64(s.Routes[0].Requests+s.Routes[1].Requests)
	}
	if n := len(rr.Seconds); n < 3 || share(rr.Seconds[0]) >= share(rr.Seconds[n-2]) {
		t.Errorf("green's share does not grow over %d seconds: %+v", n, rr.Seconds)
	}
}

// A deployment action that fails rolls the rollout back, and the reason
// names the script's file and line.
func TestFailingActionRollsBackWithPosition(t *testing.T) {
	out, res := runRollout(t, "version = \"2.0.0\"", "2s", `
local moved = {}
local res = deploy.canary { router = lb, steps = { 10, 50 }, hold = "300ms",
  actions = {
    set_weights = function(w)
      moved[#moved + 1] = w.green
      if w.green == 50 then error("balancer refused 50%") end
      lb:set_weights(w)
    end,
    cleanup = function(status) print("cleanup", status) end,
  } }
print(res.status, res.error)
print("moved", table.concat(moved, " "))
traffic:wait()
`)
	if !strings.Contains(out, "rolled_back\t") || !strings.Contains(out, "scenario.lua:12: balancer refused 50%") {
		t.Errorf("the script saw:\n%s", out)
	}
	// 10, then 50 (refused), then 0 on the way back.
	if !strings.Contains(out, "moved\t10 50 0") || !strings.Contains(out, "cleanup\trolled_back") {
		t.Errorf("actions:\n%s", out)
	}
	if res.Rollouts[0].Status != "rolled_back" {
		t.Errorf("result: %+v", res.Rollouts[0])
	}
}

// An inconclusive analysis asks on_pause, whose answer the rollout obeys.
func TestOnPauseDecides(t *testing.T) {
	out, _ := runRollout(t, "version = \"2.0.0\"", "2s", `
local asked = 0
local res = deploy.canary { router = lb, steps = { 10 }, hold = "300ms",
  analysis = { p95 = "< 1s", min_requests = 1000000 },
  on_pause = function(p) asked = asked + 1; print("paused", p.step, p.weight); return "promote" end }
print(res.status, asked)
traffic:wait()
`)
	if !strings.Contains(out, "paused\t1\t10") || !strings.Contains(out, "promoted\t1") {
		t.Errorf("the script saw:\n%s", out)
	}
}
