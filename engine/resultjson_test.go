package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/reslua/reslua/breaker"
	"github.com/reslua/reslua/chaos"
	"github.com/reslua/reslua/deploy"
)

// realResult runs a short real scenario on 127.0.0.1 that touches every
// part of a Result: two demo servers behind a router with breakers, a
// fault on one of them, a load that breaks a client-side breaker on a dead
// port, a canary rollout, an experiment and checks of every kind.
func realResult(t *testing.T) (*Result, Plan) {
	t.Helper()
	ctx := context.Background()
	r := NewRun(Config{Seed: 1})
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	blueURL, err := r.StartDemo(ctx, DemoSpec{Name: "blue", Stateless: true})
	must(err)
	greenURL, err := r.StartDemo(ctx, DemoSpec{Name: "green", Version: "1.1.0", Stateless: true, JSON: true})
	must(err)
	blue, err := r.AddTarget(TargetSpec{Name: "blue", URL: blueURL, Timeout: 2 * time.Second})
	must(err)
	green, err := r.AddTarget(TargetSpec{Name: "green", URL: greenURL, Timeout: 2 * time.Second, Chaos: true})
	must(err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(err)
	deadURL := "http://" + ln.Addr().String() + "/mcp"
	ln.Close() // nothing listens there now: connection refused
	dead, err := r.AddTarget(TargetSpec{Name: "dead", URL: deadURL, Timeout: time.Second,
		Breaker: &breaker.Settings{ConsecutiveFailures: 3, OpenFor: breaker.Fixed(300 * time.Millisecond)}})
	must(err)
	lb, err := r.AddRouter(ctx, RouterSpec{Name: "mcp", Routes: []RouteSpec{{Target: blue, Weight: 50}, {Target: green, Weight: 50}},
		Breaker: &breaker.Settings{FailureRate: 0.5, MinCalls: 10, WindowSize: 20, OpenFor: breaker.Doubling(time.Second)}})
	must(err)
	mix := []MixEntry{
		{Weight: 2, Request: RequestSpec{MCP: &MCPRequest{Method: "tools/list"}}},
		{Weight: 2, Request: RequestSpec{MCP: &MCPRequest{Method: "tools/call", Tool: "echo",
			Params: json.RawMessage(`{"name":"echo","arguments":{"message":"hi"}}`)}}},
		{Weight: 1, Request: RequestSpec{HTTP: &HTTPRequest{Path: "/health"}}},
	}
	// The traffic runs until the script stops it after the rollout: the
	// rollout's gates need requests on green, and the script's sleeps,
	// experiment and holds take as long as the machine lets them.
	traffic, err := r.StartLoad(ctx, LoadSpec{Name: "traffic", Target: lb.Target(), Rate: 100, Duration: 10 * time.Minute,
		Sessions: 2, Tags: map[string]string{"tier": "gold"}, Mix: mix})
	must(err)
	_, err = r.StartLoad(ctx, LoadSpec{Name: "dead", Target: dead, Rate: 20, Duration: time.Second,
		Mix: []MixEntry{{Weight: 1, Request: RequestSpec{HTTP: &HTTPRequest{Path: "/health"}}}}})
	must(err)
	must(r.AddChecks(
		CheckSpec{Metric: "p95", Threshold: "< 2s", Where: "test:1"},
		CheckSpec{Metric: "error_rate", Threshold: "< 0.1%", Load: "traffic"}, // fails: the fault
		CheckSpec{Metric: "count", Threshold: "> 0", Request: "GET /health", Tag: "tier=gold"},
		CheckSpec{Metric: "p99", Threshold: "< 2s", During: "fault"},
		CheckSpec{Metric: "error_rate", Threshold: "< 50%", From: time.Second, To: 2 * time.Second, Sustained: time.Second},
		CheckSpec{Metric: "time_to_detect", Threshold: "< 1ms", During: "fault"},
		CheckSpec{Metric: "p95", Threshold: "< 1s", Route: "blue"},
		CheckSpec{Metric: "p95", Threshold: "< 1s", During: "no such phase"}, // no data
	))
	must(r.Sleep(ctx, 1200*time.Millisecond)) // a whole second for the experiment's window
	_, err = r.Experiment(ctx, ExperimentSpec{Title: "echo survives", Window: time.Second,
		SteadyState: []CheckSpec{{Metric: "error_rate", Threshold: "< 100%", Load: "traffic"}},
		Method: func(ctx context.Context) error {
			_, err := r.Inject(green.proxy, "green trouble", chaos.Fault{Action: chaos.Abort{Status: 503}, Probability: 0.3, Duration: time.Second})
			if err != nil {
				return err
			}
			return r.Sleep(ctx, 300*time.Millisecond)
		}})
	must(err)
	_, err = r.Rollout(ctx, RolloutSpec{Strategy: "canary", Router: lb, From: "blue", To: "green", Steps: []int{50, 100},
		Hold: 300 * time.Millisecond, Gates: []CheckSpec{{Metric: "requests", Threshold: "< 1"}}, Where: "test:2"})
	must(err)
	traffic.Stop()
	must(r.WaitLoad(ctx, traffic))
	res, err := r.Finish(ctx)
	if err == nil {
		t.Fatal("Finish reported no error for the check on a phase that does not exist")
	}
	return res, r.Plan()
}

func TestResultsRoundTrip(t *testing.T) {
	res, plan := realResult(t)
	// The scenario reached every part of the result.
	switch {
	case len(res.Loads) != 2 || len(res.Loads[0].Requests) != 3 || res.Loads[0].Requests[0].Count == 0:
		t.Fatalf("loads: %+v", res.Loads)
	case len(res.Routers) != 1 || res.Routers[0].Routes[0].Latency.Count() == 0:
		t.Fatalf("routers: %+v", res.Routers)
	case len(res.Breakers) != 1 || len(res.Breakers[0].Transitions) == 0:
		t.Fatalf("breakers: %+v", res.Breakers)
	case len(res.Rollouts) != 1 || len(res.Rollouts[0].Steps) == 0 || res.Rollouts[0].Err == nil:
		t.Fatalf("rollouts: %+v", res.Rollouts)
	case len(res.Faults) != 1 || len(res.Experiments) != 1 || len(res.Experiments[0].Journal) == 0:
		t.Fatalf("faults %+v, experiments %+v", res.Faults, res.Experiments)
	case len(res.Events) == 0 || len(res.Phases) == 0 || res.Generator.Cores == 0:
		t.Fatalf("events %v, phases %v, generator %+v", res.Events, res.Phases, res.Generator)
	case len(res.Checks) != 8 || res.Checks[1].Passed || !res.Checks[7].NoData:
		t.Fatalf("checks: %+v", res.Checks)
	}
	// The dead target's requests failed: refused, then rejected by its
	// breaker; a few of each are kept as they came back.
	if s := res.Loads[1].Requests[0].Samples; len(s) < 2 || s[0].Kind != "connect_refused" || !strings.Contains(s[0].Error, "connection refused") {
		t.Fatalf("samples of the dead target: %+v", s)
	}
	meta := RunMeta{Version: "1.2.3", Scenario: "s.lua", Started: time.Date(2026, 3, 1, 12, 0, 0, 123456789, time.UTC),
		Error: "", ExitCode: 99, Plan: &plan}
	data, err := res.JSON(meta)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("results file: %d bytes", len(data))
	back, err := ReadResults(data)
	if err != nil {
		t.Fatal(err)
	}
	if diffs := compare("Result", reflect.ValueOf(*res), reflect.ValueOf(*back.Result)); len(diffs) > 0 {
		t.Errorf("the result read back differs:\n%s", strings.Join(diffs, "\n"))
	}
	wantMeta := meta
	wantMeta.Plan = nil
	if !reflect.DeepEqual(back.Meta, wantMeta) {
		t.Errorf("meta read back %+v, want %+v", back.Meta, wantMeta)
	}
	if back.Status != "completed" || back.Verdict != "failed" || len(back.Plan) == 0 {
		t.Errorf("status %q, verdict %q, plan %d bytes", back.Status, back.Verdict, len(back.Plan))
	}
	// What the summary and the checks show comes out the same.
	var want, got strings.Builder
	res.WriteSummary(&want, meta)
	back.Result.WriteSummary(&got, back.Meta)
	if want.String() != got.String() {
		t.Errorf("summary of the result read back differs:\n%s\nwant:\n%s", got.String(), want.String())
	}
	for _, c := range back.Result.Checks {
		if c.Check.Spec.Sustained == 0 && c.Check.Spec.Metric != "time_to_detect" && !c.NoData {
			if again := back.Result.evaluate(c.Check); again.Measured != c.Measured || again.Passed != c.Passed {
				t.Errorf("%s evaluated on the result read back: %v (passed %v), recorded %v (passed %v)",
					c.Check, again.Measured, again.Passed, c.Measured, c.Passed)
			}
		}
	}
	// Written again, it is the same file.
	again, err := back.Result.JSON(RunMeta{Version: "1.2.3", Scenario: "s.lua", Started: meta.Started, ExitCode: 99})
	if err != nil {
		t.Fatal(err)
	}
	var a, b map[string]any
	if err := json.Unmarshal(data, &a); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(again, &b); err != nil {
		t.Fatal(err)
	}
	delete(a, "plan")
	if !reflect.DeepEqual(a, b) {
		t.Error("the result read back and written again gives another file")
	}
}

// The HDR histograms decode to the same percentiles, and still merge.
func TestResultsHistogramsKeepPercentiles(t *testing.T) {
	h := newHistogram()
	for i := int64(1); i <= 20000; i++ {
		h.RecordValue(i*i%1_000_003 + 1) // spread over six powers of ten
	}
	r := &Result{Elapsed: time.Second, Loads: []LoadResult{{Name: "l", Lag: newHistogram(), Requests: []RequestResult{
		{Name: "q", Count: 20000, Latency: h, Service: newHistogram(), Wait: newHistogram(), FirstByte: newHistogram()}}}}}
	data, err := r.JSON(RunMeta{})
	if err != nil {
		t.Fatal(err)
	}
	back, err := ReadResults(data)
	if err != nil {
		t.Fatal(err)
	}
	got := back.Result.Loads[0].Requests[0].Latency
	for _, q := range []float64{0, 1, 10, 50, 90, 95, 99, 99.9, 99.99, 100} {
		if got.ValueAtQuantile(q) != h.ValueAtQuantile(q) {
			t.Errorf("p%g: %d µs read back, %d µs recorded", q, got.ValueAtQuantile(q), h.ValueAtQuantile(q))
		}
	}
	if got.TotalCount() != 20000 || got.Max() != h.Max() || got.Min() != h.Min() || got.Mean() != h.Mean() {
		t.Errorf("count %d, min %d, max %d, mean %g; recorded %d, %d, %d, %g",
			got.TotalCount(), got.Min(), got.Max(), got.Mean(), h.TotalCount(), h.Min(), h.Max(), h.Mean())
	}
	// Any HdrHistogram implementation reads the field: here, the library's
	// own decoder on the raw string.
	var raw struct {
		Loads []struct {
			Requests []struct {
				LatencyMS  map[string]float64 `json:"latency_ms"`
				Histograms map[string]string  `json:"histograms"`
			} `json:"requests"`
		} `json:"loads"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	q := raw.Loads[0].Requests[0]
	if !strings.HasPrefix(q.Histograms["latency"], "HISTF") {
		t.Errorf("latency histogram %.20q…, want base64 of the V2 compressed encoding (HISTF…)", q.Histograms["latency"])
	}
	dec, err := hdrhistogram.Decode([]byte(q.Histograms["latency"]))
	if err != nil || !dec.Equals(h) {
		t.Errorf("decoded %v, equal %v", err, err == nil && dec.Equals(h))
	}
	if p99 := float64(h.ValueAtQuantile(99)) / 1000; q.LatencyMS["p99"] != p99 {
		t.Errorf("latency_ms.p99 %g, want %g", q.LatencyMS["p99"], p99)
	}
	// Two runs' histograms merge into the figures of both.
	merged := newHistogram()
	merged.Merge(got)
	merged.Merge(got)
	if merged.TotalCount() != 40000 || merged.ValueAtQuantile(50) != h.ValueAtQuantile(50) {
		t.Errorf("merged: count %d, p50 %d", merged.TotalCount(), merged.ValueAtQuantile(50))
	}
}

// The per-second histograms' bucket lists hold every bucket exactly.
func TestSecondHistogramEncoding(t *testing.T) {
	var h SecondHistogram
	for _, v := range []int64{1, 1, 255, 256, 257, 1000, 1001, 123456, histMax} {
		h.RecordValue(v)
	}
	h.RecordValues(4000, 1e6)
	f := secondHistogramFile(&h)
	if !strings.HasPrefix(f.Buckets, "1:2 254:1 1:2 250:2 256:1000000 ") {
		t.Errorf("buckets %q", f.Buckets)
	}
	back, err := f.histogram(&histBudget{left: maxHistogramBytes})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&h, back) {
		t.Errorf("read back %+v, want %+v", back, &h)
	}
	var empty SecondHistogram
	if f := secondHistogramFile(&empty); f.Buckets != "" {
		t.Errorf("empty: %+v", f)
	}
	for _, bad := range []string{"x", "1:0", "5:1 0:1", "5:1 -1:1", "-1:1", "99999:1", "1:2:3", "1:99999999999", "9223372036854775807:1"} {
		if _, err := (&fileSecondHistogram{Buckets: bad, MaxUS: 10}).histogram(&histBudget{left: maxHistogramBytes}); err == nil {
			t.Errorf("buckets %q accepted", bad)
		}
	}
}

func TestReadResultsRefuses(t *testing.T) {
	for _, bad := range []string{``, `[]`, `{"schema": "reslua.results/v2"}`, `{"schema": "other"}`,
		`{"schema": "reslua.results/v1", "checks": [{"metric": "p96", "threshold": "< 1s"}]}`,
		`{"schema": "reslua.results/v1", "loads": [{"name": "l", "lag": "not a histogram"}]}`,
		`{"schema": "reslua.results/v1", "routers": [{"name": "r", "routes": [{"name": "a", "latency": {"buckets": "999999:1"}}]}]}`,
	} {
		if _, err := ReadResults([]byte(bad)); err == nil {
			t.Errorf("ReadResults(%s) accepted", bad)
		} else {
			t.Log(err)
		}
	}
}

// An interrupted or failed run says so, with why; a value that is never
// reached is written as null and read back as +Inf.
func TestResultsStatus(t *testing.T) {
	c, err := ParseCheck(CheckSpec{Metric: "time_to_detect", Threshold: "< 5s"})
	if err != nil {
		t.Fatal(err)
	}
	never := CheckResult{Check: c, Measured: math.Inf(1), Detail: "fault \"x\" was never detected"}
	for _, c := range []struct {
		r            Result
		meta         RunMeta
		status, verd string
	}{
		{Result{}, RunMeta{}, "completed", "passed"},
		{Result{Interrupted: true}, RunMeta{}, "interrupted", "interrupted"},
		{Result{}, RunMeta{Interrupted: true}, "interrupted", "interrupted"},
		{Result{Aborted: "load \"l\" fell behind"}, RunMeta{}, "aborted", "aborted"},
		// A script error stops the loads (Interrupted) and is the run's
		// ending: verdict "error", not "passed" (issue 10).
		{Result{Interrupted: true}, RunMeta{Error: "s.lua:3: boom"}, "failed", "error"},
		{Result{Checks: []CheckResult{never}}, RunMeta{}, "completed", "failed"},
	} {
		data, err := c.r.JSON(c.meta)
		if err != nil {
			t.Fatal(err)
		}
		back, err := ReadResults(data)
		if err != nil {
			t.Fatal(err)
		}
		if back.Status != c.status || back.Verdict != c.verd || (c.status != "completed") != (back.Reason != "") {
			t.Errorf("%+v, %+v: status %q (%q), verdict %q; want %q, %q", c.r, c.meta, back.Status, back.Reason, back.Verdict, c.status, c.verd)
		}
		if len(c.r.Checks) > 0 {
			if got := back.Result.Checks[0]; !math.IsInf(got.Measured, 1) || !strings.Contains(string(data), `"measured": null,
      "measured_text": "never"`) {
				t.Errorf("never read back as %v:\n%s", got.Measured, data)
			}
		}
		if back.Result.Interrupted != (c.r.Interrupted || c.meta.Interrupted) || back.Result.Aborted != c.r.Aborted || back.Meta.Error != c.meta.Error {
			t.Errorf("%+v read back as %+v", c.r, back.Result)
		}
	}
}

var (
	histType    = reflect.TypeFor[*hdrhistogram.Histogram]()
	errorType   = reflect.TypeFor[error]()
	latencyType = reflect.TypeFor[deploy.Latency]()
)

// compare lists the differences between a and b, field by field: HDR
// histograms by their counts, errors by their messages, a nil slice or map
// as an empty one.
func compare(path string, a, b reflect.Value) []string {
	if a.Type() != b.Type() {
		return []string{fmt.Sprintf("%s: type %s vs %s", path, a.Type(), b.Type())}
	}
	diff := func(format string, args ...any) []string {
		return []string{path + ": " + fmt.Sprintf(format, args...)}
	}
	switch {
	case a.Type() == histType:
		ha, hb := a.Interface().(*hdrhistogram.Histogram), b.Interface().(*hdrhistogram.Histogram)
		if (ha == nil) != (hb == nil) || (ha != nil && !ha.Equals(hb)) {
			return diff("histograms differ")
		}
		return nil
	case a.Type() == errorType:
		if a.IsNil() != b.IsNil() || (!a.IsNil() && a.Interface().(error).Error() != b.Interface().(error).Error()) {
			return diff("error %v vs %v", a.Interface(), b.Interface())
		}
		return nil
	case a.Type() == latencyType:
		la, lb := a.Interface().(deploy.Latency), b.Interface().(deploy.Latency)
		loA, cA := la.Buckets()
		loB, cB := lb.Buckets()
		if loA != loB || !reflect.DeepEqual(cA, cB) {
			return diff("latency %v vs %v", la, lb)
		}
		return nil
	}
	switch a.Kind() {
	case reflect.Pointer, reflect.Interface:
		if a.IsNil() || b.IsNil() {
			if a.IsNil() != b.IsNil() {
				return diff("nil vs not nil")
			}
			return nil
		}
		return compare(path, a.Elem(), b.Elem())
	case reflect.Struct:
		var out []string
		for i := range a.NumField() {
			out = append(out, compare(path+"."+a.Type().Field(i).Name, a.Field(i), b.Field(i))...)
		}
		return out
	case reflect.Slice, reflect.Array:
		if a.Len() != b.Len() {
			return diff("length %d vs %d", a.Len(), b.Len())
		}
		var out []string
		for i := range a.Len() {
			out = append(out, compare(fmt.Sprintf("%s[%d]", path, i), a.Index(i), b.Index(i))...)
		}
		return out
	case reflect.Map:
		if a.Len() != b.Len() {
			return diff("%d keys vs %d", a.Len(), b.Len())
		}
		var out []string
		for _, k := range a.MapKeys() {
			if !b.MapIndex(k).IsValid() {
				out = append(out, diff("key %v missing", k)...)
				continue
			}
			out = append(out, compare(fmt.Sprintf("%s[%v]", path, k), a.MapIndex(k), b.MapIndex(k))...)
		}
		return out
	case reflect.Float32, reflect.Float64:
		if x, y := a.Float(), b.Float(); x != y && !(math.IsNaN(x) && math.IsNaN(y)) {
			return diff("%v vs %v", x, y)
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if a.Int() != b.Int() {
			return diff("%d vs %d", a.Int(), b.Int())
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if a.Uint() != b.Uint() {
			return diff("%d vs %d", a.Uint(), b.Uint())
		}
	case reflect.String:
		if a.String() != b.String() {
			return diff("%q vs %q", a.String(), b.String())
		}
	case reflect.Bool:
		if a.Bool() != b.Bool() {
			return diff("%v vs %v", a.Bool(), b.Bool())
		}
	default:
		return diff("cannot compare a %s", a.Kind())
	}
	return nil
}
