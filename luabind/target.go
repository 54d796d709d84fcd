package luabind

import (
	"context"
	"fmt"
	"strconv"

	lua "github.com/yuin/gopher-lua"

	"github.com/reslua/reslua/breaker"
	"github.com/reslua/reslua/engine"
	"github.com/reslua/reslua/internal/suggest"
)

// target is the userdata target { ... } returns.
type target struct {
	spec engine.TargetSpec
	// t is the engine's target; nil for a placeholder.
	t *engine.Target
}

func (*target) kind() string     { return "target" }
func (t *target) String() string { return "target " + strconv.Quote(t.spec.Name) }

var targetMethods = map[string]lua.LGFunction{
	"name": func(L *lua.LState) int {
		L.Push(lua.LString(self[*target](L, "name").spec.Name))
		return 1
	},
	"url": func(L *lua.LState) int {
		L.Push(lua.LString(self[*target](L, "url").spec.URL))
		return 1
	},
}

// target implements
//
//	target { name = "blue", url = "http://...", timeout = "5s",
//	         protocol_version = "2025-06-18", headers = { ["X-A"] = "b" } }
//
// which adds a target to the run (engine.Run.AddTarget). A target whose
// table has problems becomes, in check mode, a placeholder that loads
// accept without further complaint.
func (b *binder) target(L *lua.LState) int {
	f := newArgs(L, "target", `{ name = "blue", url = "http://127.0.0.1:3001/mcp" }`)
	spec := engine.TargetSpec{
		Name:            f.str("name", required),
		URL:             f.str("url", required),
		Timeout:         f.nonzeroDuration("timeout", optional, engine.DefaultTimeout.String()),
		ProtocolVersion: f.str("protocol_version", optional),
		Headers:         f.stringMap("headers", optional),
		Breaker:         breakerSettings(f),
		Chaos:           f.boolean("chaos", optional),
	}
	f.done()
	tg := &target{spec: spec}
	if _, dup := b.targets[spec.Name]; !dup && spec.Name != "" {
		b.targets[spec.Name] = tg
	}
	if probs := f.validate(spec.Validate()); len(probs) > 0 {
		b.report(L, probs...)
	} else if t, err := b.run.AddTarget(spec); err != nil {
		b.report(L, engineProblems("target", err, nil)...)
	} else {
		tg.t = t
	}
	L.Push(wrap(L, tg, b.targetType))
	return 1
}

// breakerSettings decodes a target's client-side breaker:
//
//	breaker = { consecutive_failures = 5, failure_rate = 0.5, min_calls = 20,
//	            window = 100 (last calls) or "10s" (time), window_buckets = 10,
//	            slow_call = "500ms", slow_call_rate = 0.5, failures_per_window = 10,
//	            open_for = "2s", backoff = "fixed" | "doubling" | "exponential" | "linear",
//	            max_open = "1m", half_open_permits = 3, success_threshold = 2,
//	            fallback = true }
//
// The engine validates the values (breaker.New); nil when absent.
func breakerSettings(f *fields) *breaker.Settings {
	t := f.table("breaker", optional)
	if t == nil {
		return nil
	}
	bf := newFields(t, f.ctx+": breaker", `{ consecutive_failures = 5, open_for = "2s" }`)
	s := &breaker.Settings{
		ConsecutiveFailures: bf.nonzeroInt("consecutive_failures", optional, "off, or 5 when no other rule is set"),
		FailureRate:         bf.number("failure_rate", optional),
		SlowCallRate:        bf.number("slow_call_rate", optional),
		SlowCallThreshold:   bf.duration("slow_call", optional),
		FailuresPerWindow:   bf.integer("failures_per_window", optional),
		MinCalls:            bf.nonzeroInt("min_calls", optional, "10, or the size of a smaller window"),
		WindowBuckets:       bf.nonzeroInt("window_buckets", optional, "10"),
		HalfOpenPermits:     bf.nonzeroInt("half_open_permits", optional, "success_threshold, or 1"),
		SuccessThreshold:    bf.nonzeroInt("success_threshold", optional, "half_open_permits, or 1"),
	}
	if bf.boolean("fallback", optional) {
		// The client answers a refused call itself (a cached or default
		// reply): counted as "fallback", not as a failure.
		s.Fallback = func(context.Context, error) error { return nil }
	}
	switch w := bf.get("window", optional).(type) {
	case *lua.LNilType:
	case lua.LNumber:
		if s.WindowSize = bf.toInt("window", w); s.WindowSize == 0 {
			bf.refuseZero("window", "a number of calls", "0", "the last 100 calls")
		}
	default:
		s.WindowDuration = bf.nonzeroDuration("window", optional, "the last 100 calls")
	}
	openFor := bf.nonzeroDuration("open_for", optional, "60s, doubling")
	maxOpen := bf.nonzeroDuration("max_open", optional, "no cap")
	kind := bf.str("backoff", optional)
	if kind != "" && openFor == 0 {
		bf.fail("open_for", "required with backoff = %q: the first open period", kind)
	}
	switch kind {
	case "", "fixed":
		if openFor > 0 {
			s.OpenFor = breaker.Fixed(openFor)
		}
	case "doubling":
		s.OpenFor = breaker.Doubling(openFor)
	case "exponential":
		s.OpenFor = breaker.Exponential{Initial: openFor, Max: maxOpen}
	case "linear":
		s.OpenFor = breaker.Linear{Base: openFor, Max: maxOpen}
	default:
		msg := fmt.Sprintf("expected fixed, doubling, exponential or linear, got %q", kind)
		if alt := suggest.Closest(kind, []string{"fixed", "doubling", "exponential", "linear"}); alt != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", alt)
		}
		bf.fail("backoff", "%s", msg)
	}
	if openFor < 0 {
		bf.fail("open_for", "must not be negative, got %s", openFor)
	}
	bf.done()
	f.problems = append(f.problems, bf.problems...)
	if len(bf.problems) > 0 {
		f.markBad("breaker")
		return nil
	}
	return s
}
