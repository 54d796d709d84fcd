package engine

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/reslua/reslua/deploy"
	"github.com/reslua/reslua/engine/mcp"
	"github.com/reslua/reslua/engine/outcome"
)

// Reading a results file back into a Result, for ReadResults.

// result converts the file back to a Result.
func (f *resultsFile) result() (*Result, error) {
	if err := f.validate(); err != nil {
		return nil, err
	}
	budget := &histBudget{left: maxHistogramBytes}
	r := &Result{TestID: f.TestID, Elapsed: fromMS(f.ElapsedMS), Interrupted: f.Interrupted, Aborted: f.Aborted, DryRun: f.DryRun,
		Generator: GeneratorHealth{CPU: fromMS(f.Generator.CPUMS), Cores: f.Generator.Cores,
			EmbeddedServers: f.Generator.EmbeddedServers, Warnings: f.Generator.Warnings},
		Events: eventsOf(f.Events)}
	var err error
	if r.Checks, err = checksOf(f.Checks); err != nil {
		return nil, err
	}
	for _, p := range f.Phases {
		r.Phases = append(r.Phases, Phase{Kind: p.Kind, Name: p.Name, Start: fromMS(p.StartMS), End: fromMS(p.EndMS)})
	}
	for _, fl := range f.Loads {
		l, err := fl.load(budget)
		if err != nil {
			return nil, fmt.Errorf("load %q: %w", fl.Name, err)
		}
		r.Loads = append(r.Loads, l)
	}
	for _, fr := range f.Routers {
		rr := RouterResult{Name: fr.Name, Requests: fr.Requests, Errors: fr.Errors, Unrouted: fr.Unrouted}
		for _, rt := range fr.Routes {
			route := RouteResult{Name: rt.Name, Weight: rt.Weight, Requested: rt.RequestedPct, Achieved: rt.AchievedPct,
				Requests: rt.Requests, Errors: rt.Errors, Diverted: rt.Diverted}
			if rt.Breaker != nil {
				b := rt.Breaker.result()
				route.Breaker = &b
			}
			if route.Latency, err = routeLatencyOf(rt.Latency.Buckets); err != nil {
				return nil, fmt.Errorf("router %q: route %q: latency: %w", fr.Name, rt.Name, err)
			}
			rr.Routes = append(rr.Routes, route)
		}
		for _, fs := range fr.Seconds {
			if len(fs.Requests) != len(fr.Routes) || len(fs.Errors) != len(fr.Routes) {
				return nil, fmt.Errorf("router %q: a second has %d requests and %d errors for %d routes", fr.Name, len(fs.Requests), len(fs.Errors), len(fr.Routes))
			}
			s := RouteSecond{Offset: time.Duration(fs.OffsetS * float64(time.Second))}
			for i, rt := range fr.Routes {
				s.Routes = append(s.Routes, RouteCount{Name: rt.Name, Requests: fs.Requests[i], Errors: fs.Errors[i]})
			}
			rr.Seconds = append(rr.Seconds, s)
		}
		r.Routers = append(r.Routers, rr)
	}
	for _, fro := range f.Rollouts {
		ro := RolloutResult{Strategy: fro.Strategy, From: fro.From, To: fro.To, Status: fro.Status, Reason: fro.Reason,
			Requests: fro.Requests, Errors: fro.Errors, Started: fromMS(fro.StartedMS), Ended: fromMS(fro.EndedMS), Where: fro.Where}
		if fro.Error != "" {
			ro.Err = errors.New(fro.Error)
		}
		for _, s := range fro.Steps {
			ro.Steps = append(ro.Steps, RolloutStep{Number: s.Number, Weight: s.Weight, Duration: fromMS(s.DurationMS),
				Verdict: s.Verdict, Message: s.Message, Requests: s.Requests, Errors: s.Errors})
		}
		r.Rollouts = append(r.Rollouts, ro)
	}
	for _, fa := range f.Faults {
		r.Faults = append(r.Faults, FaultResult{ID: fa.ID, Target: fa.Target, Kind: fa.Kind, Start: fromMS(fa.StartMS),
			End: fromMS(fa.EndMS), Matched: fa.Matched, Hit: fa.Hit})
	}
	for _, b := range f.Breakers {
		r.Breakers = append(r.Breakers, b.result())
	}
	for _, fe := range f.Experiments {
		e := ExperimentResult{Title: fe.Title, Status: fe.Status, Reason: fe.Reason, Journal: eventsOf(fe.Journal),
			Start: fromMS(fe.StartMS), End: fromMS(fe.EndMS), Control: fe.Control, Experiment: fe.Experiment, Where: fe.Where}
		for _, list := range []struct {
			dst *[]CheckResult
			src []fileCheck
		}{{&e.Before, fe.Before}, {&e.During, fe.During}, {&e.After, fe.After}} {
			if *list.dst, err = checksOf(list.src); err != nil {
				return nil, fmt.Errorf("experiment %q: %w", fe.Title, err)
			}
		}
		for _, g := range fe.Comparison {
			e.Comparison = append(e.Comparison, GroupFigure{Metric: g.Metric, Control: g.Control, Experiment: g.Experiment, Ratio: g.Ratio})
		}
		r.Experiments = append(r.Experiments, e)
	}
	return r, nil
}

func checksOf(fcs []fileCheck) ([]CheckResult, error) {
	var out []CheckResult
	for _, fc := range fcs {
		c, err := ParseCheck(fc.spec())
		if err != nil {
			return nil, fmt.Errorf("check %q: %w", fc.Check, err)
		}
		cr := CheckResult{Check: c, Measured: math.Inf(1), Passed: fc.Passed, NoData: fc.NoData, Detail: fc.Detail}
		if fc.Measured != nil {
			cr.Measured = *fc.Measured
		}
		out = append(out, cr)
	}
	return out, nil
}

func eventsOf(fes []fileEvent) []Event {
	var out []Event
	for _, e := range fes {
		out = append(out, Event{At: fromMS(e.AtMS), Source: e.Source, Kind: e.Kind, Message: e.Message, Detection: e.Detection})
	}
	return out
}

func (b fileBreaker) result() BreakerResult {
	br := BreakerResult{Target: b.Target}
	for _, t := range b.Transitions {
		br.Transitions = append(br.Transitions, BreakerTransition{At: fromMS(t.AtMS), From: t.From, To: t.To, Reason: t.Reason})
	}
	for _, d := range b.OpenDurationsMS {
		br.OpenDurations = append(br.OpenDurations, fromMS(d))
	}
	return br
}

// routeLatencyOf reads a route's buckets back (package deploy's layout).
func routeLatencyOf(s string) (deploy.Latency, error) {
	bs, err := decodeBuckets(s, math.MaxInt32)
	if err != nil || len(bs) == 0 {
		return deploy.Latency{}, err
	}
	lo := bs[0].index
	// The span is checked before anything is allocated for it.
	if span := bs[len(bs)-1].index - lo + 1; span > 1<<16 {
		return deploy.Latency{}, fmt.Errorf("buckets: indexes %d to %d: expected at most %d buckets apart", lo, bs[len(bs)-1].index, 1<<16)
	}
	counts := make([]int64, bs[len(bs)-1].index-lo+1)
	for _, b := range bs {
		counts[b.index-lo] = b.count
	}
	return deploy.LatencyFromBuckets(lo, counts)
}

// load reads a load back. Latency, service time and wait are required
// of a request that has any (the summary and the report read them); a
// request of none, and a load without a lag histogram, get empty ones.
func (fl fileLoad) load(budget *histBudget) (LoadResult, error) {
	l := LoadResult{Name: fl.Name, Target: fl.Target, Closed: fl.Model == "closed", Plan: fl.Plan, Tags: fl.Tags,
		Rate: fl.Rate, VUs: fl.VUs, Duration: fromMS(fl.DurationMS), Grace: fromMS(fl.GracefulStopMS), Start: fromMS(fl.StartMS), Elapsed: fromMS(fl.ElapsedMS),
		Scheduled: fl.Scheduled, Dropped: fl.Dropped, Unsent: fl.Unsent, QueueMax: fl.QueueMax}
	var err error
	if l.Lag, err = decodeHDRBounded(fl.Lag, budget); err != nil {
		return l, fmt.Errorf("lag: %w", err)
	}
	if l.Lag == nil {
		if l.Lag, err = budget.empty(); err != nil {
			return l, fmt.Errorf("lag: %w", err)
		}
	}
	for _, d := range fl.DroppedSeconds {
		l.DroppedSeconds = append(l.DroppedSeconds, SecondCount{Offset: time.Duration(d.OffsetS) * time.Second, Count: d.Count})
	}
	for _, d := range fl.UnsentSeconds {
		l.UnsentSeconds = append(l.UnsentSeconds, SecondCount{Offset: time.Duration(d.OffsetS) * time.Second, Count: d.Count})
	}
	s := fl.Sessions
	l.Sessions = SessionResult{ProtocolVersion: s.ProtocolVersion, Opened: s.Opened, Reinitialized: s.Reinitialized,
		OpenFailures: s.OpenFailures, Deleted: s.Deleted, DeleteFailures: s.DeleteFailures, LeftOpen: s.LeftOpen, CancelsSent: s.CancelsSent,
		Probes: s.Probes}
	if l.Sessions.Init, err = decodeHDRBounded(s.Init, budget); err != nil {
		return l, fmt.Errorf("sessions: init: %w", err)
	}
	l.Connections = ConnResult(fl.Connections)
	for _, fq := range fl.Requests {
		q := RequestResult{Name: fq.Name, Count: fq.Count, Errors: fq.Errors, Progress: fq.Progress}
		if fq.ServerRequests != nil {
			q.ServerRequests = mcp.ServerRequests(*fq.ServerRequests)
		}
		if q.Errors == nil {
			q.Errors = map[outcome.Kind]int64{}
		}
		if q.Samples, err = samplesOf(fq.Samples); err != nil {
			return l, fmt.Errorf("request %q: %w", fq.Name, err)
		}
		for _, h := range []struct {
			dst      **hdrhistogram.Histogram
			src      string
			name     string
			required bool
		}{{&q.Latency, fq.Histograms.Latency, "latency", true}, {&q.Service, fq.Histograms.Service, "service", true},
			{&q.Wait, fq.Histograms.Wait, "wait", true}, {&q.FirstByte, fq.Histograms.FirstByte, "first_byte", false}} {
			if *h.dst, err = decodeHDRBounded(h.src, budget); err != nil {
				return l, fmt.Errorf("request %q: histograms.%s: %w", fq.Name, h.name, err)
			}
			if *h.dst == nil && h.required {
				if fq.Count > 0 {
					return l, fmt.Errorf("request %q: histograms.%s: missing: expected the histogram of its %d requests (HdrHistogram V2, base64)", fq.Name, h.name, fq.Count)
				}
				if *h.dst, err = budget.empty(); err != nil {
					return l, fmt.Errorf("request %q: histograms.%s: %w", fq.Name, h.name, err)
				}
			}
		}
		for _, fs := range fq.Seconds {
			st := SecondStats{Offset: time.Duration(fs.OffsetS) * time.Second, Count: fs.Count, Errors: fs.Errors}
			if fs.Latency != nil {
				if st.Latency, err = fs.Latency.histogram(budget); err != nil {
					return l, fmt.Errorf("request %q: second %d: %w", fq.Name, fs.OffsetS, err)
				}
			}
			q.Seconds = append(q.Seconds, st)
		}
		l.Requests = append(l.Requests, q)
	}
	return l, nil
}

// samplesOf reads a request's failure samples, no more than a run keeps,
// each clipped to the bounds a run applies.
func samplesOf(fss []fileSample) ([]FailureSample, error) {
	if len(fss) == 0 {
		return nil, nil
	}
	if len(fss) > SamplesPerKind*maxSampleKinds {
		return nil, fmt.Errorf("samples: %d, at most %d", len(fss), SamplesPerKind*maxSampleKinds)
	}
	out := make([]FailureSample, len(fss))
	for i, fs := range fss {
		if math.IsNaN(fs.AtMS) || math.IsInf(fs.AtMS, 0) {
			return nil, fmt.Errorf("samples: %d: at_ms: expected a finite number", i)
		}
		out[i] = FailureSample{Kind: outcome.Kind(clipText(string(fs.Kind), 64)), At: fromMS(fs.AtMS), Status: fs.Status,
			Error: clipText(fs.Error, SampleErrorBytes), Body: clipText(fs.Body, SampleBodyBytes)}
	}
	return out, nil
}
