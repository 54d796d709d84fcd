package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"runtime"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/reslua/reslua/breaker"
	"github.com/reslua/reslua/chaos"
)

// eventually waits for cond, yielding between checks, for conditions that
// no channel announces (a load's counters).
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second) // a safety net, not a measurement
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		runtime.Gosched()
	}
}

// completed counts the requests l has completed, cheaply.
func completed(l *Load) int64 {
	var n int64
	for _, s := range l.names {
		c, _ := s.counts()
		n += c
	}
	return n
}

// scrape GETs url and parses the text exposition.
func scrape(t testing.TB, url string) (map[string]*dto.MetricFamily, time.Duration, int) {
	t.Helper()
	start := time.Now()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	took := time.Since(start) // logged, never asserted
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s\n%s", url, resp.Status, body)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("Content-Type %q, want the text exposition", ct)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(strings.NewReader(string(body)))
	if err != nil {
		t.Fatalf("parsing the exposition: %v\n%s", err, body)
	}
	return mfs, took, len(body)
}

// labels returns a metric's labels as a map.
func labels(m *dto.Metric) map[string]string {
	out := map[string]string{}
	for _, lp := range m.GetLabel() {
		out[lp.GetName()] = lp.GetValue()
	}
	return out
}

// find returns the metrics of family name whose labels include want.
func find(mfs map[string]*dto.MetricFamily, name string, want map[string]string) []*dto.Metric {
	var out []*dto.Metric
	for _, m := range mfs[name].GetMetric() {
		l := labels(m)
		match := true
		for k, v := range want {
			if l[k] != v {
				match = false
			}
		}
		if match {
			out = append(out, m)
		}
	}
	return out
}

// value returns the value of the one metric of family name with labels
// want; it fails the test when there is not exactly one.
func value(t testing.TB, mfs map[string]*dto.MetricFamily, name string, want map[string]string) float64 {
	t.Helper()
	ms := find(mfs, name, want)
	if len(ms) != 1 {
		t.Fatalf("%s%v: %d series, want 1", name, want, len(ms))
	}
	m := ms[0]
	switch {
	case m.Counter != nil:
		return m.Counter.GetValue()
	case m.Gauge != nil:
		return m.Gauge.GetValue()
	}
	t.Fatalf("%s%v is neither a counter nor a gauge", name, want)
	return 0
}

// sum adds up the counters or gauges of family name with labels want.
func sum(mfs map[string]*dto.MetricFamily, name string, want map[string]string) float64 {
	var s float64
	for _, m := range find(mfs, name, want) {
		s += m.GetCounter().GetValue() + m.GetGauge().GetValue()
	}
	return s
}

// wantFamilies are every family a run with a router, a breaker, a fault
// proxy and a rollout exports, with their types.
var wantFamilies = map[string]dto.MetricType{
	"reslua_requests_total":                  dto.MetricType_COUNTER,
	"reslua_request_duration_seconds":        dto.MetricType_HISTOGRAM,
	"reslua_route_requests_total":            dto.MetricType_COUNTER,
	"reslua_route_errors_total":              dto.MetricType_COUNTER,
	"reslua_route_diverted_total":            dto.MetricType_COUNTER,
	"reslua_route_weight":                    dto.MetricType_GAUGE,
	"reslua_router_unrouted_total":           dto.MetricType_COUNTER,
	"reslua_faults_active":                   dto.MetricType_GAUGE,
	"reslua_rollout_step":                    dto.MetricType_GAUGE,
	"reslua_rollout_weight":                  dto.MetricType_GAUGE,
	"reslua_generator_scheduler_lag_seconds": dto.MetricType_GAUGE,
	"reslua_generator_scheduled_total":       dto.MetricType_COUNTER,
	"reslua_generator_dropped_total":         dto.MetricType_COUNTER,
	"reslua_generator_queue_depth_max":       dto.MetricType_GAUGE,
	"reslua_run_elapsed_seconds":             dto.MetricType_GAUGE,
	breaker.MetricRequests:                   dto.MetricType_COUNTER,
	breaker.MetricState:                      dto.MetricType_GAUGE,
	breaker.MetricFailureRate:                dto.MetricType_GAUGE,
	breaker.MetricSlowCallRate:               dto.MetricType_GAUGE,
}

// TestMetricsMidRun runs two real demo servers behind a router with route
// breakers, a target with a client-side breaker, a fault proxy and a
// canary rollout, and scrapes /metrics over HTTP while the loads run and
// after: every series has the run's testid, and the scrape a lingering
// server waits for has the result's counts.
func TestMetricsMidRun(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r := NewRun(Config{TestID: "mid-run-1"})
	// Served before anything exists: what is added later shows up.
	srv, err := r.ServeMetrics(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	url := srv.URL
	if !strings.HasPrefix(url, "http://127.0.0.1:") || strings.HasPrefix(url, "http://127.0.0.1:0/") {
		t.Fatalf("metrics URL %q does not give the real port", url)
	}

	blueURL, err := r.StartDemo(ctx, DemoSpec{Name: "blue", Stateless: true})
	if err != nil {
		t.Fatal(err)
	}
	greenURL, err := r.StartDemo(ctx, DemoSpec{Name: "green", Version: "1.1.0", Stateless: true, JSON: true})
	if err != nil {
		t.Fatal(err)
	}
	// blue has a client-side breaker named "blue", and the router gives
	// its route a breaker of the same name: the label router tells them
	// apart.
	blue, err := r.AddTarget(TargetSpec{Name: "blue", URL: blueURL, Timeout: 5 * time.Second,
		Breaker: &breaker.Settings{ConsecutiveFailures: 50, OpenFor: breaker.Fixed(time.Second)}})
	if err != nil {
		t.Fatal(err)
	}
	green, err := r.AddTarget(TargetSpec{Name: "green", URL: greenURL, Timeout: 5 * time.Second, Chaos: true})
	if err != nil {
		t.Fatal(err)
	}
	lb, err := r.AddRouter(ctx, RouterSpec{Name: "mcp",
		Routes:  []RouteSpec{{Target: blue, Weight: 100}, {Target: green, Weight: 0}},
		Breaker: &breaker.Settings{FailureRate: 0.5, MinCalls: 20, WindowSize: 20, OpenFor: breaker.Fixed(time.Second)}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Inject(green.FaultProxy(), "green slow", chaos.Fault{Action: chaos.Latency{Delay: time.Millisecond}}); err != nil {
		t.Fatal(err)
	}

	echo := RequestSpec{MCP: &MCPRequest{Method: "tools/call", Tool: "echo", Params: []byte(`{"name":"echo","arguments":{"message":"hi"}}`)}}
	traffic, err := r.StartLoad(ctx, LoadSpec{Name: "traffic", Target: lb.Target(), Rate: 50, Duration: time.Minute,
		Mix: []MixEntry{{Weight: 3, Request: echo}, {Weight: 1, Request: RequestSpec{HTTP: &HTTPRequest{Path: "/health"}}}}})
	if err != nil {
		t.Fatal(err)
	}
	direct, err := r.StartLoad(ctx, LoadSpec{Name: "direct", Target: blue, Rate: 20, Duration: time.Minute,
		Mix: []MixEntry{{Weight: 1, Request: RequestSpec{MCP: &MCPRequest{Method: "tools/list"}}}}})
	if err != nil {
		t.Fatal(err)
	}

	// A canary that stays on its first step (50 %) until cancelled.
	rolloutCtx, stopRollout := context.WithCancel(ctx)
	rolloutDone := make(chan struct{})
	go func() {
		defer close(rolloutDone)
		_, _ = r.Rollout(rolloutCtx, RolloutSpec{Strategy: "canary", Router: lb, From: "blue", To: "green",
			Steps: []int{50, 100}, Hold: time.Hour})
	}()

	eventually(t, "the canary's first step", func() bool {
		r.mu.Lock()
		defer r.mu.Unlock()
		if len(r.rollouts) == 0 {
			return false
		}
		ro := r.rollouts[0]
		ro.liveMu.Lock()
		defer ro.liveMu.Unlock()
		return ro.live.step == 1
	})
	eventually(t, "requests from both loads", func() bool {
		return completed(traffic) >= 25 && completed(direct) >= 10
	})

	mfs, took, size := scrape(t, url)
	t.Logf("mid-run scrape: %s for %d bytes, %d families", took, size, len(mfs))
	for _, l := range []*Load{traffic, direct} {
		select {
		case <-l.done:
			t.Fatalf("load %q ended before the scrape: it was not mid-run", l.Name())
		default:
		}
	}

	for name, typ := range wantFamilies {
		mf := mfs[name]
		if mf == nil {
			t.Errorf("family %s missing", name)
			continue
		}
		if mf.GetType() != typ {
			t.Errorf("%s is a %s, want a %s", name, mf.GetType(), typ)
		}
	}
	for name, mf := range mfs {
		for _, m := range mf.GetMetric() {
			if id := labels(m)["testid"]; id != "mid-run-1" {
				t.Errorf("%s%v: testid %q, want %q", name, labels(m), id, "mid-run-1")
			}
		}
	}

	// Requests: counted by outcome, the histogram's count equal to the
	// counters' sum for every load and request name.
	if got := sum(mfs, "reslua_requests_total", map[string]string{"load": "traffic"}); got < 25 {
		t.Errorf("reslua_requests_total{load=traffic} sums to %g, want >= 25 (seen before the scrape)", got)
	}
	if got := value(t, mfs, "reslua_requests_total", map[string]string{"load": "direct", "request": "tools/list", "outcome": "ok"}); got < 10 {
		t.Errorf("direct tools/list ok = %g, want >= 10", got)
	}
	hists := mfs["reslua_request_duration_seconds"].GetMetric()
	if len(hists) != 3 {
		t.Errorf("%d latency histograms, want 3 (traffic: echo and /health; direct: tools/list)", len(hists))
	}
	for _, m := range hists {
		l := labels(m)
		h := m.GetHistogram()
		counted := sum(mfs, "reslua_requests_total", map[string]string{"load": l["load"], "request": l["request"]})
		if float64(h.GetSampleCount()) != counted || counted == 0 {
			t.Errorf("%v: histogram count %d, counters sum to %g; want them equal and above 0", l, h.GetSampleCount(), counted)
		}
		if h.GetSampleSum() <= 0 {
			t.Errorf("%v: histogram sum %g, want > 0", l, h.GetSampleSum())
		}
		var bounds []float64
		var last uint64
		for _, b := range h.GetBucket() {
			if math.IsInf(b.GetUpperBound(), 1) { // the parser keeps it
				continue
			}
			bounds = append(bounds, b.GetUpperBound())
			if b.GetCumulativeCount() < last || b.GetCumulativeCount() > h.GetSampleCount() {
				t.Errorf("%v: bucket le=%g holds %d after %d, of %d", l, b.GetUpperBound(), b.GetCumulativeCount(), last, h.GetSampleCount())
			}
			last = b.GetCumulativeCount()
		}
		if !slices.Equal(bounds, LatencyBuckets) {
			t.Errorf("%v: bucket bounds %v, want %v", l, bounds, LatencyBuckets)
		}
	}
	if got := value(t, mfs, "reslua_generator_scheduled_total", map[string]string{"load": "traffic"}); got < sum(mfs, "reslua_requests_total", map[string]string{"load": "traffic"}) {
		t.Errorf("traffic scheduled %g, fewer than it completed", got)
	}
	for _, name := range []string{"reslua_generator_dropped_total", "reslua_generator_queue_depth_max", "reslua_generator_scheduler_lag_seconds"} {
		for _, load := range []string{"traffic", "direct"} {
			if v := value(t, mfs, name, map[string]string{"load": load}); v < 0 {
				t.Errorf("%s{load=%s} = %g", name, load, v)
			}
		}
	}
	if v := value(t, mfs, "reslua_run_elapsed_seconds", nil); v <= 0 {
		t.Errorf("elapsed %g, want > 0", v)
	}

	// Breakers: the target's (router "") and the routes' (router "mcp").
	if v := value(t, mfs, breaker.MetricState, map[string]string{"circuit_name": "blue", "router": ""}); v != 0 {
		t.Errorf("blue's client-side breaker state %g, want 0 (closed)", v)
	}
	for _, route := range []string{"blue", "green"} {
		if v := value(t, mfs, breaker.MetricState, map[string]string{"circuit_name": route, "router": "mcp"}); v != 0 {
			t.Errorf("route %s's breaker state %g, want 0 (closed)", route, v)
		}
	}
	if v := value(t, mfs, breaker.MetricRequests, map[string]string{"circuit_name": "blue", "router": "", "state": "closed", "outcome": "success"}); v < 10 {
		t.Errorf("blue's client-side breaker let %g calls through, want >= 10 (the direct load's)", v)
	}

	// The router, the rollout and the fault.
	if v := sum(mfs, "reslua_route_requests_total", map[string]string{"router": "mcp"}); v == 0 {
		t.Error("the router routed no request")
	}
	for route, w := range map[string]float64{"blue": 50, "green": 50} {
		if v := value(t, mfs, "reslua_route_weight", map[string]string{"router": "mcp", "route": route}); v != w {
			t.Errorf("route %s weight %g, want %g (the canary's first step)", route, v, w)
		}
	}
	if v := value(t, mfs, "reslua_rollout_step", map[string]string{"rollout": "green"}); v != 1 {
		t.Errorf("rollout step %g, want 1", v)
	}
	if v := value(t, mfs, "reslua_rollout_weight", map[string]string{"rollout": "green"}); v != 50 {
		t.Errorf("rollout weight %g, want 50", v)
	}
	if v := value(t, mfs, "reslua_faults_active", map[string]string{"proxy": "green", "kind": "latency"}); v != 1 {
		t.Errorf("active latency faults on green %g, want 1", v)
	}
	if v := value(t, mfs, "reslua_faults_active", map[string]string{"proxy": "green", "kind": "abort"}); v != 0 {
		t.Errorf("active abort faults on green %g, want 0", v)
	}

	// After the run, the metrics still serve, and count what the result
	// counts.
	stopRollout()
	<-rolloutDone
	traffic.Stop()
	direct.Stop()
	res, err := r.Finish(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.TestID != "mid-run-1" {
		t.Errorf("the result's testid %q, want mid-run-1", res.TestID)
	}
	// The server lingers until the scrape after the run has been served.
	lingered := make(chan bool)
	go func() { lingered <- srv.Linger(ctx, time.Hour) }()
	waitLingering(t, srv)
	mfs, _, _ = scrape(t, url)
	if !<-lingered {
		t.Error("Linger did not see the scrape after the run")
	}
	for _, l := range res.Loads {
		for _, q := range l.Requests {
			got := sum(mfs, "reslua_requests_total", map[string]string{"load": l.Name, "request": q.Name})
			if got != float64(q.Count) {
				t.Errorf("after the run, %s %q: metrics count %g, the result %d", l.Name, q.Name, got, q.Count)
			}
		}
	}
	if v := value(t, mfs, "reslua_faults_active", map[string]string{"proxy": "green", "kind": "latency"}); v != 0 {
		t.Errorf("after the run, active latency faults %g, want 0", v)
	}
}

func TestServeMetricsErrors(t *testing.T) {
	r := NewRun(Config{})
	if _, err := r.ServeMetrics(context.Background(), ""); !errors.Is(err, ErrRuntime) {
		t.Errorf("empty addr: error %v, want one wrapping ErrRuntime", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := r.ServeMetrics(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url, stop := srv.URL, srv.Close
	addr := strings.TrimSuffix(strings.TrimPrefix(url, "http://"), "/metrics")
	if _, err := r.ServeMetrics(context.Background(), addr); !errors.Is(err, ErrRuntime) || !strings.Contains(err.Error(), addr) {
		t.Errorf("address in use: error %v, want one wrapping ErrRuntime and naming %s", err, addr)
	}
	if _, err := r.ServeMetrics(context.Background(), "127.0.0.1:http-alt-nope"); !errors.Is(err, ErrRuntime) {
		t.Errorf("bad port: error %v, want one wrapping ErrRuntime", err)
	}
	mfs, _, _ := scrape(t, url)
	if mfs["reslua_run_elapsed_seconds"] == nil {
		t.Error("a run without loads lacks reslua_run_elapsed_seconds")
	}
	cancel() // ends the server, as stop does
	stop()
	stop() // again: harmless
	eventually(t, "the server to stop", func() bool {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
		}
		return err != nil
	})
}

// waitLingering waits until srv.Linger has been called (a scrape from then
// on counts).
func waitLingering(t *testing.T, srv *MetricsServer) {
	t.Helper()
	eventually(t, "Linger to be called", func() bool {
		srv.mu.Lock()
		defer srv.mu.Unlock()
		return srv.scraped != nil
	})
}

// gateClock is a Clock whose sleeps end when the test closes fire.
type gateClock struct{ fire chan struct{} }

func (gateClock) Now() time.Time { return time.Unix(0, 0) }

func (c gateClock) SleepUntil(ctx context.Context, _ time.Time) error {
	select {
	case <-c.fire:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Linger ends at the first of: a scrape begun after its call (true), its
// duration passed on the run's clock, ctx done (false). Without Linger,
// nothing waits: a scrape before it does not count.
func TestMetricsLinger(t *testing.T) {
	clk := gateClock{fire: make(chan struct{})}
	r := NewRun(Config{Clock: clk, TestID: "linger"})
	ctx := context.Background()
	if _, err := r.Finish(ctx); err != nil {
		t.Fatal(err)
	}
	srv, err := r.ServeMetrics(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	scrape(t, srv.URL) // before Linger: does not end it

	// The duration passes (the clock's sleep ends): false.
	lingered := make(chan bool)
	go func() { lingered <- srv.Linger(ctx, 20*time.Second) }()
	waitLingering(t, srv)
	close(clk.fire)
	if <-lingered {
		t.Error("Linger reported a scrape nobody made")
	}

	// ctx done: false.
	clk2 := gateClock{fire: make(chan struct{})}
	r2 := NewRun(Config{Clock: clk2})
	srv2, err := r2.ServeMetrics(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv2.Close()
	cctx, cancel := context.WithCancel(ctx)
	go func() { lingered <- srv2.Linger(cctx, time.Hour) }()
	waitLingering(t, srv2)
	cancel()
	if <-lingered {
		t.Error("Linger (cancelled) reported a scrape nobody made")
	}

	// A scrape: true, with the run's testid.
	clk3 := gateClock{fire: make(chan struct{})}
	r3 := NewRun(Config{Clock: clk3, TestID: "third"})
	if _, err := r3.Finish(ctx); err != nil {
		t.Fatal(err)
	}
	srv3, err := r3.ServeMetrics(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv3.Close()
	go func() { lingered <- srv3.Linger(ctx, time.Hour) }()
	waitLingering(t, srv3)
	type scraped struct {
		body string
		err  error
	}
	got := make(chan scraped, 1)
	go func() {
		resp, err := http.Get(srv3.URL)
		if err != nil {
			got <- scraped{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		got <- scraped{string(b), err}
	}()
	if !<-lingered {
		t.Error("Linger did not see the scrape")
	}
	// The caller closes the server as soon as Linger returns (as the CLI
	// does before exiting): the scrape still gets its whole reply. A hard
	// close cut it (EOF) in 3 of 3 runs under -race.
	srv3.Close()
	s := <-got
	if s.err != nil {
		t.Fatalf("the scrape Linger waited for: %v", s.err)
	}
	if !strings.Contains(s.body, `reslua_run_elapsed_seconds{testid="third"}`) {
		t.Errorf("the scrape lacks reslua_run_elapsed_seconds with testid third:\n%s", s.body)
	}

	// A scrape begun after NextScrape and answered before Linger is
	// called counts: the CLI arms the wait, then logs that it waits, and
	// a scraper may come upon that line.
	srv4, err := NewRun(Config{Clock: gateClock{fire: make(chan struct{})}}).ServeMetrics(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv4.Close()
	srv4.NextScrape()
	scrape(t, srv4.URL)
	if !srv4.Linger(ctx, time.Hour) {
		t.Error("Linger missed the scrape made after NextScrape")
	}
}

// TestHDRIndex checks the index layout latencyHistogram reads the counts
// by against the HDR histogram itself: each value lands at the index
// whose range holds it.
func TestHDRIndex(t *testing.T) {
	h := newHistogram()
	// Around every power of two (where the ranges widen), and in between.
	values := []int64{1, 2, 3, 999, 1000, 1001, histMax}
	for p := int64(4); p < histMax; p *= 2 {
		values = append(values, p-2, p-1, p, p+1, p+2, p+p/3)
	}
	for _, v := range values {
		h.Reset()
		if err := h.RecordValue(v); err != nil {
			t.Fatal(err)
		}
		counts := h.Export().Counts
		i := slices.IndexFunc(counts, func(n int64) bool { return n != 0 })
		lo, width := engineHDR.valueRange(i)
		if v < lo || v >= lo+width {
			t.Fatalf("value %d at index %d, whose range is [%d, %d)", v, i, lo, lo+width)
		}
		if mean := h.Mean(); mean != float64(lo+width/2) {
			t.Fatalf("value %d: HDR's mean %g, the index's middle %d", v, mean, lo+width/2)
		}
	}
}

// TestLatencyHistogram compares the buckets with counts made by hand.
func TestLatencyHistogram(t *testing.T) {
	h := newHistogram()
	// Values away from the bounds, where HDR's resolution cannot move a
	// value across one: 1 µs to 20 s in ~5 % steps, 3 times each.
	var values []int64
	for v := int64(1); v < 20_000_000; v = v*105/100 + 1 {
		if slices.ContainsFunc(boundsUS, func(b int64) bool { return v > b-b/100 && v < b+b/100 }) {
			continue
		}
		values = append(values, v)
		recordDuration(h, time.Duration(v)*time.Microsecond)
		_ = h.RecordValues(v, 2)
	}
	total, sumS, buckets := latencyHistogram(h.Export().Counts)
	if total != uint64(3*len(values)) {
		t.Fatalf("total %d, want %d", total, 3*len(values))
	}
	for i, le := range LatencyBuckets {
		want := 0
		for _, v := range values {
			if v <= boundsUS[i] {
				want += 3
			}
		}
		if buckets[le] != uint64(want) {
			t.Errorf("le=%g: %d, want %d", le, buckets[le], want)
		}
	}
	if want := h.Mean() * float64(h.TotalCount()) / 1e6; fmt.Sprintf("%.6g", sumS) != fmt.Sprintf("%.6g", want) {
		t.Errorf("sum %gs, want HDR's mean × count, %gs", sumS, want)
	}
	empty, s, b := latencyHistogram(newHistogram().Export().Counts)
	if empty != 0 || s != 0 || len(b) != len(LatencyBuckets) || b[10] != 0 {
		t.Errorf("empty histogram: %d, %g, %v", empty, s, b)
	}
	keys := make([]float64, 0, len(b))
	for k := range b {
		keys = append(keys, k)
	}
	sort.Float64s(keys)
	if !slices.Equal(keys, LatencyBuckets) {
		t.Errorf("bounds %v, want %v", keys, LatencyBuckets)
	}
}

// BenchmarkGather gathers and encodes the metrics of a run shaped like
// scenarios/mcp.lua: two demo servers behind a router whose routes have
// breakers, a fault proxy with a fault, one load of four request names
// at 200/s, scraped mid-run. Run with -bench Gather -benchtime 200x.
func BenchmarkGather(b *testing.B) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r := NewRun(Config{Clock: PreciseClock})
	blueURL, err := r.StartDemo(ctx, DemoSpec{Name: "blue", Stateless: true})
	if err != nil {
		b.Fatal(err)
	}
	greenURL, err := r.StartDemo(ctx, DemoSpec{Name: "green", Version: "1.1.0", Stateless: true, JSON: true})
	if err != nil {
		b.Fatal(err)
	}
	blue, _ := r.AddTarget(TargetSpec{Name: "blue", URL: blueURL, Timeout: 5 * time.Second})
	green, _ := r.AddTarget(TargetSpec{Name: "green", URL: greenURL, Timeout: 5 * time.Second, Chaos: true})
	lb, err := r.AddRouter(ctx, RouterSpec{Name: "mcp", Sticky: true,
		Routes: []RouteSpec{{Target: blue, Weight: 50}, {Target: green, Weight: 50}},
		Breaker: &breaker.Settings{FailureRate: 0.5, SlowCallThreshold: 100 * time.Millisecond, SlowCallRate: 0.5,
			MinCalls: 20, WindowSize: 20, OpenFor: breaker.Doubling(time.Second)}})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := r.Inject(green.FaultProxy(), "green slow", chaos.Fault{Action: chaos.Latency{Delay: time.Millisecond}}); err != nil {
		b.Fatal(err)
	}
	call := func(tool, args string) RequestSpec {
		return RequestSpec{MCP: &MCPRequest{Method: "tools/call", Tool: tool, Params: []byte(`{"name":"` + tool + `","arguments":` + args + `}`)}}
	}
	l, err := r.StartLoad(ctx, LoadSpec{Name: "traffic", Target: lb.Target(), Rate: 200, Duration: time.Minute, Sessions: 8,
		Mix: []MixEntry{
			{Weight: 30, Request: RequestSpec{MCP: &MCPRequest{Method: "tools/list"}}},
			{Weight: 40, Request: call("echo", `{"message":"hi"}`)},
			{Weight: 20, Request: call("add", `{"a":2,"b":3}`)},
			{Weight: 10, Request: RequestSpec{HTTP: &HTTPRequest{Path: "/health"}}},
		}})
	if err != nil {
		b.Fatal(err)
	}
	eventually(b, "a few hundred requests", func() bool { return completed(l) >= 400 })
	g := r.Gatherer()
	scrape := func(b *testing.B) {
		enc := expfmt.NewEncoder(io.Discard, expfmt.NewFormat(expfmt.TypeTextPlain))
		b.ReportAllocs()
		for b.Loop() {
			mfs, err := g.Gather()
			if err != nil {
				b.Fatal(err)
			}
			for _, mf := range mfs {
				if err := enc.Encode(mf); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
	// While the load runs, the scrape shares the CPU with it and with
	// the demo servers; once it has finished, the scrape has it alone.
	b.Run("running", scrape)
	l.Stop()
	if _, err := r.Finish(ctx); err != nil {
		b.Fatal(err)
	}
	b.Run("finished", scrape)
}
