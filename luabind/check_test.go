package luabind

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestCheckCollectsEveryProblem(t *testing.T) {
	plan, msgs := check(t, `local bad = target { name = "green", url = "localhost" }
local good = target { name = "blue", url = "http://127.0.0.1:1/mcp" }
local l1 = load { target = bad, rate = 10, duration = "1s", mix = { { 1, mcp.ping() } } }
local l2 = load { target = good, rate = 0, duration = "1s", mix = { { 1, mcp.ping() } } }
local l3 = load { name = "ok", target = good, rate = 5, duration = "2s", mix = { { 1, mcp.tools_list() } } }
l1:wait() l1:stop() l2:wait()
assert(bad:name() == "green" and bad:url() == "localhost" and l1:name() == "green" and l3:name() == "ok")
print(tostring(bad), tostring(l1), tostring(mcp.ping()), mcp.ping():name())
sla {
  { "p95", "< 250ms", load = "green" },
  { "p95", "< 250ms", load = "blue" },
  { "p95", "< 250ms", load = "ok", request = "tools/list" },
  { "p95", "fast" },
}
`, Options{})
	want := []string{
		`scenario.lua:1: target: url: expected an http:// or https:// URL with a host, got "localhost"`,
		`scenario.lua:4: load: rate: expected requests per second > 0, got 0`,
		`scenario.lua:9: sla: check 4: p95: threshold "fast" must start with one of < <= > >= == !=, as in "< 250ms"`,
	}
	if got := strings.Join(msgs, "\n"); got != strings.Join(want, "\n") {
		t.Errorf("got:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
	}
	if len(plan.Targets) != 1 || len(plan.Loads) != 1 || plan.Loads[0].Spec.Name != "ok" || len(plan.Checks) != 3 {
		t.Errorf("plan = %+v", plan)
	}
}

func TestCheckPlan(t *testing.T) {
	plan := mustCheck(t, `local url = demo.mcp { name = "d", version = "2.0.0", stateless = true, json = true }
local t = target { name = "blue", url = url, timeout = "5s", protocol_version = "2025-03-26", headers = { ["X-A"] = "b" } }
local l = load { name = "main", target = t, rate = 300, duration = "30s", workers = 7, queue = 8, sessions = 9,
  mix = { { 60, mcp.tools_list() }, { 40, http.get("/health"), name = "health" } } }
sleep("10s")
l:wait()
sla { { "p95", "< 250ms", request = "health", load = "main" } }
`, Options{})
	if len(plan.Demos) != 1 || !plan.Demos[0].Stateless || !plan.Demos[0].JSON || plan.Demos[0].Version != "2.0.0" {
		t.Errorf("demos = %+v", plan.Demos)
	}
	tg := plan.Targets[0]
	if tg.Timeout != 5*time.Second || tg.ProtocolVersion != "2025-03-26" || tg.Headers["X-A"] != "b" {
		t.Errorf("target = %+v", tg)
	}
	l := plan.Loads[0]
	if l.Spec.Rate != 300 || l.Spec.Duration != 30*time.Second || l.Spec.Workers != 7 || l.Spec.Queue != 8 ||
		l.Spec.Sessions != 9 || len(l.Spec.Mix) != 2 || l.Spec.Mix[0].Weight != 60 || l.Target != "blue" {
		t.Errorf("load = %+v", l)
	}
	if plan.Length != 30*time.Second {
		t.Errorf("length = %s", plan.Length)
	}
	c := plan.Checks[0]
	if c.Where != "scenario.lua:7" || c.Request != "health" || c.Load != "main" {
		t.Errorf("check = %+v", c)
	}
}

func TestCheckStopsRunaway(t *testing.T) {
	for _, src := range []string{
		"while true do end",
		"local function f() return f() end f()",
		"repeat pcall(function() while true do end end) until false",
	} {
		s := newScript(t, "local x = 1\n"+src, Options{CheckTimeout: 50 * time.Millisecond})
		_, errs := s.Check(context.Background())
		if len(errs) != 1 {
			t.Fatalf("%s: got %v", src, errs)
		}
		want := "scenario.lua:2: did not finish within 50ms during check; an endless loop?"
		if errs[0].Error() != want || !errors.Is(errs[0], context.DeadlineExceeded) {
			t.Errorf("%s: got %q, want %q", src, errs[0], want)
		}
	}
}

func TestCheckRuntimeErrorEnds(t *testing.T) {
	_, msgs := check(t, `sleep("x")
local n = nil
n.field = 1
sleep("y")
`, Options{})
	want := []string{
		`scenario.lua:1: sleep: expected a duration such as "30s" or "250ms", got "x"`,
		`scenario.lua:3: attempt to index a non-table object(nil) with key 'field'`,
	}
	if got := strings.Join(msgs, "\n"); got != strings.Join(want, "\n") {
		t.Errorf("got:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
	}
	_, msgs = check(t, `error("custom failure")`, Options{})
	if len(msgs) != 1 || msgs[0] != "scenario.lua:1: custom failure" {
		t.Errorf("error(): got %q", msgs)
	}
	_, msgs = check(t, `error({})`, Options{})
	if len(msgs) != 1 || msgs[0] != "scenario.lua:1: error({}) (error was given a table, not a message)" {
		t.Errorf("error({}): got %q", msgs)
	}
}

func TestCheckCancelled(t *testing.T) {
	s := newScript(t, "while true do end", Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, errs := s.Check(ctx)
	if len(errs) != 1 || !errors.Is(errs[0], context.Canceled) {
		t.Errorf("got %v", errs)
	}
}

func TestMethodMisuse(t *testing.T) {
	_, msgs := check(t, preamble+`local l = load { target = t, rate = 1, duration = "1s", mix = { { 1, mcp.ping() } } }
l.wait()`, Options{})
	if len(msgs) != 1 || msgs[0] != "scenario.lua:3: load:wait: call it with a colon, as in x:wait(), got nil as the object" {
		t.Errorf("got %q", msgs)
	}
}

func TestLoadMissingFile(t *testing.T) {
	t.Chdir(t.TempDir())
	_, err := Load("scenarios/nope.lua", Options{})
	if err == nil || !strings.Contains(err.Error(), "scenarios/nope.lua") {
		t.Errorf("got %v", err)
	}
}
