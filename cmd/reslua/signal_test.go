//go:build unix

package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/reslua/reslua/engine"
)

// binary is the reslua binary under test: this test binary, which
// testscript's Main runs as main under that name.
type binary struct {
	cmd    *exec.Cmd
	stdout bytes.Buffer
	stderr bytes.Buffer // complete once done is closed
	done   chan struct{}
	lines  chan string // stderr, line by line
}

// waitFor reads stderr until a line contains s; false if it ended first.
func (b *binary) waitFor(s string) bool {
	for line := range b.lines {
		if strings.Contains(line, s) {
			return true
		}
	}
	return false
}

// startBinary starts reslua on the scenario src (with args after it,
// relative to the test's temporary directory) and returns once its
// stderr has shown the line ready.
func startBinary(t *testing.T, src, ready string, args ...string) *binary {
	t.Helper()
	if testing.Short() {
		t.Skip("runs the binary with demo servers")
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "reslua")
	if err := os.Symlink(self, bin); err != nil {
		t.Fatal(err)
	}
	scenario := filepath.Join(dir, "s.lua")
	if err := os.WriteFile(scenario, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	b := &binary{cmd: exec.Command(bin, append([]string{scenario}, args...)...), done: make(chan struct{}), lines: make(chan string, 10000)}
	b.cmd.Dir = dir
	b.cmd.Stdout = &b.stdout
	errPipe, err := b.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := b.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.cmd.Process.Kill() })
	go func() {
		defer close(b.done)
		defer close(b.lines)
		sc := bufio.NewScanner(errPipe)
		for sc.Scan() {
			b.stderr.WriteString(sc.Text() + "\n")
			select {
			case b.lines <- sc.Text():
			default: // nobody reads that far
			}
		}
	}()
	b.waitFor(ready) // if it ends first, the test fails on the exit code
	return b
}

// wait waits for the binary to end and returns its exit code.
func (b *binary) wait() int {
	for range b.lines { // drain, so the reader never blocks
	}
	<-b.done // stderr read to its end
	err := b.cmd.Wait()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	return 0
}

const signalScenario = `
local t = target { name = "demo", url = demo.mcp { stateless = true, json = true } }
local lb = router { name = "lb", routes = { demo = 100 } }
local l = load { name = "long", target = lb, rate = 20, duration = "10m", mix = { { 1, mcp.call("echo", { message = "hi" }) } } }
chaos.inject(t, { latency = "20ms", name = "slow demo" })
print("traffic flowing")
l:wait()
sla { { "error_rate", "< 1%" } }
`

// SIGINT and SIGTERM to the real binary: arrivals stop, requests in
// flight finish, every fault is removed, the summary is printed marked
// interrupted, and the exit code is 130.
func TestSignalsStopTheRealBinary(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			b := startBinary(t, signalScenario, "traffic flowing")
			if err := b.cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			if code := b.wait(); code != exitInterrupted {
				t.Fatalf("exit %d, want %d\n%s\n%s", code, exitInterrupted, &b.stdout, &b.stderr)
			}
			for _, want := range []string{"run INTERRUPTED", `load "long"`, "unsent (still queued at the load's end)", "slow demo (latency) removed (stopped)", `router "lb"`} {
				if !strings.Contains(b.stdout.String(), want) {
					t.Errorf("summary lacks %q:\n%s", want, &b.stdout)
				}
			}
		})
	}
}

// slowScenario has requests in flight for minutes: an interrupted run
// would wait out the whole grace period for them.
const slowScenario = `
local t = target { name = "demo", url = demo.mcp { stateless = true, json = true }, timeout = "5m" }
local l = load { target = t, rate = 20, duration = "10m", graceful_stop = "5m", mix = { { 1, mcp.call("slow", { ms = 300000 }) } } }
print("traffic flowing")
l:wait()
`

// checkInterruptedOutputs checks that the binary wrote --out, --junit and --report
// (as outputArgs names them), whole, each saying the run was interrupted.
func checkInterruptedOutputs(t *testing.T, b *binary) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(b.cmd.Dir, "results.json"))
	if err != nil {
		t.Fatalf("%v\n%s", err, &b.stderr)
	}
	saved, err := engine.ReadResults(data)
	if err != nil {
		t.Fatal(err)
	}
	if saved.Verdict != engine.VerdictInterrupted || saved.Meta.ExitCode != exitInterrupted {
		t.Errorf("results.json: verdict %q, exit code %d", saved.Verdict, saved.Meta.ExitCode)
	}
	xml, err := os.ReadFile(filepath.Join(b.cmd.Dir, "junit.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(xml, []byte(`<property name="verdict" value="interrupted">`)) || !bytes.HasSuffix(bytes.TrimSpace(xml), []byte("</testsuites>")) {
		t.Errorf("junit.xml:\n%s", xml)
	}
	html, err := os.ReadFile(filepath.Join(b.cmd.Dir, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(html, []byte("interrupted")) || !bytes.HasSuffix(bytes.TrimSpace(html), []byte("</html>")) {
		t.Errorf("report.html: %d bytes, not a whole report saying interrupted", len(html))
	}
}

var outputArgs = []string{"-q", "--out", "results.json", "--junit", "junit.xml", "--report", "report.html"}

// A second signal during the graceful stop (requests in flight that take
// minutes) cuts the wait short, never the outputs: they are written, the
// exit code is 130.
func TestSecondSignalCutsTheGraceNotTheOutputs(t *testing.T) {
	b := startBinary(t, slowScenario, "traffic flowing", outputArgs...)
	if err := b.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if !b.waitFor("interrupted: faults removed, arrivals stopped, waiting for requests in flight") {
		t.Fatalf("no graceful-stop message:\n%s", &b.stderr)
	}
	if err := b.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := b.wait(); code != exitInterrupted {
		t.Fatalf("exit %d, want %d\n%s", code, exitInterrupted, &b.stderr)
	}
	if !strings.Contains(b.stderr.String(), "reslua: interrupted again: cutting requests in flight short, then writing the outputs") {
		t.Errorf("stderr:\n%s", &b.stderr)
	}
	checkInterruptedOutputs(t, b)
}

// Two signals in quick succession, as timeout(1) sends them (to the child,
// then to its process group): every output is written, whole, saying
// interrupted, and the exit code is 130. Before, the second signal exited
// at once and every output was lost in 2 of 6 tries. The pair is SIGINT
// then SIGTERM on odd tries, so that the kernel cannot merge them into one
// pending signal, and SIGINT twice on even ones, as timeout sends them.
func TestTwoSignalsAtOnceWriteEveryOutput(t *testing.T) {
	for i := range 5 {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			b := startBinary(t, slowScenario, "traffic flowing", outputArgs...)
			second := syscall.SIGINT
			if i%2 == 1 {
				second = syscall.SIGTERM
			}
			if err := b.cmd.Process.Signal(syscall.SIGINT); err != nil {
				t.Fatal(err)
			}
			if err := b.cmd.Process.Signal(second); err != nil {
				t.Fatal(err)
			}
			if code := b.wait(); code != exitInterrupted {
				t.Fatalf("exit %d, want %d\n%s", code, exitInterrupted, &b.stderr)
			}
			checkInterruptedOutputs(t, b)
		})
	}
}

// Ctrl-C removes a blackhole fault at once, before the graceful stop: the
// requests it held go on to the target and succeed, and the fault's
// window in the results ends no later than the interrupt's own event.
// Before, the fault stayed until Finish, after the 10 s grace period: the
// held requests failed when the proxy closed, and the fault's end came
// 10 s after the interrupt.
func TestInterruptRemovesFaultsFirst(t *testing.T) {
	b := startBinary(t, `
local t = target { name = "demo", url = demo.mcp { stateless = true, json = true }, timeout = "5m" }
local l = load { name = "l", target = t, rate = 20, duration = "10m", graceful_stop = "5m", mix = { { 1, http.get("/health") } } }
chaos.inject(t, { blackhole = true, name = "hole" })
sleep("1s") -- at 20/s, requests are held by then
print("requests held")
l:wait()
`, "requests held", "-q", "--out", "results.json")
	if err := b.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if code := b.wait(); code != exitInterrupted {
		t.Fatalf("exit %d, want %d\n%s\n%s", code, exitInterrupted, &b.stdout, &b.stderr)
	}
	data, err := os.ReadFile(filepath.Join(b.cmd.Dir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	saved, err := engine.ReadResults(data)
	if err != nil {
		t.Fatal(err)
	}
	res := saved.Result
	var interrupt *engine.Event
	for i, e := range res.Events {
		if e.Kind == "interrupt" {
			interrupt = &res.Events[i]
		}
	}
	if interrupt == nil {
		t.Errorf("no interrupt event: %+v", res.Events)
		interrupt = &engine.Event{At: -1}
	}
	if len(res.Faults) != 1 {
		t.Fatalf("faults: %+v", res.Faults)
	}
	f := res.Faults[0]
	if f.Hit == 0 {
		t.Fatalf("the blackhole held no request before the interrupt: %+v\n%s", f, &b.stderr)
	}
	if f.End > interrupt.At {
		t.Errorf("the fault ended at %s, after the interrupt at %s", f.End, interrupt.At)
	}
	l := res.Loads[0]
	var failed int64
	for _, r := range l.Requests {
		for _, n := range r.Errors {
			failed += n
		}
	}
	if failed != 0 || l.Completed() < f.Hit {
		t.Errorf("%d of %d requests failed; the %d the blackhole held should have gone on to the target and succeeded", failed, l.Completed(), f.Hit)
	}
	t.Logf("fault %+v; interrupt at %s; %d completed, %d failed", f, interrupt.At, l.Completed(), failed)
}

// Ctrl-C during a rollout rolls its weights back: all traffic to the old
// route, before the summary (which marks the rollout aborted).
func TestSignalRollsBackARollout(t *testing.T) {
	b := startBinary(t, `
local blue  = target { name = "blue",  url = demo.mcp { name = "blue", stateless = true, json = true } }
local green = target { name = "green", url = demo.mcp { name = "green", stateless = true, json = true } }
local lb = router { name = "lb", routes = { blue = 100, green = 0 } }
local l = load { target = lb, rate = 20, duration = "10m", mix = { { 1, mcp.call("echo", { message = "hi" }) } } }
deploy.canary { router = lb, from = "blue", to = "green", steps = { 50, 100 }, hold = "10m" }
`, "step: step 1: green 50%")
	if err := b.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if code := b.wait(); code != exitInterrupted {
		t.Fatalf("exit %d, want %d\n%s\n%s", code, exitInterrupted, &b.stdout, &b.stderr)
	}
	for _, want := range []string{"run INTERRUPTED", "(canary, ", "ABORTED", `router "lb"  weights: blue=100 green=0 (rollback of green)`} {
		if !strings.Contains(b.stdout.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, &b.stdout)
		}
	}
}

// An interrupted run's verdict is "interrupted" in the summary, the
// results file and the JUnit XML, as its exit code 130 says.
func TestInterruptedVerdictAgrees(t *testing.T) {
	b := startBinary(t, signalScenario, "traffic flowing", "-q", "--out", "results.json", "--junit", "junit.xml")
	if err := b.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if code := b.wait(); code != exitInterrupted {
		t.Fatalf("exit %d, want %d\n%s\n%s", code, exitInterrupted, &b.stdout, &b.stderr)
	}
	if !strings.Contains(b.stdout.String(), "verdict: INTERRUPTED (stopped before its end") {
		t.Errorf("summary:\n%s", &b.stdout)
	}
	data, err := os.ReadFile(filepath.Join(b.cmd.Dir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	saved, err := engine.ReadResults(data)
	if err != nil {
		t.Fatal(err)
	}
	if saved.Verdict != engine.VerdictInterrupted || saved.Meta.ExitCode != exitInterrupted || saved.Status != "interrupted" {
		t.Errorf("results.json: verdict %q, exit code %d, status %q", saved.Verdict, saved.Meta.ExitCode, saved.Status)
	}
	xml, err := os.ReadFile(filepath.Join(b.cmd.Dir, "junit.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(xml, []byte(`<property name="verdict" value="interrupted">`)) {
		t.Errorf("junit.xml:\n%s", xml)
	}
}

// Ctrl-C at a load's start: every request the router counted is in the
// load's figures, its requests (canceled if the run stopped them) or the
// protocol requests its target sent (the era probe, the handshakes and
// DELETEs of legacy sessions). Before, a run interrupted before its first
// arrival showed 0 scheduled and 0 completed while the router counted 1
// request: the target's server/discover probe, reported nowhere.
func TestInterruptAtStartCountsEveryRequest(t *testing.T) {
	for _, tc := range []struct{ name, demo string }{
		{"stateless", "stateless = true, json = true"},
		{"sessions", "name = \"legacy\""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := startBinary(t, `
local t = target { name = "demo", url = demo.mcp { `+tc.demo+` } }
local lb = router { name = "lb", routes = { demo = 100 } }
local l = load { name = "l", target = lb, rate = 20, duration = "10m", mix = { { 1, mcp.call("echo", { message = "hi" }) } } }
print("load started")
l:wait()
`, "load started", "-q", "--out", "results.json")
			if err := b.cmd.Process.Signal(syscall.SIGINT); err != nil {
				t.Fatal(err)
			}
			if code := b.wait(); code != exitInterrupted {
				t.Fatalf("exit %d, want %d\n%s\n%s", code, exitInterrupted, &b.stdout, &b.stderr)
			}
			data, err := os.ReadFile(filepath.Join(b.cmd.Dir, "results.json"))
			if err != nil {
				t.Fatal(err)
			}
			res, err := engine.ReadResults(data)
			if err != nil {
				t.Fatal(err)
			}
			l, s := res.Result.Loads[0], res.Result.Loads[0].Sessions
			counted := l.Completed() + s.Probes + 2*(s.Opened+s.Reinitialized) + s.Deleted + s.DeleteFailures + s.CancelsSent
			if got := res.Result.Routers[0].Requests; got != counted {
				t.Errorf("router counted %d requests; the load %d (%d completed, sessions %+v)\n%s",
					got, counted, l.Completed(), s, &b.stdout)
			}
			t.Logf("router %d, completed %d, sessions %+v", res.Result.Routers[0].Requests, l.Completed(), s)
			if l.Completed() > l.Scheduled {
				t.Errorf("%d completed of %d scheduled", l.Completed(), l.Scheduled)
			}
		})
	}
}
