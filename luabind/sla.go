package luabind

import (
	"fmt"
	"slices"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/reslua/reslua/engine"
)

// slaExample shows the shape sla expects, for messages.
const slaExample = `{ { "p95", "< 250ms" }, { "error_rate", "< 1%" } }`

// sla implements
//
//	sla { { "p95", "< 250ms" }, { "p99", "< 50ms", request = "tools/call echo", load = "blue" },
//	      { "p95", "< 300ms", during = "fault", sustained = "5s" },
//	      { "error_rate", "< 2%", from = "20s", to = "35s" },
//	      { "time_to_recover", "< 10s", stable = "5s", steady_p95 = "50ms", steady_error_rate = "1%" } }
//
// which adds checks to the run (engine.Run.AddChecks), each with Where set
// to the sla call's "path:line". Metrics, thresholds and time scopes are
// validated by engine.ParseCheck; whether a scope names a real load,
// request or phase is known only at Run.Finish.
func (b *binder) sla(L *lua.LState) int {
	f := newArgs(L, "sla", slaExample)
	where := position(L)
	var specs []engine.CheckSpec
	if f.tbl != nil {
		n := f.tbl.Len()
		for _, p := range sortedPairs(f.tbl) {
			if i, ok := p.k.(lua.LNumber); ok && float64(i) == float64(int(i)) && int(i) >= 1 && int(i) <= n {
				continue
			}
			f.problems = append(f.problems, fmt.Sprintf("sla: unexpected %s; sla is a list of checks such as %s", keyed(p), slaExample))
		}
		if n == 0 {
			f.problems = append(f.problems, "sla: expected at least one check, as in sla "+slaExample)
		}
		if _, flat := f.tbl.RawGetInt(1).(lua.LString); flat {
			// sla { "p95", "< 250ms" }: one check without its own braces.
			f.problems = append(f.problems, "sla: expected a list of checks, each in its own braces, as in sla "+slaExample)
			n = 0
		}
		for i := 1; i <= n; i++ {
			ctx := fmt.Sprintf("sla: check %d", i)
			ef := newFields(f.tbl.RawGetInt(i), ctx, `{ "p95", "< 250ms" }`)
			spec := engine.CheckSpec{
				Metric:          ef.toString("metric", ef.index(1, "metric", required)),
				Threshold:       ef.toString("threshold", ef.index(2, "threshold", required)),
				Request:         ef.str("request", optional),
				Load:            ef.str("load", optional),
				Tag:             ef.str("tag", optional),
				During:          ef.str("during", optional),
				From:            ef.duration("from", optional),
				To:              ef.positiveDuration("to"),
				Sustained:       ef.positiveDuration("sustained"),
				Stable:          ef.positiveDuration("stable"),
				SteadyP95:       ef.positiveDuration("steady_p95"),
				SteadyErrorRate: ef.str("steady_error_rate", optional),
				AbortOnFail:     ef.boolean("abort_on_fail", optional),
				Route:           ef.str("route", optional),
				Where:           where,
			}
			if ef.tbl != nil && ef.tbl.RawGetString("for") != lua.LNil {
				// { ["for"] = "10s" }: for is a Lua keyword, so the key
				// is sustained; said here rather than as a near miss.
				ef.read[lua.LString("for")] = true
				ef.fail("for", `for is a Lua keyword; a sustained check is written sustained = "10s"`)
			}
			if spec.During == "" && ef.tbl != nil && ef.tbl.RawGetString("during") == lua.LString("") {
				ef.fail("during", "expected a phase kind (fault, rollout, step) or a phase's name, got an empty string")
			}
			ef.done()
			f.problems = append(f.problems, ef.problems...)
			if !ef.ok() {
				continue
			}
			if _, err := engine.ParseCheck(spec); err != nil {
				f.problems = append(f.problems, ctx+": "+err.Error())
				continue
			}
			specs = append(specs, spec)
		}
	}
	if len(f.problems) > 0 {
		b.report(L, f.problems...)
	}
	if b.check {
		for i := range specs {
			if b.invalidLoads[specs[i].Load] {
				specs[i].Load = ""
			}
			if b.invalidRequests[specs[i].Request] {
				specs[i].Request = ""
			}
		}
	}
	if err := b.run.AddChecks(specs...); err != nil {
		// Not expected: every spec passed ParseCheck.
		b.report(L, "sla: "+err.Error())
	}
	return 0
}

// positiveDuration reads an optional duration that must be > 0 when
// given, since zero means "not given" in the engine's spec.
func (f *fields) positiveDuration(key string) time.Duration {
	d := f.duration(key, optional)
	if d == 0 && f.tbl != nil && f.tbl.RawGetString(key) != lua.LNil && !slices.Contains(f.bad, key) {
		f.fail(key, "expected a duration > 0, got %s", describe(f.tbl.RawGetString(key)))
	}
	return d
}
