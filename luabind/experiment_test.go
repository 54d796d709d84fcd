package luabind

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/reslua/reslua/engine"
)

// runScenario runs src for real and returns what it printed, the result
// and Exec's error.
func runScenario(t *testing.T, src string) (string, *engine.Result, error) {
	t.Helper()
	if testing.Short() {
		t.Skip("starts demo servers and sends requests")
	}
	var out strings.Builder
	s := newScript(t, src, Options{Log: &out})
	run := engine.NewRun(engine.Config{Log: io.Discard})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	execErr := s.Exec(ctx, run)
	if execErr != nil {
		run.Interrupt()
	}
	res, err := run.Finish(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return out.String(), res, execErr
}

const experimentPreamble = `
local dep = chaos.proxy { name = "kv", target = demo.kv(), scope = "connection" }
local app = target { name = "app", url = demo.mcp { stateless = true, json = true, dependency = dep:addr() } }
local l = load { name = "app", target = app, rate = 100, duration = "%s",
  mix = { { 1, mcp.call("lookup", { key = "k" }), name = "lookup" }, { 1, mcp.call("echo", { message = "hi" }), name = "echo" } } }
sleep("2s")
`

// A safety condition that breaks stops the method at its next wait, the
// rollbacks run, the experiment's faults end, and the script goes on.
func TestExperimentSafetyAbortsTheExperimentOnly(t *testing.T) {
	out, res, err := runScenario(t, strings.Replace(experimentPreamble, "%s", "5s", 1)+`
local r = chaos.experiment {
  title = "lookups survive", window = "1s",
  steady_state = { { "error_rate", "< 1%", request = "lookup" } },
  method = function() chaos.inject(dep, { blackhole = true }); sleep("30s"); print("not reached") end,
  safety = { { "error_rate", "< 20%", request = "lookup" } },
  rollbacks = function() print("rolled back") end,
}
print(r.status, r.held)
l:wait()
print("script went on")
`)
	if err != nil {
		t.Fatalf("Exec: %v\n%s", err, out)
	}
	for _, want := range []string{"rolled back", "aborted\tfalse", "script went on"} {
		if !strings.Contains(out, want) {
			t.Errorf("printed %q, want %q in it", out, want)
		}
	}
	if strings.Contains(out, "not reached") || res.Aborted != "" || res.Passed() {
		t.Errorf("out %q, run aborted %q, passed %v", out, res.Aborted, res.Passed())
	}
	if len(res.Faults) != 1 || !strings.Contains(res.Experiments[0].Reason, "safety condition broken: error_rate < 20%") {
		t.Fatalf("faults %+v, experiment %+v", res.Faults, res.Experiments)
	}
	if e := res.Experiments[0]; res.Faults[0].End > e.End+time.Second {
		t.Errorf("the fault ended at %s, after the experiment (%s)", res.Faults[0].End, e.End)
	}
}

// on_safety = "run" aborts the whole run; a method that raises an error
// still gets its rollbacks, and the error ends the script with its line.
func TestExperimentAbortRunAndMethodError(t *testing.T) {
	_, res, err := runScenario(t, strings.Replace(experimentPreamble, "%s", "20s", 1)+`
chaos.experiment {
  title = "stop everything", window = "1s", on_safety = "run",
  method = function() chaos.inject(dep, { reset = true }); sleep("30s") end,
  safety = { { "error_rate", "< 20%", request = "lookup" } },
}
`)
	if res.Aborted == "" || !strings.Contains(res.Aborted, `experiment "stop everything": error_rate < 20%`) {
		t.Errorf("run aborted %q, Exec %v", res.Aborted, err)
	}

	out, res, err := runScenario(t, strings.Replace(experimentPreamble, "%s", "3s", 1)+`
chaos.experiment {
  title = "broken method",
  method = function() error("the method broke") end,
  rollbacks = function() print("rolled back anyway") end,
}
`)
	if err == nil || !strings.Contains(err.Error(), "scenario.lua:10: the method broke") || !strings.Contains(out, "rolled back anyway") {
		t.Errorf("Exec = %v, printed %q", err, out)
	}
	if len(res.Experiments) != 1 || res.Experiments[0].Status != "failed" {
		t.Errorf("experiments: %+v", res.Experiments)
	}
}

// A hypothesis that does not hold before the method keeps the method from
// running; a steady state that holds throughout is "held".
//
// The load outlasts the experiments whatever the machine's load (each
// live check waits for the requests due in its window to end) and is
// stopped after them: with a load of 8 s, a slowed script judged the
// hypothesis after the load's end, on no traffic. With 100 workers, the
// lookups hanging on the blackhole took every worker and the echo
// requests judged waited in the queue past the check's wait.
func TestExperimentHypothesis(t *testing.T) {
	// Workers enough that lookups hanging on the blackhole (each until its
	// timeout) leave workers for the echo requests the hypothesis judges.
	preamble := strings.Replace(strings.Replace(experimentPreamble, "%s", "60s", 1), "rate = 100,", "rate = 100, workers = 2000,", 1)
	out, res, err := runScenario(t, preamble+`
local r1 = chaos.experiment {
  title = "impossible", window = "1s",
  steady_state = { { "p95", "< 1us", request = "echo" } },
  method = function() print("method ran") end,
}
local r2 = chaos.experiment {
  title = "echo is independent", window = "1s",
  steady_state = { { "error_rate", "< 1%", request = "echo" } },
  method = function() chaos.inject(dep, { blackhole = true }); sleep("2s") end,
  control = l, experiment = l,
}
print(r1.status, r2.status)
l:stop()
l:wait()
`)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out, "method ran") || !strings.Contains(out, "not_started\theld") {
		var why []string
		for _, e := range res.Experiments {
			why = append(why, e.Status+": "+e.Reason)
		}
		t.Errorf("printed %q; %s", out, strings.Join(why, "; "))
	}
	if len(res.Experiments) != 2 || len(res.Experiments[1].Comparison) != 4 {
		t.Fatalf("experiments: %+v", res.Experiments)
	}
}
