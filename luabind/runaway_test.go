package luabind

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/reslua/reslua/engine"
)

// countdownCtx is a context whose deadline is a number of Lua
// instructions rather than a time: gopher-lua asks a state's context for
// Done before every instruction, so the script is stopped after exactly
// n of them, whatever the machine's speed.
type countdownCtx struct {
	context.Context
	left atomic.Int64
	done chan struct{}
}

func newCountdown(n int64) *countdownCtx {
	c := &countdownCtx{Context: context.Background(), done: make(chan struct{})}
	c.left.Store(n)
	return c
}

func (c *countdownCtx) Done() <-chan struct{} {
	if c.left.Add(-1) == 0 {
		close(c.done)
	}
	return c.done
}

func (c *countdownCtx) Err() error {
	if c.left.Load() <= 0 {
		return context.DeadlineExceeded
	}
	return nil
}

// allocatedBy returns how many bytes f allocates.
func allocatedBy(f func()) uint64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	before := ms.TotalAlloc
	f()
	runtime.ReadMemStats(&ms)
	return ms.TotalAlloc - before
}

// tailLoopBudget is how much a stopped tail-call loop may allocate. The
// loops below make some 1.5 million tail calls before their deadline; the
// traceback gopher-lua used to build took about 130 bytes a tail call
// (630 to 790 MB measured for 5 million), some 200 MB for these.
const (
	tailLoopInstructions = 6_000_000
	tailLoopBudget       = 16 << 20
)

// TestTailCallRunawayStops: a tail-recursive endless loop, at the top
// level, inside pcall or xpcall, is stopped at its deadline with bounded
// memory, and the error says where and why.
func TestTailCallRunawayStops(t *testing.T) {
	for name, src := range map[string]string{
		"top level": "local function f() return f() end\nf()\n",
		"pcall":     "local function f() return f() end\nprint(pcall(f))\nwhile true do end\n",
		"xpcall":    "local function f() return f() end\nxpcall(f, function(e) return e end)\nwhile true do end\n",
		"mutual":    "local g\nlocal function f(n) return g(n) end\ng = function(n) return f(n) end\nf(1)\n",
	} {
		t.Run(name, func(t *testing.T) {
			s := newScript(t, src, Options{})
			ctx := newCountdown(tailLoopInstructions)
			var err error
			n := allocatedBy(func() { err = s.Exec(ctx, engine.NewRun(engine.Config{DryRun: true})) })
			if !errors.Is(err, context.DeadlineExceeded) || !strings.HasPrefix(err.Error(), "scenario.lua:") {
				t.Errorf("Exec: %v", err)
			}
			if n > tailLoopBudget {
				t.Errorf("the stopped loop allocated %d MB, want at most %d", n>>20, tailLoopBudget>>20)
			}
		})
	}
}

// TestTailCallRunawayInHook: the same loop in a request builder and in a
// check is stopped at the hook's deadline with bounded memory, and the
// worker goes on working.
func TestTailCallRunawayInHook(t *testing.T) {
	_, h := hooksOf(t, hookPreamble+`load { name = "l", target = t, rate = 1, duration = "1s", mix = {
  { 1, function(n) local function f(i) return f(i + 1) end return f(n) end, name = "spin" },
  { 1, function(n) return mcp.ping() end, name = "ok",
    check = function(r) local function f() return f() end return f() end },
} }
`, "l")
	w := newWorker(t, h)
	var err error
	n := allocatedBy(func() { _, err = w.Build(newCountdown(tailLoopInstructions), 0, 0) })
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "the builder was stopped") {
		t.Errorf("Build: %v", err)
	}
	// The builder's f(i + 1) allocates a number per call: 8 bytes.
	if n > 4*tailLoopBudget {
		t.Errorf("the stopped builder allocated %d MB, want at most %d", n>>20, 4*tailLoopBudget>>20)
	}
	n = allocatedBy(func() { err = w.Check(newCountdown(tailLoopInstructions), 1, engine.Reply{Status: 200}) })
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "the check was stopped") {
		t.Errorf("Check: %v", err)
	}
	if n > tailLoopBudget {
		t.Errorf("the stopped check allocated %d MB, want at most %d", n>>20, tailLoopBudget>>20)
	}
	if _, err := w.Build(context.Background(), 1, 0); err != nil {
		t.Errorf("Build after a stopped hook: %v", err)
	}
}

// TestTailCallRunawayInCallback: the loop in an at callback is stopped
// when the run's context is, with bounded memory.
func TestTailCallRunawayInCallback(t *testing.T) {
	s := newScript(t, `at("0s", function() local function f() return f() end f() end)`, Options{})
	run := engine.NewRun(engine.Config{})
	var err error
	n := allocatedBy(func() { err = s.Exec(newCountdown(tailLoopInstructions), run) })
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Exec: %v", err)
	}
	if n > tailLoopBudget {
		t.Errorf("the stopped callback allocated %d MB, want at most %d", n>>20, tailLoopBudget>>20)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, _ = run.Finish(ctx)
}

// TestErrorLevels: error(msg, 1) blames the line that called error,
// error(msg, 2) the line that called that function, error(msg, 0) none;
// pcall still gets a table unchanged.
func TestErrorLevels(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"local function f()\n  error('boom')\nend\nf()\n", "scenario.lua:2: boom"},
		{"local function f()\n  error('boom', 2)\nend\nf()\n", "scenario.lua:4: boom"},
		{"local function g()\n  error('boom', 3)\nend\nlocal function f()\n  g()\nend\nf()\n", "scenario.lua:7: boom"},
		{"error('boom', 0)\n", "scenario.lua: boom"},
		{"local ok, e = pcall(error, { code = 7 })\nif e.code ~= 7 then error('lost the table') end\nerror(e)\n",
			"scenario.lua:3: error({ code = 7 }) (error was given a table, not a message)"},
	} {
		_, msgs := check(t, tc.src, Options{})
		if len(msgs) != 1 || msgs[0] != tc.want {
			t.Errorf("%s: got %q, want %q", tc.src, msgs, tc.want)
		}
	}
}

// TestDurationTooLarge: a duration that overflows says so.
func TestDurationTooLarge(t *testing.T) {
	for in, want := range map[string]string{
		"9999999999h": `duration "9999999999h" is too large`,
		"3 seconds":   `expected a duration such as`,
		"h":           `expected a duration such as`,
	} {
		_, err := parseDuration(lua.LString(in))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("parseDuration(%q): %v, want %q", in, err, want)
		}
	}
}

// TestShebangAndBOM: a byte order mark and a #! line are skipped, and
// line numbers stay those of the file.
func TestShebangAndBOM(t *testing.T) {
	_, msgs := check(t, "\ufeff#!/usr/bin/env reslua\nerror('here')\n", Options{})
	if len(msgs) != 1 || msgs[0] != "scenario.lua:2: here" {
		t.Errorf("got %q", msgs)
	}
}
