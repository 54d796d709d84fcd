package luabind

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/reslua/reslua/engine"
)

func TestExecStopsAtFirstError(t *testing.T) {
	var log strings.Builder
	s := newScript(t, `print("before")
sleep("x")
print("after")
sleep("y")
`, Options{Log: &log})
	err := s.Exec(context.Background(), engine.NewRun(engine.Config{DryRun: true}))
	var e *Error
	if !errors.As(err, &e) || e.Pos != "scenario.lua:2" ||
		err.Error() != `scenario.lua:2: sleep: expected a duration such as "30s" or "250ms", got "x"` {
		t.Errorf("got %v", err)
	}
	if log.String() != "before\n" {
		t.Errorf("log = %q", log.String())
	}
}

func TestExecReportsEveryProblemOfOneCall(t *testing.T) {
	s := newScript(t, preamble+`load { target = t, rate = -1, duration = "1 s", mix = {} }`, Options{})
	err := s.Exec(context.Background(), engine.NewRun(engine.Config{DryRun: true}))
	want := `scenario.lua:2: load: duration: expected a duration such as "30s" or "250ms", got "1 s"
scenario.lua:2: load: rate: expected requests per second > 0, got -1
scenario.lua:2: load: mix: expected at least one request`
	if err == nil || err.Error() != want {
		t.Errorf("got:\n%v\nwant:\n%s", err, want)
	}
}

func TestExecRuntimeError(t *testing.T) {
	s := newScript(t, "local x\nx()", Options{})
	err := s.Exec(context.Background(), engine.NewRun(engine.Config{DryRun: true}))
	var e *Error
	if !errors.As(err, &e) || e.Pos != "scenario.lua:2" || !strings.Contains(e.Msg, "attempt to call") {
		t.Errorf("got %v", err)
	}
}

func TestExecDryRun(t *testing.T) {
	s := newScript(t, preamble+`local l = load { target = t, rate = 1, duration = "3s", mix = { { 1, mcp.ping() } } }
l:wait()
sleep("2s")
sla { { "p95", "< 1s" } }
`, Options{})
	run := engine.NewRun(engine.Config{DryRun: true})
	if err := s.Exec(context.Background(), run); err != nil {
		t.Fatal(err)
	}
	if run.Elapsed() != 5*time.Second || len(run.Plan().Checks) != 1 {
		t.Errorf("elapsed %s, plan %+v", run.Elapsed(), run.Plan())
	}
}

// TestExecCancelDuringSleep: cancelling the context while the script
// sleeps stops it with an error that wraps context.Canceled.
func TestExecCancelDuringSleep(t *testing.T) {
	s := newScript(t, "print('go')\nsleep('1h')\nprint('woke')", Options{})
	synctest.Test(t, func(t *testing.T) {
		var log strings.Builder
		s.opts.Log = &log
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error)
		go func() { done <- s.Exec(ctx, engine.NewRun(engine.Config{})) }()
		synctest.Wait() // the script is blocked in sleep
		cancel()
		err := <-done
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v, want an error wrapping context.Canceled", err)
		}
		if got := err.Error(); got != "scenario.lua:2: sleep: context canceled" {
			t.Errorf("message = %q", got)
		}
		if log.String() != "go\n" {
			t.Errorf("log = %q", log.String())
		}
	})
}

// signalWriter closes ready on the first write.
type signalWriter struct{ ready chan struct{} }

func (w *signalWriter) Write(p []byte) (int, error) {
	select {
	case <-w.ready:
	default:
		close(w.ready)
	}
	return len(p), nil
}

// TestExecCancelDuringLoop: a busy script stops at its next instruction.
func TestExecCancelDuringLoop(t *testing.T) {
	w := &signalWriter{ready: make(chan struct{})}
	s := newScript(t, "print('looping')\nwhile true do end", Options{Log: w})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- s.Exec(ctx, engine.NewRun(engine.Config{DryRun: true})) }()
	<-w.ready
	cancel()
	err := <-done
	var e *Error
	if !errors.Is(err, context.Canceled) || !errors.As(err, &e) || e.Pos != "scenario.lua:2" {
		t.Errorf("got %v", err)
	}
}

// TestExecRealRun drives a real run against an embedded demo server: the
// binding end to end, with short durations.
func TestExecRealRun(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a demo server and sends requests")
	}
	s := newScript(t, `local t = target { name = "demo", url = demo.mcp { version = "9.9.9" } }
local l = load { target = t, rate = 50, duration = "200ms", sessions = 1,
  mix = { { 1, mcp.call("echo", { message = "hi" }) }, { 1, mcp.tools_list() }, { 1, http.get("/health") } } }
l:wait()
sla { { "count", "> 0" } }
`, Options{})
	run := engine.NewRun(engine.Config{Log: io.Discard})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.Exec(ctx, run); err != nil {
		t.Fatal(err)
	}
	res, err := run.Finish(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Loads) != 1 {
		t.Fatalf("result = %+v", res)
	}
	for _, r := range res.Loads[0].Requests {
		if r.Count == 0 || len(r.Errors) > 0 {
			t.Errorf("request %s: %d sent, errors %v", r.Name, r.Count, r.Errors)
		}
	}
}

// TestExecCancelDuringWait: cancelling while waiting for a load returns an
// error wrapping context.Canceled; the load itself is stopped by the
// caller (Interrupt, Finish).
func TestExecCancelDuringWait(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a demo server and sends requests")
	}
	w := &signalWriter{ready: make(chan struct{})}
	s := newScript(t, `local t = target { name = "demo", url = demo.mcp() }
local l = load { target = t, rate = 10, duration = "1h", mix = { { 1, mcp.ping() } } }
print("waiting")
l:wait()
`, Options{Log: w})
	run := engine.NewRun(engine.Config{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- s.Exec(ctx, run) }()
	<-w.ready
	cancel()
	err := <-done
	if !errors.Is(err, context.Canceled) || !strings.HasPrefix(err.Error(), "scenario.lua:4: wait: ") {
		t.Errorf("got %v", err)
	}
	run.Interrupt()
	fctx, fcancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer fcancel()
	res, _ := run.Finish(fctx)
	if !res.Interrupted {
		t.Errorf("result not interrupted: %+v", res)
	}
}
