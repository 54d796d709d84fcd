package luabind

import (
	"strings"
	"testing"
	"time"

	"github.com/reslua/reslua/engine"
)

func TestSLATimeScopes(t *testing.T) {
	plan := mustCheck(t, preamble+`local l = load { target = t, rate = 1, duration = "1s", mix = { { 1, mcp.ping() } } }
sla {
  { "p95", "< 300ms", during = "fault" },
  { "error_rate", "< 2%", from = "20s", to = "35s", sustained = "5s", load = "blue" },
  { "rate", ">= 100", to = "1m" },
  { "time_to_detect", "< 5s", during = "green latency" },
  { "time_to_recover", "< 10s", stable = "3s", steady_p95 = "50ms", steady_error_rate = "1%", request = "ping" },
  { "lost_requests", "== 0", during = "step" },
  { "breaker_opens", "<= 2" },
}
`, Options{})
	want := []engine.CheckSpec{
		{Metric: "p95", Threshold: "< 300ms", During: "fault"},
		{Metric: "error_rate", Threshold: "< 2%", From: 20 * time.Second, To: 35 * time.Second, Sustained: 5 * time.Second, Load: "blue"},
		{Metric: "rate", Threshold: ">= 100", To: time.Minute},
		{Metric: "time_to_detect", Threshold: "< 5s", During: "green latency"},
		{Metric: "time_to_recover", Threshold: "< 10s", Stable: 3 * time.Second, SteadyP95: 50 * time.Millisecond, SteadyErrorRate: "1%", Request: "ping"},
		{Metric: "lost_requests", Threshold: "== 0", During: "step"},
		{Metric: "breaker_opens", Threshold: "<= 2"},
	}
	if len(plan.Checks) != len(want) {
		t.Fatalf("%d checks, want %d: %+v", len(plan.Checks), len(want), plan.Checks)
	}
	for i, w := range want {
		got := plan.Checks[i]
		got.Where = ""
		if got != w {
			t.Errorf("check %d = %+v, want %+v", i+1, got, w)
		}
	}
}

func TestSLATimeScopeProblems(t *testing.T) {
	_, msgs := check(t, `sla {
  { "p95", "< 1s", durring = "fault" },
  { "p95", "< 1s", ["for"] = "10s" },
  { "p95", "< 1s", sustained = 10 },
  { "p95", "< 1s", sustained = "0s" },
  { "p95", "< 1s", sustained = "2.5s" },
  { "p95", "< 1s", during = "" },
  { "p95", "< 1s", during = 3 },
  { "p95", "< 1s", during = "fault", from = "5s" },
  { "p95", "< 1s", from = "30s", to = "10s" },
  { "p95", "< 1s", to = "0s" },
  { "error_rate", "< 1%", stable = "5s" },
  { "time_to_detect", "< 5s", load = "blue" },
  { "time_to_recover", "< 5s", steady_error_rate = 0.01 },
  { "time_to_recover", "< 5s", steady_p95 = "fast" },
  { "service_p99", "< 1s", during = "step" },
  { "p95", "< 1s", stabel = "5s" },
}
`, Options{})
	want := []string{
		`scenario.lua:1: sla: check 1: unknown key "durring" (did you mean "during"?)`,
		`scenario.lua:1: sla: check 2: for: for is a Lua keyword; a sustained check is written sustained = "10s"`,
		`scenario.lua:1: sla: check 3: sustained: expected a duration such as "30s" or "250ms", got number 10; add a unit, as in "10s"`,
		`scenario.lua:1: sla: check 4: sustained: expected a duration > 0, got string "0s"`,
		`scenario.lua:1: sla: check 5: sustained: expected whole seconds such as "10s" (the series hold one value a second), got 2.5s`,
		`scenario.lua:1: sla: check 6: during: expected a phase kind (fault, rollout, step) or a phase's name, got an empty string`,
		`scenario.lua:1: sla: check 7: during: expected a string, got number 3`,
		`scenario.lua:1: sla: check 8: during and from/to exclude each other: scope the check to phases or to offsets`,
		`scenario.lua:1: sla: check 9: to: expected an offset after from (30s), got 10s`,
		`scenario.lua:1: sla: check 10: to: expected a duration > 0, got string "0s"`,
		`scenario.lua:1: sla: check 11: stable: applies to time_to_recover only, not to error_rate`,
		`scenario.lua:1: sla: check 12: load: time_to_detect is measured on the run's timeline, not on requests, so it takes no load scope; scope it with during or from/to`,
		`scenario.lua:1: sla: check 13: steady_error_rate: expected a string, got number 0.01`,
		`scenario.lua:1: sla: check 14: steady_p95: expected a duration such as "30s" or "250ms", got "fast"`,
		`scenario.lua:1: sla: check 15: service_p99 has no per-second series, so it cannot be scoped to during, from/to or sustained`,
		`scenario.lua:1: sla: check 16: unknown key "stabel" (did you mean "stable"?)`,
	}
	all := strings.Join(msgs, "\n")
	for _, w := range want {
		if !strings.Contains(all, w) {
			t.Errorf("missing %q in:\n%s", w, all)
		}
	}
	if len(msgs) != len(want) {
		t.Errorf("got %d problems, want %d:\n%s", len(msgs), len(want), all)
	}
}
