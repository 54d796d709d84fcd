package engine

import (
	"math"
	"strings"
	"testing"
	"time"
)

// row is one synthetic second: n requests, fail of them failed, all
// taking ms milliseconds.
type row struct {
	n, fail int64
	ms      float64
}

func secsOf(rows ...row) []secondData {
	out := make([]secondData, len(rows))
	for i, r := range rows {
		out[i] = secondData{count: r.n, failures: r.fail, active: true}
		out[i].latency.RecordValues(int64(r.ms*1000), r.n)
	}
	return out
}

// repeat returns n copies of r.
func repeat(n int, r row) []row {
	out := make([]row, n)
	for i := range out {
		out[i] = r
	}
	return out
}

func concat(parts ...[]row) []row {
	var out []row
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func sec(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

func TestTimeToDetect(t *testing.T) {
	fault := func(start, end float64) Phase {
		return Phase{Kind: "fault", Name: "f", Start: sec(start), End: sec(end)}
	}
	open := func(at float64) Event {
		return Event{At: sec(at), Source: `route "green"`, Kind: "breaker", Detection: true}
	}
	weights := func(at float64) Event { return Event{At: sec(at), Source: `router "mcp"`, Kind: "weights"} }
	for _, tc := range []struct {
		name   string
		faults []Phase
		events []Event
		want   []float64 // seconds; -1: never
	}{
		{"breaker opens 3.2 s in", []Phase{fault(20, 30)}, []Event{weights(21), open(23.2)}, []float64{3.2}},
		{"at the very start", []Phase{fault(20, 30)}, []Event{open(20)}, []float64{0}},
		{"an earlier detection does not count", []Phase{fault(20, 30)}, []Event{open(5), open(26)}, []float64{6}},
		{"after the fault ended, before the run's end", []Phase{fault(20, 30)}, []Event{open(41)}, []float64{21}},
		{"none", []Phase{fault(20, 30)}, []Event{weights(22)}, []float64{-1}},
		{"two faults, each its first", []Phase{fault(10, 15), fault(30, 35)}, []Event{open(12), open(33.5)}, []float64{2, 3.5}},
		{"the second never", []Phase{fault(10, 15), fault(30, 35)}, []Event{open(12)}, []float64{2, -1}},
	} {
		got := timeToDetect(tc.faults, tc.events)
		for i, w := range tc.want {
			switch {
			case w < 0 && !got[i].never:
				t.Errorf("%s: fault %d detected after %s, want never", tc.name, i, got[i].value)
			case w >= 0 && (got[i].never || got[i].value != sec(w)):
				t.Errorf("%s: fault %d: %+v, want %gs", tc.name, i, got[i], w)
			}
		}
		if w := got[worst(got)]; tc.name == "the second never" && !w.never {
			t.Errorf("worst = %+v, want the undetected one", w)
		}
	}
}

func TestTimeToRecover(t *testing.T) {
	ok := row{100, 0, 10}      // steady: p95 10 ms, no errors
	bad := row{100, 30, 250}   // under the fault
	slowish := row{100, 0, 12} // within 1.2 × 10 ms + 1 ms
	tooSlow := row{100, 0, 14} // not
	flaky := row{100, 5, 10}   // 5 % errors: not within 0 % + 1 point
	quiet := row{0, 0, 0}      // no requests at all
	base := repeat(10, ok)     // seconds 0-9
	fault := repeat(10, bad)   // seconds 10-19, the fault's window
	st := steady{errorRate: 0.01, p95: 13000}
	for _, tc := range []struct {
		name   string
		rows   []row
		end    float64 // the fault's end
		stable int
		want   float64 // seconds; -1: never
	}{
		{"at once", concat(base, fault, repeat(10, ok)), 20, 5, 0},
		{"fault ends mid-second", concat(base, fault, repeat(10, ok)), 19.6, 5, 0.4},
		{"7 s of aftermath", concat(base, fault, repeat(7, bad), repeat(10, ok)), 20, 5, 7},
		{"one good second is not recovery", concat(base, fault, repeat(3, bad), []row{ok, bad}, repeat(10, ok)), 20, 5, 5},
		{"a little slower is steady", concat(base, fault, []row{ok, slowish, slowish, ok, ok}, repeat(5, ok)), 20, 5, 0},
		{"the stretch is judged as a whole", concat(base, fault, []row{ok, flaky}, repeat(5, ok)), 20, 5, 0},
		{"its first second on its own", concat(base, fault, []row{flaky}, repeat(9, ok)), 20, 5, 1},
		{"too slow", concat(base, fault, repeat(3, tooSlow), repeat(5, ok)), 20, 5, 3},
		{"too many errors", concat(base, fault, repeat(2, flaky), repeat(5, ok)), 20, 5, 2},
		{"silence is not recovery", concat(base, fault, repeat(2, quiet), repeat(5, ok)), 20, 5, 2},
		{"stable 1 s", concat(base, fault, repeat(2, bad), []row{ok, bad, ok}), 20, 1, 2},
		{"never", concat(base, fault, repeat(10, bad)), 20, 5, -1},
		{"run ends before stable", concat(base, fault, repeat(4, ok)), 20, 5, -1},
	} {
		secs := secsOf(tc.rows...)
		got := timeToRecover([]Phase{{Kind: "fault", Name: "f", Start: sec(10), End: sec(tc.end)}}, secs, st, tc.stable)[0]
		switch {
		case tc.want < 0 && !got.never:
			t.Errorf("%s: recovered after %s, want never", tc.name, got.value)
		case tc.want >= 0 && (got.never || got.value != sec(tc.want)):
			t.Errorf("%s: %+v, want %gs", tc.name, got, tc.want)
		}
	}
}

func TestSteadyState(t *testing.T) {
	secs := secsOf(concat(repeat(10, row{100, 1, 10}), repeat(5, row{100, 50, 900}))...)
	faults := []Phase{{Kind: "fault", Start: sec(10.5), End: sec(15)}, {Kind: "fault", Start: sec(12), End: sec(13)}}
	rate, p95, n := baseline(secs, faults[0].Start)
	if rate != 0.01 || p95 != 10000 || n != 1000 {
		t.Errorf("baseline = %g, %dµs, %d; want 0.01, 10000µs, 1000 (the whole seconds before +10.5s)", rate, p95, n)
	}
	c, err := ParseCheck(CheckSpec{Metric: "time_to_recover", Threshold: "< 10s"})
	if err != nil {
		t.Fatal(err)
	}
	st, ok := steadyState(c, secs, faults)
	if !ok || math.Abs(st.errorRate-0.02) > 1e-12 || st.p95 != 13000 {
		t.Errorf("default steady state = %+v, %v; want 2 %% and 13 ms", st, ok)
	}
	c, _ = ParseCheck(CheckSpec{Metric: "time_to_recover", Threshold: "< 10s", SteadyP95: 50 * time.Millisecond, SteadyErrorRate: "5%"})
	if st, ok := steadyState(c, secs, faults); !ok || st.errorRate != 0.05 || st.p95 != 50000 {
		t.Errorf("given steady state = %+v, %v", st, ok)
	}
	// Without traffic before the fault, only a fully given steady state
	// will do.
	early := []Phase{{Kind: "fault", Start: sec(0.5), End: sec(3)}}
	if _, ok := steadyState(c, secs, early); !ok {
		t.Error("a given steady state needs no baseline")
	}
	c, _ = ParseCheck(CheckSpec{Metric: "time_to_recover", Threshold: "< 10s", SteadyP95: 50 * time.Millisecond})
	if _, ok := steadyState(c, secs, early); ok {
		t.Error("a half-given steady state without a baseline should not do")
	}
}

func TestBreakerOpens(t *testing.T) {
	events := []Event{
		{At: sec(5), Kind: "breaker", Detection: true},
		{At: sec(12), Kind: "breaker", Detection: true},
		{At: sec(14), Kind: "breaker"}, // half-open → closed
		{At: sec(16), Kind: "gate", Detection: true},
		{At: sec(20), Kind: "breaker", Detection: true}, // at the fault's end: outside
	}
	if n := breakerOpens([]Phase{{Start: sec(10), End: sec(20)}}, events); n != 1 {
		t.Errorf("in the fault: %d, want 1", n)
	}
	if n := breakerOpens([]Phase{{Start: 0, End: sec(30)}}, events); n != 3 {
		t.Errorf("in the run: %d, want 3", n)
	}
}

// A run with a fault from +10s to +20s on a 100/s load: 10 ms before,
// 200 ms and 10 % errors during, 3 s of aftermath, a breaker opening at
// +12.5s; every dynamic check on it, and how the summary shows them.
func TestEvaluateDynamics(t *testing.T) {
	r := syntheticRun(t)
	for _, tc := range []struct {
		spec     CheckSpec
		passed   bool
		measured string
		detail   string
	}{
		{CheckSpec{Metric: "time_to_detect", Threshold: "< 5s"}, true, "2500ms", `fault "green latency" (+10s to +20s): route "green" breaker at +12.5s`},
		{CheckSpec{Metric: "time_to_detect", Threshold: "< 5s", From: sec(13)}, false, "never", `the window (+13s to +30s): no detection by the run's end`},
		{CheckSpec{Metric: "time_to_recover", Threshold: "< 5s"}, true, "3000ms", `fault "green latency" (+10s to +20s): back to p95 ≤ 13.00ms, error rate ≤ 1.00% from +23s`},
		{CheckSpec{Metric: "time_to_recover", Threshold: "< 2s", Stable: 2 * time.Second}, false, "3000ms", ""},
		{CheckSpec{Metric: "time_to_recover", Threshold: "< 10s", SteadyP95: time.Millisecond}, false, "never", `not back to p95 ≤ 1.00ms, error rate ≤ 1.00% for 5s by the run's end`},
		{CheckSpec{Metric: "breaker_opens", Threshold: "== 1", During: "fault"}, true, "1", ""},
		{CheckSpec{Metric: "lost_requests", Threshold: "< 100", During: "fault"}, false, "105", ""},
		{CheckSpec{Metric: "lost_requests", Threshold: "<= 195"}, true, "195", ""},
	} {
		c, err := ParseCheck(tc.spec)
		if err != nil {
			t.Fatal(err)
		}
		got := r.evaluate(c)
		if got.Passed != tc.passed || got.NoData || c.Format(got.Measured) != tc.measured || !strings.Contains(got.Detail, tc.detail) {
			t.Errorf("%s: passed %v, measured %s, detail %q; want %v, %s, %q", c, got.Passed, c.Format(got.Measured), got.Detail, tc.passed, tc.measured, tc.detail)
		}
	}
}
