package engine

import (
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/reslua/reslua/breaker"
	"github.com/reslua/reslua/engine/mcp"
	"github.com/reslua/reslua/engine/outcome"
)

// The results file (reslua run --out): a run's Result as JSON, described
// field by field in docs/results-schema.md. Durations and offsets are
// float milliseconds (fields ending in _ms), histogram values integer
// microseconds (_us). The run-wide HDR histograms are stored in
// HdrHistogram's V2 compressed encoding (base64), so that any HdrHistogram
// implementation can read, re-render and merge them; the per-second
// histograms and the routers' latency distributions, in a sparse list of
// their buckets (encodeBuckets). Result.JSON writes it, ReadResults reads
// it back into a Result with the same figures.

// ResultsSchema names the format of the results file, in its "schema"
// field. A change that breaks readers gets a new version.
const ResultsSchema = "reslua.results/v1"

// RunMeta is what the results file says about a run besides its Result.
type RunMeta struct {
	// Version is reslua's version.
	Version string
	// Scenario is the scenario file, as given on the command line.
	Scenario string
	// Started is when the run started, on the wall clock.
	Started time.Time
	// Error is a failure that ended the run early, such as a script error
	// after traffic started, or one of the run's output files that could
	// not be written; the run's status is then "failed". Zero: none.
	Error string
	// Interrupted is set when the run was stopped from outside (a
	// signal); the verdict is then "interrupted", as Result.Interrupted
	// makes it.
	Interrupted bool
	// ExitCode is the exit code the run ends with.
	ExitCode int
	// Plan is what the scenario declares, as the check pass saw it. Nil:
	// the file has no plan.
	Plan *Plan
}

// Results is a results file read back by ReadResults.
type Results struct {
	// Meta is the run's metadata; its Plan is nil (see Plan below).
	Meta RunMeta
	// Status is "completed", "interrupted", "aborted" or "failed"; Reason
	// says why a run did not complete.
	Status, Reason string
	// Verdict is one of the Verdict constants ("passed", "failed",
	// "aborted", "interrupted", "error").
	Verdict string
	// Plan is the "plan" object as written, or nil: a description of the
	// scenario, not something to run again.
	Plan json.RawMessage
	// Result holds the run's figures, histograms included.
	Result *Result
}

// Status returns how the run ended, for the results file: "failed" with
// meta.Error, else "interrupted", "aborted" (with its reason) or
// "completed".
func (r *Result) Status(meta RunMeta) (status, reason string) {
	switch {
	case meta.Error != "":
		return "failed", meta.Error
	case meta.Interrupted || r.Interrupted:
		return "interrupted", "stopped before its end; the results hold what was recorded until then"
	case r.Aborted != "":
		return "aborted", r.Aborted
	}
	return "completed", ""
}

// JSON returns the results file of r: indented JSON ending in a newline.
func (r *Result) JSON(meta RunMeta) ([]byte, error) {
	f, err := r.file(meta)
	if err != nil {
		return nil, err
	}
	out, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}

// ReadResults reads a results file written by Result.JSON. It accepts
// every reslua.results/v1 file, ignoring fields it does not know (those a
// later minor revision adds), and refuses other schemas.
func ReadResults(data []byte) (*Results, error) {
	var f resultsFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("results: %w", err)
	}
	if f.Schema != ResultsSchema {
		return nil, fmt.Errorf("results: schema %q, expected %q", f.Schema, ResultsSchema)
	}
	res, err := f.result()
	if err != nil {
		return nil, fmt.Errorf("results: %w", err)
	}
	out := &Results{
		Meta:   RunMeta{Version: f.Version, Scenario: f.Scenario, Started: f.StartedAt, Error: f.Error, Interrupted: f.Interrupted, ExitCode: f.ExitCode},
		Status: f.Status, Reason: f.Reason, Verdict: f.Verdict, Result: res,
	}
	if len(f.Plan) > 0 && string(f.Plan) != "null" {
		out.Plan = f.Plan
	}
	return out, nil
}

// The file's shape. Every slice is written as an array, empty or not.

func toMS(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func fromMS(ms float64) time.Duration {
	return time.Duration(math.Round(ms * float64(time.Millisecond)))
}

// file converts r to the file's shape.
func (r *Result) file(meta RunMeta) (*resultsFile, error) {
	status, reason := r.Status(meta)
	f := &resultsFile{
		Schema: ResultsSchema, Version: meta.Version, Scenario: meta.Scenario, TestID: r.TestID, StartedAt: meta.Started,
		ElapsedMS: toMS(r.Elapsed), Status: status, Reason: reason, Interrupted: r.Interrupted || meta.Interrupted, Aborted: r.Aborted,
		Error: meta.Error, DryRun: r.DryRun, Verdict: r.Verdict(meta), ExitCode: meta.ExitCode,
		Checks: fileChecks(r.Checks), Events: fileEvents(r.Events),
		Phases: make([]filePhase, 0, len(r.Phases)), Loads: make([]fileLoad, 0, len(r.Loads)),
		Routers: make([]fileRouter, 0, len(r.Routers)), Rollouts: make([]fileRollout, 0, len(r.Rollouts)),
		Faults: make([]fileFault, 0, len(r.Faults)), Breakers: make([]fileBreaker, 0, len(r.Breakers)),
		Experiments: make([]fileExperiment, 0, len(r.Experiments)),
		Generator: fileGenerator{CPUMS: toMS(r.Generator.CPU), Cores: r.Generator.Cores,
			EmbeddedServers: r.Generator.EmbeddedServers, Warnings: nonNil(r.Generator.Warnings)},
	}
	if meta.Plan != nil {
		plan, err := json.Marshal(planFile(*meta.Plan))
		if err != nil {
			return nil, fmt.Errorf("plan: %w", err)
		}
		f.Plan = plan
	}
	for _, p := range r.Phases {
		f.Phases = append(f.Phases, filePhase{Kind: p.Kind, Name: p.Name, StartMS: toMS(p.Start), EndMS: toMS(p.End)})
	}
	for _, l := range r.Loads {
		fl, err := loadFile(l)
		if err != nil {
			return nil, fmt.Errorf("load %q: %w", l.Name, err)
		}
		f.Loads = append(f.Loads, fl)
	}
	for _, rr := range r.Routers {
		fr := fileRouter{Name: rr.Name, Requests: rr.Requests, Errors: rr.Errors, Unrouted: rr.Unrouted,
			Routes: make([]fileRoute, 0, len(rr.Routes))}
		for _, rt := range rr.Routes {
			lat := rt.Latency
			lo, counts := lat.Buckets()
			route := fileRoute{Name: rt.Name, Weight: rt.Weight, RequestedPct: rt.Requested, AchievedPct: rt.Achieved,
				Requests: rt.Requests, Errors: rt.Errors, Diverted: rt.Diverted,
				Latency: fileRouteLatency{Count: lat.Count(), MeanMS: toMS(lat.Mean()), P50MS: toMS(lat.Quantile(50)),
					P95MS: toMS(lat.Quantile(95)), P99MS: toMS(lat.Quantile(99)), MaxMS: toMS(lat.Max()),
					Buckets: encodeBuckets(denseBuckets(lo, counts))}}
			if rt.Breaker != nil {
				b := breakerFile(*rt.Breaker)
				route.Breaker = &b
			}
			fr.Routes = append(fr.Routes, route)
		}
		for _, s := range rr.Seconds {
			fs := fileRouteSecond{OffsetS: s.Offset.Seconds()}
			for _, c := range s.Routes {
				fs.Requests = append(fs.Requests, c.Requests)
				fs.Errors = append(fs.Errors, c.Errors)
			}
			fr.Seconds = append(fr.Seconds, fs)
		}
		f.Routers = append(f.Routers, fr)
	}
	for _, ro := range r.Rollouts {
		fro := fileRollout{Strategy: ro.Strategy, From: ro.From, To: ro.To, Status: ro.Status, Reason: ro.Reason,
			Steps: make([]fileStep, 0, len(ro.Steps)), Requests: ro.Requests, Errors: ro.Errors,
			StartedMS: toMS(ro.Started), EndedMS: toMS(ro.Ended), Where: ro.Where}
		if ro.Err != nil {
			fro.Error = ro.Err.Error()
		}
		for _, s := range ro.Steps {
			fro.Steps = append(fro.Steps, fileStep{Number: s.Number, Weight: s.Weight, DurationMS: toMS(s.Duration),
				Verdict: s.Verdict, Message: s.Message, Requests: s.Requests, Errors: s.Errors})
		}
		f.Rollouts = append(f.Rollouts, fro)
	}
	for _, fr := range r.Faults {
		f.Faults = append(f.Faults, fileFault{ID: fr.ID, Target: fr.Target, Kind: fr.Kind, StartMS: toMS(fr.Start),
			EndMS: toMS(fr.End), Matched: fr.Matched, Hit: fr.Hit})
	}
	for _, b := range r.Breakers {
		f.Breakers = append(f.Breakers, breakerFile(b))
	}
	for _, e := range r.Experiments {
		fe := fileExperiment{Title: e.Title, Status: e.Status, Reason: e.Reason,
			Before: fileChecks(e.Before), During: fileChecks(e.During), After: fileChecks(e.After),
			Journal: fileEvents(e.Journal), StartMS: toMS(e.Start), EndMS: toMS(e.End),
			Control: e.Control, Experiment: e.Experiment, Comparison: make([]fileFigures, 0, len(e.Comparison)), Where: e.Where}
		for _, g := range e.Comparison {
			fe.Comparison = append(fe.Comparison, fileFigures{Metric: g.Metric, Control: g.Control, Experiment: g.Experiment, Ratio: g.Ratio})
		}
		f.Experiments = append(f.Experiments, fe)
	}
	return f, nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func checkSpecFile(s CheckSpec, name string) fileCheckSpec {
	return fileCheckSpec{Check: name, Metric: s.Metric, Threshold: s.Threshold, Request: s.Request, Load: s.Load,
		Tag: s.Tag, Route: s.Route, During: s.During, FromMS: toMS(s.From), ToMS: toMS(s.To),
		SustainedMS: toMS(s.Sustained), StableMS: toMS(s.Stable), SteadyP95MS: toMS(s.SteadyP95),
		SteadyErrorRate: s.SteadyErrorRate, AbortOnFail: s.AbortOnFail, Where: s.Where}
}

func (s fileCheckSpec) spec() CheckSpec {
	return CheckSpec{Metric: s.Metric, Threshold: s.Threshold, Request: s.Request, Load: s.Load, Tag: s.Tag,
		Route: s.Route, During: s.During, From: fromMS(s.FromMS), To: fromMS(s.ToMS), Sustained: fromMS(s.SustainedMS),
		Stable: fromMS(s.StableMS), SteadyP95: fromMS(s.SteadyP95MS), SteadyErrorRate: s.SteadyErrorRate,
		AbortOnFail: s.AbortOnFail, Where: s.Where}
}

func fileChecks(checks []CheckResult) []fileCheck {
	out := make([]fileCheck, 0, len(checks))
	for _, c := range checks {
		fc := fileCheck{fileCheckSpec: checkSpecFile(c.Check.Spec, c.Check.String()), MeasuredText: c.Value(),
			Passed: c.Passed, NoData: c.NoData, Detail: c.Detail}
		if !math.IsInf(c.Measured, 0) && !math.IsNaN(c.Measured) {
			v := c.Measured
			fc.Measured = &v
		}
		out = append(out, fc)
	}
	return out
}

func fileEvents(events []Event) []fileEvent {
	out := make([]fileEvent, 0, len(events))
	for _, e := range events {
		out = append(out, fileEvent{AtMS: toMS(e.At), Source: e.Source, Kind: e.Kind, Message: e.Message, Detection: e.Detection})
	}
	return out
}

func breakerFile(b BreakerResult) fileBreaker {
	fb := fileBreaker{Target: b.Target, Transitions: make([]fileTransition, 0, len(b.Transitions)),
		OpenDurationsMS: make([]float64, 0, len(b.OpenDurations))}
	for _, t := range b.Transitions {
		fb.Transitions = append(fb.Transitions, fileTransition{AtMS: toMS(t.At), From: t.From, To: t.To, Reason: t.Reason})
	}
	for _, d := range b.OpenDurations {
		fb.OpenDurationsMS = append(fb.OpenDurationsMS, toMS(d))
	}
	return fb
}

func loadFile(l LoadResult) (fileLoad, error) {
	fl := fileLoad{Name: l.Name, Target: l.Target, Model: pick(l.Closed, "closed", "open"), Plan: l.Plan, Tags: l.Tags,
		Rate: l.Rate, VUs: l.VUs, DurationMS: toMS(l.Duration), GracefulStopMS: toMS(l.Grace), StartMS: toMS(l.Start), ElapsedMS: toMS(l.Elapsed),
		Scheduled: l.Scheduled, Completed: l.Completed(), Dropped: l.Dropped, Unsent: l.Unsent, Interrupted: l.Interrupted(),
		DroppedSeconds: make([]fileSecondCount, 0, len(l.DroppedSeconds)), QueueMax: l.QueueMax,
		LagMS: percentiles(l.Lag), Requests: make([]fileRequest, 0, len(l.Requests))}
	var err error
	if fl.Lag, err = encodeHDR(l.Lag); err != nil {
		return fl, fmt.Errorf("lag: %w", err)
	}
	for _, d := range l.DroppedSeconds {
		fl.DroppedSeconds = append(fl.DroppedSeconds, fileSecondCount{OffsetS: int64(d.Offset / time.Second), Count: d.Count})
	}
	for _, d := range l.UnsentSeconds {
		fl.UnsentSeconds = append(fl.UnsentSeconds, fileSecondCount{OffsetS: int64(d.Offset / time.Second), Count: d.Count})
	}
	s := l.Sessions
	fl.Sessions = fileSessions{ProtocolVersion: s.ProtocolVersion, Opened: s.Opened, Reinitialized: s.Reinitialized,
		OpenFailures: s.OpenFailures, Deleted: s.Deleted, DeleteFailures: s.DeleteFailures, LeftOpen: s.LeftOpen, CancelsSent: s.CancelsSent,
		Probes: s.Probes}
	if fl.Sessions.Init, err = encodeHDR(s.Init); err != nil {
		return fl, fmt.Errorf("sessions: %w", err)
	}
	fl.Connections = fileConnections(l.Connections)
	for _, q := range l.Requests {
		fq := fileRequest{Name: q.Name, Count: q.Count, Failures: q.Failures(), Errors: q.Errors,
			LatencyMS: percentiles(q.Latency), ServiceMS: percentiles(q.Service), Progress: q.Progress,
			Seconds: make([]fileSecond, 0, len(q.Seconds))}
		if q.ServerRequests != (mcp.ServerRequests{}) {
			sr := fileServerRequests(q.ServerRequests)
			fq.ServerRequests = &sr
		}
		for _, fs := range q.Samples {
			fq.Samples = append(fq.Samples, fileSample{Kind: fs.Kind, AtMS: toMS(fs.At), Status: fs.Status, Error: fs.Error, Body: fs.Body})
		}
		if fq.Errors == nil {
			fq.Errors = map[outcome.Kind]int64{}
		}
		if q.Count > 0 {
			fq.ErrorRate = float64(fq.Failures) / float64(q.Count)
		}
		if l.Elapsed > 0 {
			fq.Rate = float64(q.Count) / l.Elapsed.Seconds()
		}
		for _, h := range []struct {
			dst *string
			h   *hdrhistogram.Histogram
		}{{&fq.Histograms.Latency, q.Latency}, {&fq.Histograms.Service, q.Service}, {&fq.Histograms.Wait, q.Wait}, {&fq.Histograms.FirstByte, q.FirstByte}} {
			if *h.dst, err = encodeHDR(h.h); err != nil {
				return fl, fmt.Errorf("request %q: %w", q.Name, err)
			}
		}
		for _, sec := range q.Seconds {
			fs := fileSecond{OffsetS: int64(sec.Offset / time.Second), Count: sec.Count, Errors: sec.Errors}
			if sec.Latency != nil {
				fs.Latency = secondHistogramFile(sec.Latency)
			}
			fq.Seconds = append(fq.Seconds, fs)
		}
		fl.Requests = append(fl.Requests, fq)
	}
	return fl, nil
}

// percentiles sums h (µs) up in milliseconds; nil for a nil histogram.
func percentiles(h *hdrhistogram.Histogram) *filePercentiles {
	if h == nil {
		return nil
	}
	ms := func(us int64) float64 { return float64(us) / 1000 }
	return &filePercentiles{Count: h.TotalCount(), Min: ms(h.Min()), Mean: math.Round(h.Mean()) / 1000,
		P50: ms(h.ValueAtQuantile(50)), P90: ms(h.ValueAtQuantile(90)), P95: ms(h.ValueAtQuantile(95)),
		P99: ms(h.ValueAtQuantile(99)), P999: ms(h.ValueAtQuantile(99.9)), Max: ms(h.Max())}
}

func planFile(p Plan) filePlan {
	f := filePlan{LengthMS: toMS(p.Length), Demos: make([]filePlanDemo, 0, len(p.Demos)),
		Targets: make([]filePlanTarget, 0, len(p.Targets)), Routers: make([]filePlanRouter, 0, len(p.Routers)),
		Rollouts: make([]filePlanRollout, 0, len(p.Rollouts)), Faults: make([]filePlanFault, 0, len(p.Faults)),
		Loads: make([]filePlanLoad, 0, len(p.Loads)), Checks: make([]fileCheckSpec, 0, len(p.Checks))}
	for _, d := range p.Demos {
		f.Demos = append(f.Demos, filePlanDemo{Name: d.Name, Version: d.Version, Stateless: d.Stateless, JSON: d.JSON,
			ProtocolVersions: d.ProtocolVersions, LatencyMS: toMS(d.Latency), ErrorRate: d.ErrorRate, Dependency: d.Dependency})
	}
	for _, t := range p.Targets {
		ft := filePlanTarget{Name: t.Name, URL: redactURL(t.URL), TimeoutMS: toMS(cmpOr(t.Timeout, DefaultTimeout)),
			ProtocolVersion: cmpOr(t.ProtocolVersion, DefaultProtocolVersion), Breaker: breakerSettingsFile(t.Breaker), Chaos: t.Chaos}
		for h := range t.Headers {
			ft.Headers = append(ft.Headers, h)
		}
		slices.Sort(ft.Headers)
		f.Targets = append(f.Targets, ft)
	}
	for _, r := range p.Routers {
		fr := filePlanRouter{Name: r.Name, Routes: make([]filePlanRoute, 0, len(r.Routes)), Breaker: breakerSettingsFile(r.Breaker),
			Sticky: r.Sticky, Balance: cmpOr(r.Balance, "round_robin"), Seed: r.Seed, TimeoutMS: toMS(r.Timeout)}
		for _, rt := range r.Routes {
			name := ""
			if rt.Target != nil {
				name = rt.Target.Name()
			}
			fr.Routes = append(fr.Routes, filePlanRoute{Target: name, Weight: rt.Weight, Breaker: breakerSettingsFile(rt.Breaker)})
		}
		f.Routers = append(f.Routers, fr)
	}
	for _, ro := range p.Rollouts {
		f.Rollouts = append(f.Rollouts, filePlanRollout{Strategy: ro.Strategy, From: ro.From, To: ro.To, Steps: nonNil(ro.Steps),
			HoldMS: toMS(ro.Hold), StartMS: toMS(ro.Start)})
	}
	for _, fa := range p.Faults {
		f.Faults = append(f.Faults, filePlanFault{Proxy: fa.Proxy, Kind: fa.Kind, StartMS: toMS(fa.Start), DurationMS: toMS(fa.Duration)})
	}
	for _, pl := range p.Loads {
		s := pl.Spec
		fl := filePlanLoad{Name: s.Name, Target: pl.Target, StartMS: toMS(pl.Start), Plan: s.Describe(),
			Model: pick(s.Closed, "closed", "open"), Tags: s.Tags, Rate: s.Rate, VUs: s.VUs, ThinkTimeMS: toMS(s.ThinkTime),
			DurationMS: toMS(s.Length()), AbortIfBehindMS: toMS(s.AbortIfBehind), GracefulStopMS: toMS(s.Grace()), ShareConnections: s.SharedConns,
			KeepSessions: s.KeepSessions, FreshSessions: s.FreshSessions, Mix: make([]filePlanEntry, 0, len(s.Mix))}
		if !s.Closed {
			fl.Workers, fl.Queue = s.Workers, s.Queue
		}
		if !s.FreshSessions {
			fl.Sessions = s.Sessions
		}
		for _, st := range s.Stages {
			fl.Stages = append(fl.Stages, filePlanStage{Target: st.Target, DurationMS: toMS(st.Duration)})
		}
		for _, e := range s.Mix {
			fe := filePlanEntry{Weight: e.Weight, Name: e.Request.DisplayName(), Built: e.Build, Checked: e.Check}
			if m := e.Request.MCP; m != nil && !e.Build {
				fe.MCP = &filePlanMCP{Method: m.Method, Tool: m.Tool, Progress: m.Progress, AllPages: m.AllPages}
				if len(m.Params) > 0 && json.Valid(m.Params) {
					fe.MCP.Params = m.Params
				}
			}
			if h := e.Request.HTTP; h != nil && !e.Build {
				fe.HTTP = &filePlanHTTP{Method: cmpOr(h.Method, "GET"), Path: h.Path, Body: string(h.Body)}
			}
			fl.Mix = append(fl.Mix, fe)
		}
		f.Loads = append(f.Loads, fl)
	}
	for _, c := range p.Checks {
		name := c.Metric + " " + strings.TrimSpace(c.Threshold)
		if pc, err := ParseCheck(c); err == nil {
			name = pc.String()
		}
		f.Checks = append(f.Checks, checkSpecFile(c, name))
	}
	return f
}

func cmpOr[T comparable](v, zero T) T {
	var z T
	if v == z {
		return zero
	}
	return v
}

// redactURL hides a password in u, which a results file should not carry.
func redactURL(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return u
	}
	return p.Redacted()
}

// breakerSettingsFile describes breaker settings; nil for none.
func breakerSettingsFile(s *breaker.Settings) *filePlanBreaker {
	if s == nil {
		return nil
	}
	b := &filePlanBreaker{Mode: s.Mode.String(), ConsecutiveFailures: s.ConsecutiveFailures, FailureRate: s.FailureRate,
		SlowCallRate: s.SlowCallRate, SlowCallMS: toMS(s.SlowCallThreshold), FailuresPerWindow: s.FailuresPerWindow,
		MinCalls: s.MinCalls, Window: s.WindowSize, WindowMS: toMS(s.WindowDuration), WindowBuckets: s.WindowBuckets,
		HalfOpenPermits: s.HalfOpenPermits, SuccessThreshold: s.SuccessThreshold, TimeoutMS: toMS(s.Timeout),
		Fallback: s.Fallback != nil}
	if s.OpenFor != nil {
		for opens := 1; opens <= 6; opens++ {
			b.OpenForMS = append(b.OpenForMS, toMS(s.OpenFor.OpenDuration(opens)))
		}
	}
	return b
}
