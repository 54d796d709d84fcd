package engine

import (
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestHealthWarnings(t *testing.T) {
	quiet := LoadResult{Name: "quiet", Lag: newHistogram(), Requests: []RequestResult{{Wait: newHistogram()}}}
	recordDuration(quiet.Lag, 200*time.Microsecond)
	busy := LoadResult{Name: "busy", Dropped: 7, Lag: newHistogram(), Requests: []RequestResult{{Wait: newHistogram()}}}
	recordDuration(busy.Lag, 3*time.Millisecond)
	recordDuration(busy.Requests[0].Wait, 20*time.Millisecond)

	h := health(time.Second, 10*time.Second, 0, []LoadResult{quiet})
	if len(h.Warnings) != 0 {
		t.Errorf("a quiet run warns: %v", h.Warnings)
	}
	cores := runtime.GOMAXPROCS(0)
	h = health(time.Duration(cores)*10*time.Second, 10*time.Second, 2, []LoadResult{quiet, busy})
	got := strings.Join(h.Warnings, "\n")
	for _, want := range []string{
		`load "busy" dropped 7 arrivals`,
		`load "busy": the scheduler ran 3.00ms late at p99`,
		`load "busy": arrivals waited 20.02ms at p99 for a free worker`,
		"the process used 100% of its",
		"(shared with 2 embedded demo servers)",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("warnings lack %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, `"quiet"`) {
		t.Errorf("the quiet load is blamed:\n%s", got)
	}
}
