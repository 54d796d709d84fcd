package engine

import (
	"math"
	"strings"
	"testing"
	"time"
)

func TestParseCheck(t *testing.T) {
	for _, tc := range []struct {
		metric, threshold string
		measured          float64
		holds             bool
	}{
		{"p95", "< 250ms", 249.9, true},
		{"p95", "< 250ms", 250, false},
		{"p99", "<= 1.5s", 1500, true},
		{"error_rate", "< 1%", 0.0099, true},
		{"error_rate", "< 1%", 0.01, false},
		{"error_rate", "<= 0.05", 0.05, true},
		{"rate", "> 250", 250.1, true},
		{"rate", ">= 250/s", 249, false},
		{"dropped", "== 0", 0, true},
		{"dropped", "== 0", 1, false},
		{"errors", "!= 0", 0, false},
		{"max", ">=2ms", 2, true},
	} {
		c, err := ParseCheck(CheckSpec{Metric: tc.metric, Threshold: tc.threshold})
		if err != nil {
			t.Errorf("%s %s: %v", tc.metric, tc.threshold, err)
			continue
		}
		if got := c.Holds(tc.measured); got != tc.holds {
			t.Errorf("%s %s with %g: holds = %v, want %v", tc.metric, tc.threshold, tc.measured, got, tc.holds)
		}
	}
}

func TestParseCheckErrors(t *testing.T) {
	for _, tc := range []struct{ metric, threshold, want string }{
		{"P95", "< 1s", `unknown metric "P95" (did you mean "p95"?)`},
		{"eror_rate", "< 1%", `did you mean "error_rate"?`},
		{"latency", "< 1s", `unknown metric "latency"; expected one of`},
		{"p95", "fast", `must start with one of < <= > >= == !=, as in "< 250ms"`},
		{"p95", "< 3 seconds", `expected a duration such as 250ms or 1.5s, got "3 seconds"`},
		{"p95", "< -1ms", `expected a duration`},
		{"error_rate", "< 150%", `between 0% and 100%`},
		{"error_rate", "< 2", `a ratio between 0 and 1`},
		{"rate", "> lots", `expected requests per second`},
		{"dropped", "== 0.5", `expected a whole number`},
	} {
		_, err := ParseCheck(CheckSpec{Metric: tc.metric, Threshold: tc.threshold})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s %q: error %v, want it to contain %q", tc.metric, tc.threshold, err, tc.want)
		}
	}
}

func FuzzParseCheck(f *testing.F) {
	for _, s := range []string{"< 250ms", ">= 1%", "== 0", "> 300/s", "<", "", "<= 1e309ms"} {
		f.Add("p95", s)
		f.Add("error_rate", s)
	}
	f.Fuzz(func(t *testing.T, metric, threshold string) {
		c, err := ParseCheck(CheckSpec{Metric: metric, Threshold: threshold})
		if err == nil {
			_ = c.Holds(1)
			_ = c.String()
		}
	})
}

func TestParseCheckTimeScopes(t *testing.T) {
	s := time.Second
	for _, tc := range []struct {
		spec CheckSpec
		want string // "" for valid
	}{
		{CheckSpec{Metric: "p95", Threshold: "< 1s", During: "fault"}, ""},
		{CheckSpec{Metric: "p95", Threshold: "< 1s", From: 20 * s, To: 35 * s, Sustained: 5 * s}, ""},
		{CheckSpec{Metric: "rate", Threshold: "> 100", Sustained: 10 * s}, ""},
		{CheckSpec{Metric: "time_to_detect", Threshold: "< 5s"}, ""},
		{CheckSpec{Metric: "time_to_recover", Threshold: "< 10s", During: "green latency", Stable: 3 * s, SteadyP95: 50 * time.Millisecond, SteadyErrorRate: "1%", Load: "blue"}, ""},
		{CheckSpec{Metric: "lost_requests", Threshold: "== 0", During: "step"}, ""},
		{CheckSpec{Metric: "breaker_opens", Threshold: "<= 1", From: 10 * s}, ""},
		{CheckSpec{Metric: "p95", Threshold: "< 1s", During: " fault"}, `during: expected a phase kind (fault, rollout, step) or a phase's name, without surrounding spaces`},
		{CheckSpec{Metric: "p95", Threshold: "< 1s", From: -s}, "from: expected an offset from the run's start >= 0, got -1s"},
		{CheckSpec{Metric: "p95", Threshold: "< 1s", To: -s}, "to: expected an offset"},
		{CheckSpec{Metric: "p95", Threshold: "< 1s", From: 20 * s, To: 10 * s}, "to: expected an offset after from (20s), got 10s"},
		{CheckSpec{Metric: "p95", Threshold: "< 1s", During: "fault", To: 10 * s}, "during and from/to exclude each other"},
		{CheckSpec{Metric: "p95", Threshold: "< 1s", Sustained: 1500 * time.Millisecond}, `sustained: expected whole seconds such as "10s"`},
		{CheckSpec{Metric: "p95", Threshold: "< 1s", Sustained: -s}, `sustained: expected whole seconds`},
		{CheckSpec{Metric: "count", Threshold: "== 0", Sustained: 5 * s}, "sustained: expected a threshold with < <= > or >="},
		{CheckSpec{Metric: "time_to_recover", Threshold: "< 1s", Sustained: 5 * s}, "sustained: time_to_recover has one value for the whole scope"},
		{CheckSpec{Metric: "service_p95", Threshold: "< 1s", During: "fault"}, "service_p95 has no per-second series"},
		{CheckSpec{Metric: "service_p95", Threshold: "< 1s", Sustained: 2 * s}, "service_p95 has no per-second series"},
		{CheckSpec{Metric: "time_to_detect", Threshold: "< 1s", Request: "a"}, "request: time_to_detect is measured on the run's timeline, not on requests"},
		{CheckSpec{Metric: "breaker_opens", Threshold: "== 0", Load: "a"}, "load: breaker_opens is measured on the run's timeline"},
		{CheckSpec{Metric: "p95", Threshold: "< 1s", Stable: 5 * s}, "stable: applies to time_to_recover only, not to p95"},
		{CheckSpec{Metric: "error_rate", Threshold: "< 1%", SteadyErrorRate: "1%"}, "steady_error_rate: applies to time_to_recover only"},
		{CheckSpec{Metric: "time_to_recover", Threshold: "< 1s", Stable: 500 * time.Millisecond}, "stable: expected whole seconds"},
		{CheckSpec{Metric: "time_to_recover", Threshold: "< 1s", SteadyErrorRate: "lots"}, "steady_error_rate: expected a percentage such as 1%"},
		{CheckSpec{Metric: "time_to_recover", Threshold: "< 1s", SteadyP95: -s}, "steady_p95: expected a duration > 0"},
		{CheckSpec{Metric: "time_to_detect", Threshold: "< soon"}, "expected a duration such as 250ms"},
	} {
		_, err := ParseCheck(tc.spec)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%+v: %v", tc.spec, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%+v: error %v, want %q", tc.spec, err, tc.want)
		}
	}
}

func TestCheckStringAndNever(t *testing.T) {
	for _, tc := range []struct {
		spec CheckSpec
		want string
	}{
		{CheckSpec{Metric: "p95", Threshold: "< 300ms", During: "fault"}, "p95 < 300ms [during fault]"},
		{CheckSpec{Metric: "p95", Threshold: "< 300ms", Load: "blue", Request: "a", During: "green 25%"}, "p95 < 300ms [load=blue request=a, during green 25%]"},
		{CheckSpec{Metric: "error_rate", Threshold: "< 1%", From: 20 * time.Second, To: 35 * time.Second}, "error_rate < 1% [from 20s to 35s]"},
		{CheckSpec{Metric: "error_rate", Threshold: "< 1%", To: 35 * time.Second, Sustained: 3 * time.Second}, "error_rate < 1% [to 35s, sustained 3s]"},
		{CheckSpec{Metric: "time_to_recover", Threshold: "< 10s", Stable: 3 * time.Second, SteadyP95: 50 * time.Millisecond, SteadyErrorRate: "2%"},
			"time_to_recover < 10s [stable 3s, steady p95 50ms, steady error_rate 2%]"},
	} {
		c, err := ParseCheck(tc.spec)
		if err != nil {
			t.Fatal(err)
		}
		if got := c.String(); got != tc.want {
			t.Errorf("String() = %q, want %q", got, tc.want)
		}
	}
	c, _ := ParseCheck(CheckSpec{Metric: "time_to_detect", Threshold: "< 5s"})
	never := math.Inf(1)
	if c.Holds(never) || c.Format(never) != "never" {
		t.Errorf("never: holds %v, format %q", c.Holds(never), c.Format(never))
	}
	c, _ = ParseCheck(CheckSpec{Metric: "time_to_detect", Threshold: "> 5s"})
	if !c.Holds(never) {
		t.Error("never should hold > 5s")
	}
}
