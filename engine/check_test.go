package engine

import (
	"strings"
	"testing"
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
