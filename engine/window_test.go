package engine

import (
	"encoding/json"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// TestRatesAreOverThePlannedWindow: a load's window is its planned
// duration, not its last arrival, and every rate shown (the summary's
// header and rows, results.json, a whole-run rate check and a time-scoped
// one) is over it. Before, 0.2/s for 10s ended at its second arrival (5 s)
// and reported 0.4/s; a one-request load reported 33425.8/s over 0s.
func TestRatesAreOverThePlannedWindow(t *testing.T) {
	for _, tc := range []struct {
		name      string
		rate      float64
		dur       time.Duration
		count     int64
		want      float64
		summary   string
		summaryRq string
	}{
		{"0.2/s for 10s", 0.2, 10 * time.Second, 2, 0.2, "achieved 0.2/s over 10s", "0.2/s"},
		{"one request", 1, time.Second, 1, 1, "achieved 1.0/s over 1s", "1.0/s"},
		{"3/s for 2s", 3, 2 * time.Second, 6, 3, "achieved 3.0/s over 2s", "3.0/s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				start := time.Now()
				l := testLoad(tc.rate, tc.dur, 2, 10, 1)
				r := runLoad(l, sleepSender(func(int64) time.Duration { return time.Millisecond }))
				if r.Scheduled != tc.count || r.Completed() != tc.count {
					t.Fatalf("scheduled %d, completed %d; want %d", r.Scheduled, r.Completed(), tc.count)
				}
				if r.Elapsed != tc.dur {
					t.Errorf("window %s, want the planned %s", r.Elapsed, tc.dur)
				}
				if took := time.Since(start); took != tc.dur {
					t.Errorf("the load ended after %s on the fake clock, want its planned %s", took, tc.dur)
				}
				res := &Result{Elapsed: tc.dur, Loads: []LoadResult{r}}

				var sum strings.Builder
				res.WriteSummary(&sum, RunMeta{})
				if !strings.Contains(sum.String(), tc.summary) {
					t.Errorf("summary lacks %q:\n%s", tc.summary, sum.String())
				}
				if row := summaryRow(sum.String(), "a"); !strings.Contains(row, " "+tc.summaryRq+" ") {
					t.Errorf("summary row %q lacks the rate %s", row, tc.summaryRq)
				}

				data, err := res.JSON(RunMeta{})
				if err != nil {
					t.Fatal(err)
				}
				var f struct {
					Loads []struct {
						ElapsedMS float64 `json:"elapsed_ms"`
						Requests  []struct {
							Rate float64 `json:"rate"`
						} `json:"requests"`
					} `json:"loads"`
				}
				if err := json.Unmarshal(data, &f); err != nil {
					t.Fatal(err)
				}
				if fl := f.Loads[0]; fl.ElapsedMS != float64(tc.dur.Milliseconds()) || !near(fl.Requests[0].Rate, tc.want) {
					t.Errorf("results.json: elapsed_ms %g, rate %g; want %d, %g", fl.ElapsedMS, fl.Requests[0].Rate, tc.dur.Milliseconds(), tc.want)
				}

				for _, spec := range []CheckSpec{
					{Metric: "rate", Threshold: "> 0"},
					{Metric: "rate", Threshold: "> 0", From: 0, To: tc.dur},
				} {
					c, err := ParseCheck(spec)
					if err != nil {
						t.Fatal(err)
					}
					if got := res.evaluate(c); !near(got.Measured, tc.want) {
						t.Errorf("check %s (from %s to %s): measured %g, want %g", c, spec.From, spec.To, got.Measured, tc.want)
					}
				}
			})
		})
	}
}

func near(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }

// summaryRow returns the summary's table row of request name.
func summaryRow(summary, name string) string {
	for _, line := range strings.Split(summary, "\n") {
		if f := strings.Fields(line); len(f) > 0 && f[0] == name {
			return line + " "
		}
	}
	return ""
}
