package breaker

import "github.com/prometheus/client_golang/prometheus"

// The breaker keeps its counters in its own atomics whatever happens; the
// collector reads them when Prometheus scrapes. So metrics cost the hot path
// nothing at all (not even the atomic add of a prometheus.Counter, nor the
// label lookup), and a breaker without a registry costs the same as one with.

// Metric names, from the reference chapter (plus the slow-call rate).
const (
	MetricRequests     = "circuit_breaker_requests_total"
	MetricState        = "circuit_breaker_state"
	MetricFailureRate  = "circuit_breaker_failure_rate"
	MetricSlowCallRate = "circuit_breaker_slow_call_rate"
)

type collector struct {
	b                                *Breaker
	requests, state, failure, slowCR *prometheus.Desc
}

// series lists the (state, outcome) pairs that can occur, so that each is
// exported from zero on and rate() over it is well defined.
var series = func() (s [][2]uint8) {
	for _, o := range []Outcome{OutcomeSuccess, OutcomeFailure, OutcomeSlow, OutcomeTimeout, OutcomeIgnored} {
		s = append(s, [2]uint8{uint8(StateClosed), uint8(o)}, [2]uint8{uint8(StateHalfOpen), uint8(o)})
	}
	for _, o := range []Outcome{OutcomeRejected, OutcomeFallback} {
		s = append(s, [2]uint8{uint8(StateOpen), uint8(o)}, [2]uint8{uint8(StateHalfOpen), uint8(o)})
	}
	return s
}()

func newCollector(b *Breaker) *collector {
	// circuit_name is a constant label of each breaker's descriptors, so
	// that several breakers can register in one registry; the exposition
	// is the same as with a variable label.
	l := prometheus.Labels{"circuit_name": b.cfg.name}
	return &collector{
		b:        b,
		requests: prometheus.NewDesc(MetricRequests, "Total requests through circuit breaker", []string{"state", "outcome"}, l),
		state:    prometheus.NewDesc(MetricState, "Circuit breaker state (0=closed, 1=open, 2=half_open)", nil, l),
		failure:  prometheus.NewDesc(MetricFailureRate, "Failure rate over the breaker's window, as a ratio from 0 to 1", nil, l),
		slowCR:   prometheus.NewDesc(MetricSlowCallRate, "Slow-call rate over the breaker's window, as a ratio from 0 to 1", nil, l),
	}
}

// Collector returns the breaker's Prometheus collector, for callers that
// register it themselves (Settings.Registerer does it at New) or
// unregister it. It exports, labelled circuit_name=Settings.Name:
//
//   - circuit_breaker_requests_total{state, outcome}: calls by the state
//     they were admitted (or rejected) in and their Outcome;
//   - circuit_breaker_state: 0 closed, 1 open, 2 half_open;
//   - circuit_breaker_failure_rate and circuit_breaker_slow_call_rate: the
//     rates over the window, as ratios from 0 to 1 (Prometheus's
//     convention; the reference chapter had percent); while open or
//     half-open, those of the window that tripped.
//
// Reading the metrics never moves the breaker (an ended open period reads
// as half_open).
func (b *Breaker) Collector() prometheus.Collector { return b.metrics }

func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.requests
	ch <- c.state
	ch <- c.failure
	ch <- c.slowCR
}

func (c *collector) Collect(ch chan<- prometheus.Metric) {
	b := c.b
	for _, s := range series {
		st, o := State(s[0]), Outcome(s[1])
		ch <- prometheus.MustNewConstMetric(c.requests, prometheus.CounterValue,
			float64(b.hot.requests[st][o].Load()), st.String(), o.String())
	}
	ep := b.cur.Load()
	now := b.now()
	ch <- prometheus.MustNewConstMetric(c.state, prometheus.GaugeValue, float64(b.peek(ep, now)))
	// Ratios, as Prometheus's conventions want (not percent).
	fr, sr := ep.counts(now).rates()
	ch <- prometheus.MustNewConstMetric(c.failure, prometheus.GaugeValue, fr)
	ch <- prometheus.MustNewConstMetric(c.slowCR, prometheus.GaugeValue, sr)
}
