package engine

import (
	"bytes"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/reslua/reslua/engine/outcome"
)

// requestOf builds a request's results from synthetic seconds (second i
// is rows[i], from offset start), with the run-wide histograms to match.
func requestOf(name string, start int, rows ...row) RequestResult {
	q := RequestResult{Name: name, Errors: map[outcome.Kind]int64{}, Latency: newHistogram(), Service: newHistogram(), Wait: newHistogram()}
	for i, r := range rows {
		if r.n == 0 {
			continue
		}
		st := SecondStats{Offset: time.Duration(start+i) * time.Second, Count: r.n, Latency: &SecondHistogram{}}
		st.Latency.RecordValues(int64(r.ms*1000), r.n)
		if r.fail > 0 {
			st.Errors = map[outcome.Kind]int64{"http_5xx": r.fail}
			q.Errors["http_5xx"] += r.fail
		}
		q.Seconds = append(q.Seconds, st)
		q.Count += r.n
		_ = q.Latency.RecordValues(int64(r.ms*1000), r.n)
		_ = q.Service.RecordValues(int64(r.ms*1000), r.n)
	}
	return q
}

// syntheticRun is 30 s of one load "blue" at 100/s: 10 ms before a fault
// from +10s to +20s, 200 ms and 10 % errors during it, 3 s of aftermath
// (100 ms, 30 % errors), then 10 ms again; 5 arrivals dropped at +15s; a
// breaker opening at +12.5s; and a rollout of green in two steps after.
func syntheticRun(t *testing.T) *Result {
	t.Helper()
	rows := concat(repeat(10, row{100, 0, 10}), repeat(10, row{100, 10, 200}), repeat(3, row{100, 30, 100}), repeat(7, row{100, 0, 10}))
	return &Result{
		Elapsed: 30 * time.Second,
		Loads: []LoadResult{{
			Name: "blue", Start: 0, Elapsed: 30 * time.Second, Dropped: 5, Lag: newHistogram(), Tags: map[string]string{"tier": "gold"},
			DroppedSeconds: []SecondCount{{Offset: 15 * time.Second, Count: 5}},
			Requests:       []RequestResult{requestOf("a", 0, rows...)},
		}},
		Phases: []Phase{
			{Kind: "fault", Name: "green latency", Start: 10 * time.Second, End: 20 * time.Second},
			{Kind: "rollout", Name: "green", Start: 24 * time.Second, End: 30 * time.Second},
			{Kind: "step", Name: "green 50%", Start: 24 * time.Second, End: 27 * time.Second},
			{Kind: "step", Name: "green 100%", Start: 27 * time.Second, End: 30 * time.Second},
		},
		Events: []Event{
			{At: 12500 * time.Millisecond, Source: `route "green"`, Kind: "breaker", Message: "closed → open", Detection: true},
		},
	}
}

func TestMatchPhases(t *testing.T) {
	phases := syntheticRun(t).Phases
	names := func(ps []Phase) []string {
		var out []string
		for _, p := range ps {
			out = append(out, p.Kind+" "+p.Name)
		}
		return out
	}
	for _, tc := range []struct {
		during string
		want   []string
		err    string
	}{
		{"fault", []string{"fault green latency"}, ""},
		{"step", []string{"step green 50%", "step green 100%"}, ""},
		{"rollout", []string{"rollout green"}, ""},
		{"green 50%", []string{"step green 50%"}, ""},
		{"step green 100%", []string{"step green 100%"}, ""},
		{"green", []string{"rollout green"}, ""},
		{"green latency", []string{"fault green latency"}, ""},
		{"gren latency", nil, `during: no phase named "gren latency" on the run's timeline (did you mean "green latency"?); known: fault, green, green 100%, green 50%, green latency, rollout, step`},
		{"canary", nil, `no phase named "canary"`},
	} {
		got, err := matchPhases(tc.during, phases)
		switch {
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%q: error %v, want %q", tc.during, err, tc.err)
		case tc.err == "" && (err != nil || !slices.Equal(names(got), tc.want)):
			t.Errorf("%q: %v, %v; want %v", tc.during, names(got), err, tc.want)
		}
	}
	if got, err := matchPhases("fault", nil); err != nil || len(got) != 0 {
		t.Errorf("a kind without phases: %v, %v", got, err)
	}
	if _, err := matchPhases("green", nil); err == nil || !strings.Contains(err.Error(), "the timeline had no phases") {
		t.Errorf("a name without phases: %v", err)
	}
}

func TestScopeSeconds(t *testing.T) {
	for _, tc := range []struct {
		name       string
		start, end float64
		want       []int
	}{
		{"whole seconds", 10, 15, []int{10, 11, 12, 13, 14}},
		{"starts early in a second", 10.4, 15.4, []int{10, 11, 12, 13, 14}},
		{"starts late in a second", 10.6, 15.6, []int{11, 12, 13, 14, 15}},
		{"shorter than a second", 10.6, 10.9, []int{10}},
		{"shorter, across seconds", 10.9, 11.4, []int{11}},
		{"empty", 10, 10, nil},
		{"past the end", 18, 25, []int{18, 19}},
	} {
		in := scopeSeconds([]Phase{{Start: sec(tc.start), End: sec(tc.end)}}, 20)
		var got []int
		for s, ok := range in {
			if ok {
				got = append(got, s)
			}
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
	// Adjacent phases share no second.
	in := scopeSeconds([]Phase{{Start: sec(2.5), End: sec(5.5)}}, 10)
	in2 := scopeSeconds([]Phase{{Start: sec(5.5), End: sec(8.5)}}, 10)
	for s := range in {
		if in[s] && in2[s] {
			t.Errorf("second %d in both", s)
		}
	}
}

func TestSustainedVerdict(t *testing.T) {
	v := func(x float64) sample { return sample{state: valued, v: x} }
	q := sample{state: silent}
	o := sample{state: outside}
	for _, tc := range []struct {
		name      string
		threshold string
		xs        []sample
		d         int
		measured  float64
		windows   int
		breach    breach
	}{
		{"3 s above", "< 300ms", []sample{v(200), v(400), v(400), v(400), v(200)}, 3, 400, 3, breach{1, 3}},
		{"never 3 s in a row", "< 300ms", []sample{v(400), v(400), v(200), v(400), v(400)}, 3, 200, 3, breach{-1, 0}},
		{"6 s above", "< 300ms", []sample{v(400), v(500), v(400), v(450), v(400), v(400)}, 3, 400, 4, breach{0, 6}},
		{"silence while sending neither breaks nor holds", "< 300ms", []sample{v(200), v(400), q, v(400), v(200)}, 3, 400, 3, breach{1, 3}},
		{"silence only is no window", "< 300ms", []sample{q, q, q, v(400)}, 3, 400, 1, breach{1, 3}},
		{"outside ends a run", "< 300ms", []sample{v(400), v(400), o, v(400), v(400)}, 3, math.Inf(-1), 0, breach{-1, 0}},
		{"rate too low", "> 190", []sample{v(200), v(150), v(150), v(150), v(200)}, 3, 150, 3, breach{1, 3}},
		{"rate dips", ">= 190", []sample{v(200), v(150), v(195), v(150), v(200)}, 3, 195, 3, breach{-1, 0}},
		{"1 s is the plain per-second check", "<= 1", []sample{v(0), v(2), v(0)}, 1, 2, 3, breach{1, 1}},
	} {
		c, err := ParseCheck(CheckSpec{Metric: "p95", Threshold: tc.threshold})
		if strings.HasPrefix(tc.threshold, ">") || tc.threshold == "<= 1" {
			c, err = ParseCheck(CheckSpec{Metric: "rate", Threshold: tc.threshold})
		}
		if err != nil {
			t.Fatal(err)
		}
		m, n, b := sustainedVerdict(c, tc.xs, tc.d)
		if m != tc.measured || n != tc.windows || b != tc.breach {
			t.Errorf("%s: measured %g, %d windows, breach %+v; want %g, %d, %+v", tc.name, m, n, b, tc.measured, tc.windows, tc.breach)
		}
		if n > 0 && c.Holds(m) != (b.At < 0) {
			t.Errorf("%s: holds(%g) = %v but breach %+v", tc.name, m, c.Holds(m), b)
		}
	}
}

func TestEvaluateScoped(t *testing.T) {
	r := syntheticRun(t)
	for _, tc := range []struct {
		spec     CheckSpec
		passed   bool
		noData   bool
		measured string
		detail   string
	}{
		{CheckSpec{Metric: "p95", Threshold: "< 300ms", During: "fault"}, true, false, "200ms", ""},
		{CheckSpec{Metric: "p95", Threshold: "< 100ms", During: "fault"}, false, false, "200ms", ""},
		{CheckSpec{Metric: "p95", Threshold: "< 100ms", During: "green latency", Load: "blue"}, false, false, "200ms", ""},
		{CheckSpec{Metric: "p95", Threshold: "< 100ms", During: "fault", Request: "a", Tag: "tier=gold"}, false, false, "200ms", ""},
		{CheckSpec{Metric: "p95", Threshold: "< 20ms", From: sec(0), To: sec(10)}, true, false, "10.00ms", ""},
		{CheckSpec{Metric: "p95", Threshold: "< 20ms", During: "step"}, true, false, "10.00ms", ""},
		{CheckSpec{Metric: "p95", Threshold: "< 20ms"}, false, false, "200ms", ""}, // the whole run, from the HDR histograms
		{CheckSpec{Metric: "error_rate", Threshold: "< 1%", To: sec(10)}, true, false, "0.00%", ""},
		{CheckSpec{Metric: "error_rate", Threshold: "< 5%", During: "fault"}, false, false, "10.00%", ""},
		{CheckSpec{Metric: "rate", Threshold: ">= 100", During: "fault"}, true, false, "100.0/s", ""},
		{CheckSpec{Metric: "count", Threshold: "== 1000", During: "fault"}, true, false, "1000", ""},
		{CheckSpec{Metric: "errors", Threshold: "== 100", During: "fault"}, true, false, "100", ""},
		{CheckSpec{Metric: "dropped", Threshold: "== 5", During: "fault"}, true, false, "5", ""},
		{CheckSpec{Metric: "dropped", Threshold: "== 0", From: sec(20)}, true, false, "0", ""},
		{CheckSpec{Metric: "max", Threshold: "< 150ms", From: sec(20), To: sec(23)}, true, false, "100ms", ""},
		// Sustained.
		{CheckSpec{Metric: "p95", Threshold: "< 150ms", Sustained: 5 * time.Second}, false, false, "200ms", "broken for 10s from +10s"},
		{CheckSpec{Metric: "p95", Threshold: "< 150ms", Sustained: 11 * time.Second}, true, false, "100ms", ""},
		{CheckSpec{Metric: "error_rate", Threshold: "< 20%", Sustained: 3 * time.Second}, false, false, "30.00%", "broken for 3s from +20s"},
		{CheckSpec{Metric: "error_rate", Threshold: "< 20%", Sustained: 3 * time.Second, During: "fault"}, true, false, "10.00%", ""},
		{CheckSpec{Metric: "rate", Threshold: "> 99", Sustained: 2 * time.Second}, true, false, "100.0/s", ""},
		// Scopes that match nothing.
		{CheckSpec{Metric: "p95", Threshold: "< 1s", During: "gren latency"}, false, true, "", `(did you mean "green latency"?)`},
		{CheckSpec{Metric: "time_to_detect", Threshold: "< 1s", During: "step green 10%"}, false, true, "", `no phase named "step green 10%"`},
		{CheckSpec{Metric: "p95", Threshold: "< 1s", From: sec(40)}, false, true, "", "from 40s is not before the run's end (+30s)"},
		{CheckSpec{Metric: "p95", Threshold: "< 1s", Load: "green", During: "fault"}, false, true, "", ""},
		{CheckSpec{Metric: "p95", Threshold: "< 1s", Sustained: 40 * time.Second}, false, true, "", "no 40s of traffic in scope"},
	} {
		c, err := ParseCheck(tc.spec)
		if err != nil {
			t.Fatal(err)
		}
		got := r.evaluate(c)
		m := c.Format(got.Measured)
		if got.Passed != tc.passed || got.NoData != tc.noData || tc.measured != "" && m != tc.measured || !strings.Contains(got.Detail, tc.detail) {
			t.Errorf("%s: passed %v, no data %v, measured %s, detail %q; want %v, %v, %s, %q", c, got.Passed, got.NoData, m, got.Detail, tc.passed, tc.noData, tc.measured, tc.detail)
		}
	}
	c, _ := ParseCheck(CheckSpec{Metric: "p95", Threshold: "< 1s", During: "gren latency"})
	if err := r.scopeError(c); err == nil || !strings.Contains(err.Error(), `did you mean "green latency"?`) {
		t.Errorf("scopeError = %v", err)
	}
	c, _ = ParseCheck(CheckSpec{Metric: "p95", Threshold: "< 1s", During: "fault"})
	if err := r.scopeError(c); err != nil {
		t.Errorf("scopeError = %v", err)
	}
}

// The summary shows each check's scope and what its value means.
func TestSummaryShowsScopes(t *testing.T) {
	r := syntheticRun(t)
	for _, s := range []CheckSpec{
		{Metric: "p95", Threshold: "< 300ms", During: "fault"},
		{Metric: "p95", Threshold: "< 150ms", Load: "blue", Sustained: 5 * time.Second},
		{Metric: "error_rate", Threshold: "< 1%", From: sec(20), To: sec(35)},
		{Metric: "time_to_detect", Threshold: "< 2s"},
		{Metric: "time_to_recover", Threshold: "< 10s", During: "green latency", Stable: 3 * time.Second},
		{Metric: "p95", Threshold: "< 1s", During: "gren latency"},
	} {
		c, err := ParseCheck(s)
		if err != nil {
			t.Fatal(err)
		}
		r.Checks = append(r.Checks, r.evaluate(c))
	}
	var b bytes.Buffer
	r.WriteSummary(&b, RunMeta{})
	out := b.String()
	lines := strings.Split(out, "\n")
	for _, want := range []struct{ check, value, detail string }{
		{"✓ p95 < 300ms [during fault]", "200ms", ""},
		{"✗ p95 < 150ms [load=blue, sustained 5s]", "200ms", "broken for 10s from +10s"},
		{"✗ error_rate < 1% [from 20s to 35s]", "9.00%", ""},
		{"✗ time_to_detect < 2s", "2500ms", `fault "green latency" (+10s to +20s): route "green" breaker at +12.5s`},
		{"✓ time_to_recover < 10s [during green latency, stable 3s]", "3000ms", "back to p95 ≤ 13.00ms, error rate ≤ 1.00% from +23s"},
		{"✗ p95 < 1s [during gren latency]", "no data", `during: no phase named "gren latency" on the run's timeline (did you mean "green latency"?)`},
	} {
		found := false
		for i, line := range lines[:len(lines)-1] {
			if strings.HasPrefix(line, "  "+want.check+" ") && strings.Contains(line, want.value) {
				next := lines[i+1]
				found = want.detail == "" && !strings.HasPrefix(next, "      ") ||
					want.detail != "" && strings.HasPrefix(next, "      ") && strings.Contains(next, want.detail)
			}
		}
		if !found {
			t.Errorf("summary lacks %q with %q and %q:\n%s", want.check, want.value, want.detail, out)
		}
	}
}
