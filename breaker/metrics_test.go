package breaker

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestMetrics(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	b, clk := newTest(t, Settings{
		Name: "green", Registerer: reg, FailureRate: 0.5, WindowSize: 4, MinCalls: 4,
		SlowCallThreshold: time.Second, OpenFor: Fixed(10 * time.Second),
	})
	run(t, b, clk, []step{succeed(1), timed(OutcomeSuccess, 2*time.Second), fail(1), calls(OutcomeIgnored, 1)})
	expectMetrics(t, reg, `
# HELP circuit_breaker_failure_rate Failure rate over the breaker's window, as a ratio from 0 to 1
# TYPE circuit_breaker_failure_rate gauge
circuit_breaker_failure_rate{circuit_name="green"} 0.3333333333333333
# HELP circuit_breaker_slow_call_rate Slow-call rate over the breaker's window, as a ratio from 0 to 1
# TYPE circuit_breaker_slow_call_rate gauge
circuit_breaker_slow_call_rate{circuit_name="green"} 0.3333333333333333
# HELP circuit_breaker_state Circuit breaker state (0=closed, 1=open, 2=half_open)
# TYPE circuit_breaker_state gauge
circuit_breaker_state{circuit_name="green"} 0
`)
	run(t, b, clk, []step{fail(1), expect(StateOpen), rejects(ErrOpen), rejects(ErrOpen)})
	expectMetrics(t, reg, `
# HELP circuit_breaker_failure_rate Failure rate over the breaker's window, as a ratio from 0 to 1
# TYPE circuit_breaker_failure_rate gauge
circuit_breaker_failure_rate{circuit_name="green"} 0.5
# HELP circuit_breaker_requests_total Total requests through circuit breaker
# TYPE circuit_breaker_requests_total counter
circuit_breaker_requests_total{circuit_name="green",outcome="failure",state="closed"} 2
circuit_breaker_requests_total{circuit_name="green",outcome="failure",state="half_open"} 0
circuit_breaker_requests_total{circuit_name="green",outcome="fallback",state="half_open"} 0
circuit_breaker_requests_total{circuit_name="green",outcome="fallback",state="open"} 0
circuit_breaker_requests_total{circuit_name="green",outcome="ignored",state="closed"} 1
circuit_breaker_requests_total{circuit_name="green",outcome="ignored",state="half_open"} 0
circuit_breaker_requests_total{circuit_name="green",outcome="rejected",state="half_open"} 0
circuit_breaker_requests_total{circuit_name="green",outcome="rejected",state="open"} 2
circuit_breaker_requests_total{circuit_name="green",outcome="slow",state="closed"} 1
circuit_breaker_requests_total{circuit_name="green",outcome="slow",state="half_open"} 0
circuit_breaker_requests_total{circuit_name="green",outcome="success",state="closed"} 1
circuit_breaker_requests_total{circuit_name="green",outcome="success",state="half_open"} 0
circuit_breaker_requests_total{circuit_name="green",outcome="timeout",state="closed"} 0
circuit_breaker_requests_total{circuit_name="green",outcome="timeout",state="half_open"} 0
# HELP circuit_breaker_state Circuit breaker state (0=closed, 1=open, 2=half_open)
# TYPE circuit_breaker_state gauge
circuit_breaker_state{circuit_name="green"} 1
`)
	// An ended open period reads as half_open, without moving the breaker.
	clk.Advance(10 * time.Second)
	expectMetrics(t, reg, `
# HELP circuit_breaker_state Circuit breaker state (0=closed, 1=open, 2=half_open)
# TYPE circuit_breaker_state gauge
circuit_breaker_state{circuit_name="green"} 2
`)
	if got := len(b.Transitions()); got != 1 {
		t.Fatalf("scraping moved the breaker: %d transitions", got)
	}
	run(t, b, clk, []step{succeed(1), expect(StateClosed)})
	expectMetrics(t, reg, `
# HELP circuit_breaker_failure_rate Failure rate over the breaker's window, as a ratio from 0 to 1
# TYPE circuit_breaker_failure_rate gauge
circuit_breaker_failure_rate{circuit_name="green"} 0
# HELP circuit_breaker_state Circuit breaker state (0=closed, 1=open, 2=half_open)
# TYPE circuit_breaker_state gauge
circuit_breaker_state{circuit_name="green"} 0
`)
	if got := testutil.ToFloat64(counterOf(t, reg, "half_open", "success")); got != 1 {
		t.Fatalf("half_open success = %v", got)
	}
}

func expectMetrics(t *testing.T, reg *prometheus.Registry, text string) {
	t.Helper()
	var names []string
	for _, line := range strings.Split(text, "\n") {
		if f := strings.Fields(line); len(f) > 2 && f[1] == "TYPE" {
			names = append(names, f[2])
		}
	}
	if err := testutil.GatherAndCompare(reg, strings.NewReader(text), names...); err != nil {
		t.Fatal(err)
	}
}

// counterOf returns one series of the registry as a collector.
func counterOf(t *testing.T, reg *prometheus.Registry, state, outcome string) prometheus.Collector {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != MetricRequests {
			continue
		}
		for _, m := range mf.Metric {
			l := map[string]string{}
			for _, p := range m.Label {
				l[p.GetName()] = p.GetValue()
			}
			if l["state"] == state && l["outcome"] == outcome {
				c := prometheus.NewCounter(prometheus.CounterOpts{Name: "x"})
				c.Add(m.GetCounter().GetValue())
				return c
			}
		}
	}
	t.Fatalf("no series %s/%s", state, outcome)
	return nil
}

func TestMetricsSeveralBreakers(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	blue, _ := newTest(t, Settings{Name: "blue", Registerer: reg})
	if _, err := New(Settings{Name: "green", Registerer: reg}); err != nil {
		t.Fatalf("second breaker: %v", err)
	}
	if _, err := New(Settings{Name: "blue", Registerer: reg}); err == nil {
		t.Fatal("two breakers named blue in one registry")
	}
	if n, err := testutil.GatherAndCount(reg, MetricState); err != nil || n != 2 {
		t.Fatalf("state series: %d, %v", n, err)
	}
	if n := testutil.CollectAndCount(blue.Collector()); n != len(series)+3 {
		t.Fatalf("one breaker exports %d series", n)
	}
	if !reg.Unregister(blue.Collector()) {
		t.Fatal("Unregister failed")
	}
	if problems, err := testutil.CollectAndLint(blue.Collector()); err != nil || len(problems) > 0 {
		t.Fatalf("lint: %v %v", problems, err)
	}
}
