package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// signalWriter is a stderr that cancels a run when a line it waits for
// appears: an interrupt at a known point of the script, without sleeping.
type signalWriter struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	trigger string
	fire    func()
}

func (w *signalWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n, _ := w.buf.Write(p)
	if w.fire != nil && strings.Contains(w.buf.String(), w.trigger) {
		w.fire()
		w.fire = nil
	}
	return n, nil
}

func (w *signalWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

func writeScenario(t *testing.T, src string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "s.lua")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// An interrupted run stops arrivals, summarises what it recorded and exits
// 130; the long load does not run to its end.
func TestInterruptExits130WithSummary(t *testing.T) {
	path := writeScenario(t, `
local t = target { name = "demo", url = demo.mcp {} }
local l = load { name = "long", target = t, rate = 20, duration = "10m", mix = { { 1, mcp.ping() } } }
print("load started")
l:wait()
sla { { "error_rate", "< 1%" } }
`)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stderr := &signalWriter{trigger: "load started", fire: cancel}
	var stdout bytes.Buffer
	code := run(ctx, []string{path}, &stdout, stderr)
	if code != exitInterrupted {
		t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, exitInterrupted, stdout.String(), stderr)
	}
	for _, want := range []string{"run INTERRUPTED", `load "long"`, "scheduled", "unsent (still queued at the load's end)"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, stdout.String())
		}
	}
}

// A Lua error after traffic started stops the loads, still prints what
// they recorded, and exits 2 with the error's position.
func TestScriptErrorKeepsResults(t *testing.T) {
	path := writeScenario(t, `
local url = demo.mcp {}
local t = target { name = "demo", url = url }
local l = load { name = "l", target = t, rate = 20, duration = "10m", mix = { { 1, mcp.ping() } } }
-- The check pass sees a placeholder URL on port 0; only the real run errs.
if not url:find(":0/", 1, true) then local cfg = nil; print(cfg.missing) end
`)
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{path}, &stdout, &stderr)
	if code != exitUsage {
		t.Fatalf("exit %d, want %d\nstderr:\n%s", code, exitUsage, stderr.String())
	}
	if !strings.Contains(stderr.String(), "s.lua:6:") {
		t.Errorf("stderr lacks the error's position:\n%s", stderr.String())
	}
	if !strings.Contains(stdout.String(), `load "l"`) {
		t.Errorf("no summary of the load:\n%s", stdout.String())
	}
}

// Every broken scenario of the corpus is a script error: exit 2, and no
// traffic (check runs first).
func TestBadCorpusExits2(t *testing.T) {
	files, err := filepath.Glob("../../testdata/bad/*.lua")
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus: %v", err)
	}
	// The runaway is cut short by the check's timeout: a short one here,
	// rather than the 10 s default waited out; set before the parallel
	// subtests start and restored after this one.
	for _, rc := range []struct{ file, want string }{
		{"runaway.lua", "runaway.lua:3: did not finish within 300ms during check; an endless loop?"},
		{"runaway_tailcall.lua", "runaway_tailcall.lua:4: did not finish within 300ms during check; an endless loop?"},
	} {
		t.Run(rc.file, func(t *testing.T) {
			defer func(d time.Duration) { checkTimeout = d }(checkTimeout)
			checkTimeout = 300 * time.Millisecond
			var stdout, stderr bytes.Buffer
			if code := run(context.Background(), []string{"run", "../../testdata/bad/" + rc.file}, &stdout, &stderr); code != exitUsage {
				t.Errorf("exit %d, want %d\nstderr:\n%s", code, exitUsage, stderr.String())
			}
			if !strings.Contains(stderr.String(), rc.want) {
				t.Errorf("stderr lacks %q:\n%s", rc.want, stderr.String())
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout not empty, so something ran:\n%s", stdout.String())
			}
		})
	}
	for _, f := range files {
		if strings.HasPrefix(filepath.Base(f), "runaway") {
			continue
		}
		t.Run(filepath.Base(f), func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			if code := run(context.Background(), []string{"run", f}, &stdout, &stderr); code != exitUsage {
				t.Errorf("exit %d, want %d\nstderr:\n%s", code, exitUsage, stderr.String())
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout not empty, so something ran:\n%s", stdout.String())
			}
		})
	}
}

// Every scenario shipped under scenarios/ is valid.
func TestShippedScenariosCheck(t *testing.T) {
	files, err := filepath.Glob("../../scenarios/*.lua")
	if err != nil || len(files) < 3 {
		t.Fatalf("want the shipped scenarios, got %v (%v)", files, err)
	}
	for _, f := range files {
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), []string{"check", f}, &stdout, &stderr); code != exitPassed {
			t.Errorf("check %s: exit %d\n%s", f, code, stderr.String())
		}
	}
}

// Ctrl-C during a fault removes it at once, before the graceful stop, and
// the summary says the run's stop ended it ("removed (stopped)").
func TestInterruptRemovesFaults(t *testing.T) {
	path := writeScenario(t, `
local t = target { name = "demo", url = demo.mcp { stateless = true, json = true } }
local l = load { name = "long", target = t, rate = 20, duration = "10m", mix = { { 1, mcp.call("echo", { message = "hi" }) } } }
chaos.inject(t, { latency = "50ms", name = "slow demo" })
print("fault injected")
l:wait()
`)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stderr := &signalWriter{trigger: "fault injected", fire: cancel}
	var stdout bytes.Buffer
	if code := run(ctx, []string{path}, &stdout, stderr); code != exitInterrupted {
		t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, exitInterrupted, stdout.String(), stderr)
	}
	if !strings.Contains(stdout.String(), `fault: slow demo (latency) removed (stopped)`) {
		t.Errorf("the fault's removal is not in the summary:\n%s", stdout.String())
	}
}
