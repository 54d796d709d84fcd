package engine

import (
	"strings"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/reslua/reslua/engine/mcp"
	"github.com/reslua/reslua/engine/outcome"
)

// Result is what a run recorded and what its checks concluded.
type Result struct {
	// TestID is Config.TestID: the run's label among others; zero: none.
	TestID string
	// Elapsed is the run's length on its clock.
	Elapsed time.Duration
	// Interrupted is set when the run was stopped before its end.
	Interrupted bool
	// Aborted says why the run was aborted (e.g. a load that could not
	// keep its rate); "" if it was not. An aborted run fails.
	Aborted string
	// DryRun is set for a result of a dry run, which holds no measurements.
	DryRun bool
	Loads  []LoadResult
	Checks []CheckResult
	// Generator is how the generator fared; zero in a dry run.
	Generator GeneratorHealth
	// Breakers holds what each target's client-side breaker did.
	Breakers []BreakerResult
	// Routers holds what each router did: its split and its routes'
	// breakers.
	Routers []RouterResult
	// Rollouts holds every rollout the script ran, in order.
	Rollouts []RolloutResult
	// Events is the run's timeline: weight changes, breaker transitions,
	// rollout steps and gates, faults, in time order.
	Events []Event
	// Phases are the named stretches of the timeline (fault windows,
	// rollouts and their steps) that checks may be scoped to.
	Phases []Phase
	// Faults holds every fault the script injected.
	Faults []FaultResult
	// Experiments holds every chaos experiment the script ran, in order.
	Experiments []ExperimentResult
}

// BreakerResult is what a breaker did: a target's client-side one, or a
// router's route's server-side one.
type BreakerResult struct {
	// Target names the target, or the route, the breaker guards.
	Target string
	// Transitions are its changes of state, At relative to the run's
	// start.
	Transitions []BreakerTransition
	// OpenDurations is the backoff sequence it applied, one per opening.
	OpenDurations []time.Duration
}

// BreakerTransition is one change of a breaker's state.
type BreakerTransition struct {
	At       time.Duration
	From, To string
	Reason   string
}

// Passed reports whether the run was not aborted, every check held, and
// every experiment's hypothesis held.
func (r *Result) Passed() bool {
	if r.Aborted != "" || r.FailedExperiments() > 0 {
		return false
	}
	for _, c := range r.Checks {
		if !c.Passed {
			return false
		}
	}
	return true
}

// FailedExperiments counts the experiments whose hypothesis did not hold
// (deviated, aborted, not started, failed); a planned one (dry run) is
// not counted.
func (r *Result) FailedExperiments() int {
	n := 0
	for _, e := range r.Experiments {
		if e.Status != "held" && e.Status != "planned" {
			n++
		}
	}
	return n
}

// LoadResult is what one load recorded.
type LoadResult struct {
	Name, Target string
	// Closed is set for a closed-model load (virtual users).
	Closed bool
	// Plan is LoadSpec.Describe of the load as planned.
	Plan string
	// Tags are the load's tags.
	Tags map[string]string
	// Rate (open) or VUs (closed) is the planned starting value; Duration
	// the planned length.
	Rate     float64
	VUs      int
	Duration time.Duration
	// Grace is the load's graceful stop (LoadSpec.GracefulStop): how long
	// requests in flight at its end could still run before they were cut
	// (outcome.Interrupted).
	Grace time.Duration
	// Start is when the load's arrivals began, from the run's start; its
	// arrivals ran from Start to Start+Elapsed on the run's timeline.
	Start time.Duration
	// Elapsed is the load's window, over which its rates are reported:
	// its planned Duration, or the time it ran when it was stopped early
	// (abort, interrupt, Stop). Requests in flight at its end finish
	// within Grace after it and count in the load's figures.
	Elapsed time.Duration
	// Scheduled arrivals came due; Dropped found the queue full; Unsent
	// were still queued, waiting for a worker, at the load's end and were
	// not sent.
	Scheduled, Dropped, Unsent int64
	// DroppedSeconds counts the dropped arrivals per second of the run's
	// timeline (by intended start), for the seconds that had any.
	DroppedSeconds []SecondCount
	// UnsentSeconds counts the unsent arrivals per second of the run's
	// timeline (by intended start), for the seconds that had any.
	UnsentSeconds []SecondCount
	// QueueMax is the deepest the queue of waiting arrivals got.
	QueueMax int64
	// Lag is how late requests became due to be sent: the scheduler
	// putting arrivals on the queue (open) or users waking (closed); µs.
	Lag *hdrhistogram.Histogram
	// Requests holds one entry per request name, in mix order.
	Requests []RequestResult
	// Sessions describes the MCP sessions of the load (zero without MCP).
	Sessions SessionResult
	// Connections counts the connections of the load's target opened
	// during the load (by reslua's lean HTTP client: http:// targets;
	// zero for https). Loads that overlap on one target share them.
	Connections ConnResult
}

// ConnResult counts connection events of a target during a load.
type ConnResult struct {
	// Dials counts connections opened; Reconnects kept-alive connections
	// the server had closed, replaced (found closed before the request
	// was written on them, mostly); Replays requests sent again after
	// such a connection failed them (replayable requests only).
	Dials, Reconnects, Replays int64
}

// Completed returns the number of requests that got an outcome.
func (l LoadResult) Completed() int64 {
	var n int64
	for _, r := range l.Requests {
		n += r.Count
	}
	return n
}

// Interrupted returns the number of requests cut at the end of the load's
// graceful stop.
func (l LoadResult) Interrupted() int64 {
	var n int64
	for _, r := range l.Requests {
		n += r.Errors[outcome.Interrupted]
	}
	return n
}

// RequestResult is what one request name recorded in one load. Histograms
// hold microseconds.
type RequestResult struct {
	Name  string
	Count int64
	// Errors counts outcomes other than OK by kind.
	Errors map[outcome.Kind]int64
	// Latency is from intended start to final byte (coordinated omission
	// corrected); Service from the actual send; Wait is time queued.
	Latency, Service, Wait *hdrhistogram.Histogram
	// FirstByte is the time from send to the response's first byte (MCP
	// requests; empty for others).
	FirstByte *hdrhistogram.Histogram
	// Progress counts MCP progress notifications seen before responses.
	Progress int64
	// ServerRequests counts the requests MCP servers sent during calls
	// (ping, sampling, roots, elicitation), by kind; each was answered at
	// once.
	ServerRequests mcp.ServerRequests
	// Seconds is the per-second series: one entry per second of the run's
	// timeline in which requests of this name were due (by intended
	// start), in order; seconds without requests are left out.
	Seconds []SecondStats
	// Samples are a few failures of each kind as they came back (the
	// first SamplesPerKind of each), in the order they were recorded;
	// nil when no request failed.
	Samples []FailureSample
}

// Failures returns how many outcomes count against the error rate.
func (r RequestResult) Failures() int64 { return outcome.Failures(r.Errors) }

// SessionResult describes a load's MCP session pool.
type SessionResult struct {
	// ProtocolVersion is the MCP revision the sessions spoke.
	ProtocolVersion string
	// Opened, Reinitialized and OpenFailures count handshakes; Deleted and
	// DeleteFailures the DELETEs at the end; LeftOpen the sessions left on
	// the server on purpose; CancelsSent the notifications/cancelled sent.
	Opened, Reinitialized, OpenFailures            int64
	Deleted, DeleteFailures, LeftOpen, CancelsSent int64
	// Probes counts the era probes (server/discover) the load's target
	// sent while the load ran: protocol requests, not the load's own, that
	// a router or the server counts beside them (one per target, sent
	// when its first session opens, even if the load is stopped before
	// its first arrival).
	Probes int64
	// Init holds the duration of every initialize handshake (µs); nil when
	// the load opened no session.
	Init *hdrhistogram.Histogram
}

// CheckResult is one evaluated check.
type CheckResult struct {
	Check    Check
	Measured float64 // in the metric's unit
	Passed   bool
	// NoData is set when no request matched the check's scope (or its
	// scope matched no stretch of the timeline); such a check fails, since
	// nothing showed that it holds. Detail says why, when it is not
	// simply that no request matched.
	NoData bool
	// Detail explains the measured value in words, e.g. which fault was
	// detected last or for how long a sustained check was broken; "" when
	// the value speaks for itself.
	Detail string
}

// Value renders the measured value in the metric's unit, or "no data".
func (c CheckResult) Value() string {
	if c.NoData {
		return "no data"
	}
	return c.Check.Format(c.Measured)
}

// Mark is "✓" for a check that held and "✗" for one that did not.
func (c CheckResult) Mark() string {
	if c.Passed {
		return "✓"
	}
	return "✗"
}

// aggregate is the merged measurements a check looks at.
type aggregate struct {
	count, failures int64
	// dropped and unsent are arrivals due in scope that were never sent:
	// the queue was full, or they were still queued at their load's end.
	dropped, unsent  int64
	rate             float64
	latency, service latencyDist
}

// latencyDist is a latency histogram in µs: a run-wide HDR one or a
// merge of per-second ones.
type latencyDist interface {
	ValueAtQuantile(q float64) int64
	Max() int64
	Min() int64
	Mean() float64
}

func (r *Result) aggregate(loadName, tag, request string) aggregate {
	latency, service := newHistogram(), newHistogram()
	a := aggregate{latency: latency, service: service}
	tagKey, tagValue, _ := strings.Cut(tag, "=")
	for _, l := range r.Loads {
		if loadName != "" && l.Name != loadName {
			continue
		}
		if tag != "" && l.Tags[tagKey] != tagValue {
			continue
		}
		a.dropped += l.Dropped
		a.unsent += l.Unsent
		for _, q := range l.Requests {
			if request != "" && q.Name != request {
				continue
			}
			a.count += q.Count
			a.failures += q.Failures()
			latency.Merge(q.Latency)
			service.Merge(q.Service)
			if l.Elapsed > 0 {
				a.rate += float64(q.Count) / l.Elapsed.Seconds()
			}
		}
	}
	return a
}

// metricValue returns metric measured on a, in the metric's unit.
func metricValue(metric string, a aggregate) float64 {
	ms := func(h latencyDist, q float64) float64 {
		return float64(h.ValueAtQuantile(q)) / 1000
	}
	switch metric {
	case "p50":
		return ms(a.latency, 50)
	case "p90":
		return ms(a.latency, 90)
	case "p95":
		return ms(a.latency, 95)
	case "p99":
		return ms(a.latency, 99)
	case "p99.9":
		return ms(a.latency, 99.9)
	case "max":
		return float64(a.latency.Max()) / 1000
	case "min":
		return float64(a.latency.Min()) / 1000
	case "avg":
		return a.latency.Mean() / 1000
	case "service_p50":
		return ms(a.service, 50)
	case "service_p95":
		return ms(a.service, 95)
	case "service_p99":
		return ms(a.service, 99)
	case "error_rate":
		if a.count > 0 {
			return float64(a.failures) / float64(a.count)
		}
	case "rate":
		return a.rate
	case "count":
		return float64(a.count)
	case "errors":
		return float64(a.failures)
	case "dropped":
		return float64(a.dropped)
	case "lost_requests":
		return float64(a.lost())
	case "lost_rate":
		if due := a.count + a.dropped + a.unsent; due > 0 {
			return float64(a.lost()) / float64(due)
		}
	}
	return 0
}

// lost returns the requests in a that the target never answered well:
// the failed ones (among them those cut when their load's graceful stop
// ran out, outcome.Interrupted) and the arrivals never sent, dropped or
// unsent (DESIGN.md §4: never silently lost).
func (a aggregate) lost() int64 { return a.failures + a.dropped + a.unsent }

// needsData reports whether c's metric means nothing without requests:
// latencies and the error and loss rates.
func needsData(c Check) bool {
	return c.unit == unitDuration || c.Spec.Metric == "error_rate" || c.Spec.Metric == "lost_rate"
}

// noData reports whether a holds nothing for c's metric to measure: no
// request for a latency or the error rate; no request and no arrival
// left unsent for the loss rate.
func noData(c Check, a aggregate) bool {
	if c.Spec.Metric == "lost_rate" {
		return a.count+a.dropped+a.unsent == 0
	}
	return needsData(c) && a.count == 0
}

func (r *Result) evaluate(c Check) CheckResult {
	switch {
	case c.Spec.Metric == "time_to_detect" || c.Spec.Metric == "time_to_recover" || c.Spec.Metric == "breaker_opens":
		return r.evaluateDynamics(c)
	case c.timeScoped() || c.Spec.Sustained > 0:
		return r.evaluateSeries(c)
	}
	a := r.aggregate(c.Spec.Load, c.Spec.Tag, c.Spec.Request)
	if c.Spec.Route != "" {
		a = r.routeAggregate(c.Spec.Route)
	}
	res := CheckResult{Check: c, Measured: metricValue(c.Spec.Metric, a)}
	if noData(c, a) {
		res.NoData = true
		return res
	}
	res.Passed = c.Holds(res.Measured)
	return res
}
