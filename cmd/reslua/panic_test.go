package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/reslua/reslua/engine"
)

// A panic left in a run (here the test-only panicHook's, after the
// script's traffic or before Finish) is reslua's own failure: exit 1, every output written
// with what was recorded and the panic's message, and the message and
// its stack in the log. Before, the panic crashed the process (exit 2,
// the Go runtime's trace) and wrote no output at all.
func TestPanicExits1WithOutputs(t *testing.T) {
	if testing.Short() {
		t.Skip("runs traffic")
	}
	for _, stage := range []string{"exec", "finish"} {
		t.Run(stage, func(t *testing.T) {
			old := panicHook
			t.Cleanup(func() { panicHook = old })
			panicHook = func(s string) {
				if s == stage {
					panic("deliberate test panic at " + s)
				}
			}
			path := writeScenario(t, `
local t = target { name = "demo", url = demo.mcp { stateless = true, json = true } }
load { name = "l", target = t, rate = 20, duration = "1s", mix = { { 1, mcp.call("echo", { message = "hi" }) } } }
`)
			dir := filepath.Dir(path)
			results, junit, report := filepath.Join(dir, "results.json"), filepath.Join(dir, "junit.xml"), filepath.Join(dir, "report.html")
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), []string{"run", path, "-q", "--out", results, "--junit", junit, "--report", report}, &stdout, &stderr)
			if code != exitRuntime {
				t.Fatalf("exit %d, want %d\n%s\n%s", code, exitRuntime, &stdout, &stderr)
			}
			log := stderr.String()
			if !strings.Contains(log, "reslua: internal error: panic: deliberate test panic at "+stage) || !strings.Contains(log, "goroutine ") {
				t.Errorf("the log lacks the panic's message or stack:\n%s", log)
			}
			data, err := os.ReadFile(results)
			if err != nil {
				t.Fatal(err)
			}
			saved, err := engine.ReadResults(data)
			if err != nil {
				t.Fatal(err)
			}
			if saved.Verdict != engine.VerdictError || saved.Meta.ExitCode != exitRuntime || !strings.Contains(saved.Meta.Error, "deliberate test panic") {
				t.Errorf("results.json: verdict %q, exit code %d, error %q", saved.Verdict, saved.Meta.ExitCode, saved.Meta.Error)
			}
			if stage == "exec" && (len(saved.Result.Loads) != 1 || saved.Result.Loads[0].Scheduled == 0) {
				t.Errorf("results.json lacks what the load recorded: %+v", saved.Result.Loads)
			}
			for _, f := range []string{junit, report} {
				b, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Contains(b, []byte("deliberate test panic")) {
					t.Errorf("%s does not give the panic's message", filepath.Base(f))
				}
			}
			if !strings.Contains(stdout.String(), "deliberate test panic") {
				t.Errorf("summary:\n%s", &stdout)
			}
		})
	}
}

// For every scenario in testdata/good, check never panics and passes; and
// (not with -short) a real run of each never panics: it ends with a
// verdict, passed or failed (a loaded machine may miss a latency check),
// not with reslua's own failure. They are short by design (2 to 6 s of
// traffic each), so none is shortened. scenarios/*.lua are checked only:
// their sleeps are fixed, so a run of each would take minutes.
func TestGoodScenariosNeverPanic(t *testing.T) {
	good, err := filepath.Glob("../../testdata/good/*.lua")
	if err != nil || len(good) < 5 {
		t.Fatalf("testdata/good: %v %v", good, err)
	}
	examples, err := filepath.Glob("../../scenarios/*.lua")
	if err != nil || len(examples) < 5 {
		t.Fatalf("scenarios: %v %v", examples, err)
	}
	for _, f := range append(good, examples...) {
		t.Run("check/"+filepath.Base(filepath.Dir(f))+"/"+filepath.Base(f), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(context.Background(), []string{"check", f}, &stdout, &stderr); code != exitPassed || strings.Contains(stderr.String(), "panic") {
				t.Errorf("check: exit %d\n%s\n%s", code, &stdout, &stderr)
			}
		})
	}
	if testing.Short() {
		return
	}
	for _, f := range good {
		t.Run("run/"+filepath.Base(f), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			out := filepath.Join(t.TempDir(), "results.json")
			code := run(context.Background(), []string{"run", f, "-q", "--out", out}, &stdout, &stderr)
			if (code != exitPassed && code != exitCheckFailed) || strings.Contains(stderr.String(), "panic") {
				t.Errorf("run: exit %d\n%s\n%s", code, &stdout, &stderr)
			}
			if _, err := os.Stat(out); err != nil {
				t.Error(err)
			}
		})
	}
}
