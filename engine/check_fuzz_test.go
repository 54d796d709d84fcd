package engine

import (
	"testing"
	"time"

	"github.com/reslua/reslua/engine/outcome"
)

// scopeResult is a small finished run to evaluate fuzzed checks against:
// a fault and a rollout step on the timeline, a tagged load with five
// seconds of traffic, a router with one route.
func scopeResult() *Result {
	s := time.Second
	r := &Result{Elapsed: 5 * s, Phases: []Phase{{Kind: "fault", Name: "green slow", Start: s, End: 2 * s},
		{Kind: "rollout", Name: "green", Start: 0, End: 3 * s}, {Kind: "step", Name: "green 50%", Start: 0, End: 3 * s}}}
	q := RequestResult{Name: "tools/list", Count: 50, Errors: map[outcome.Kind]int64{outcome.Timeout: 2},
		Latency: newHistogram(), Service: newHistogram(), Wait: newHistogram()}
	for i := range 5 {
		h := &SecondHistogram{}
		h.RecordValues(int64(1000*(i+1)), 10)
		q.Latency.RecordValues(int64(1000*(i+1)), 10)
		q.Service.RecordValues(int64(900*(i+1)), 10)
		q.Seconds = append(q.Seconds, SecondStats{Offset: time.Duration(i) * s, Count: 10, Latency: h,
			Errors: map[outcome.Kind]int64{outcome.Timeout: int64(i % 2)}})
	}
	r.Loads = []LoadResult{{Name: "traffic", Tags: map[string]string{"tier": "gold"}, Elapsed: 5 * s, Scheduled: 50,
		Lag: newHistogram(), Requests: []RequestResult{q}}}
	r.Routers = []RouterResult{{Name: "mcp", Requests: 50, Routes: []RouteResult{{Name: "blue", Weight: 100, Requests: 50}}}}
	return r
}

// FuzzCheckScope parses checks with any scope (during, tag, route, load,
// request, from/to, sustained, stable, steady state) and evaluates those
// that parse against a finished run: an error or a result, never a panic,
// and a measured value that is a number.
func FuzzCheckScope(f *testing.F) {
	s := int64(time.Second)
	for _, c := range []CheckSpec{
		{Metric: "p95", Threshold: "< 1s", During: "fault"},
		{Metric: "error_rate", Threshold: "< 5%", During: "green slow", Sustained: time.Second},
		{Metric: "error_rate", Threshold: "< 5%", During: "fault green slow", Load: "traffic"},
		{Metric: "count", Threshold: "> 0", Tag: "tier=gold", Request: "tools/list"},
		{Metric: "p99", Threshold: "< 2s", From: time.Second, To: 3 * time.Second},
		{Metric: "time_to_recover", Threshold: "< 10s", During: "fault", Stable: 2 * time.Second, SteadyP95: time.Millisecond, SteadyErrorRate: "< 1%"},
		{Metric: "time_to_detect", Threshold: "< 1s", During: "step"},
		{Metric: "p95", Threshold: "< 1s", Route: "blue"},
		{Metric: "lost_rate", Threshold: "< 1%", During: "no such phase"},
		{Metric: "rps", Threshold: ">= 5/s", Sustained: 9223372036 * time.Second, Tag: "=x"},
	} {
		f.Add(c.Metric, c.Threshold, c.During, c.Tag, c.Route, c.Load, c.Request, int64(c.From), int64(c.To),
			int64(c.Sustained), int64(c.Stable), int64(c.SteadyP95), c.SteadyErrorRate, c.AbortOnFail)
	}
	f.Add("p95", "< 1s", "", "", "", "", "", -s, int64(1<<62), int64(1<<63-1), int64(-1), int64(1<<63-1), "<= NaN%", true)
	r := scopeResult()
	f.Fuzz(func(t *testing.T, metric, threshold, during, tag, route, load, request string, from, to, sustained, stable, steadyP95 int64, steadyErr string, abort bool) {
		c, err := ParseCheck(CheckSpec{Metric: metric, Threshold: threshold, During: during, Tag: tag, Route: route, Load: load,
			Request: request, From: time.Duration(from), To: time.Duration(to), Sustained: time.Duration(sustained),
			Stable: time.Duration(stable), SteadyP95: time.Duration(steadyP95), SteadyErrorRate: steadyErr, AbortOnFail: abort})
		if err != nil {
			return
		}
		_ = c.String()
		if r.scopeError(c) != nil {
			return
		}
		res := r.evaluate(c)
		if res.Measured != res.Measured {
			t.Fatalf("%s: measured NaN", c)
		}
		_ = res.Value()
	})
}
