package engine

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/reslua/reslua/breaker"
	"github.com/reslua/reslua/deploy"
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

type resultsFile struct {
	Schema      string           `json:"schema"`
	Version     string           `json:"reslua_version"`
	Scenario    string           `json:"scenario"`
	TestID      string           `json:"testid,omitempty"`
	StartedAt   time.Time        `json:"started_at"`
	ElapsedMS   float64          `json:"elapsed_ms"`
	Status      string           `json:"status"`
	Reason      string           `json:"reason,omitempty"`
	Interrupted bool             `json:"interrupted"`
	Aborted     string           `json:"aborted,omitempty"`
	Error       string           `json:"error,omitempty"`
	DryRun      bool             `json:"dry_run,omitempty"`
	Verdict     string           `json:"verdict"`
	ExitCode    int              `json:"exit_code"`
	Plan        json.RawMessage  `json:"plan,omitempty"`
	Checks      []fileCheck      `json:"checks"`
	Experiments []fileExperiment `json:"experiments"`
	Events      []fileEvent      `json:"events"`
	Phases      []filePhase      `json:"phases"`
	Loads       []fileLoad       `json:"loads"`
	Routers     []fileRouter     `json:"routers"`
	Rollouts    []fileRollout    `json:"rollouts"`
	Faults      []fileFault      `json:"faults"`
	Breakers    []fileBreaker    `json:"breakers"`
	Generator   fileGenerator    `json:"generator"`
}

// fileCheckSpec is a CheckSpec: its metric, threshold and scope.
type fileCheckSpec struct {
	Check           string  `json:"check"` // Check.String(): metric, threshold, scope
	Metric          string  `json:"metric"`
	Threshold       string  `json:"threshold"`
	Request         string  `json:"request,omitempty"`
	Load            string  `json:"load,omitempty"`
	Tag             string  `json:"tag,omitempty"`
	Route           string  `json:"route,omitempty"`
	During          string  `json:"during,omitempty"`
	FromMS          float64 `json:"from_ms,omitempty"`
	ToMS            float64 `json:"to_ms,omitempty"`
	SustainedMS     float64 `json:"sustained_ms,omitempty"`
	StableMS        float64 `json:"stable_ms,omitempty"`
	SteadyP95MS     float64 `json:"steady_p95_ms,omitempty"`
	SteadyErrorRate string  `json:"steady_error_rate,omitempty"`
	AbortOnFail     bool    `json:"abort_on_fail,omitempty"`
	Where           string  `json:"where,omitempty"`
}

type fileCheck struct {
	fileCheckSpec
	// Measured is in the metric's unit; null when infinite ("never").
	Measured     *float64 `json:"measured"`
	MeasuredText string   `json:"measured_text"`
	Passed       bool     `json:"passed"`
	NoData       bool     `json:"no_data"`
	Detail       string   `json:"detail,omitempty"`
}

type fileEvent struct {
	AtMS      float64 `json:"at_ms"`
	Source    string  `json:"source"`
	Kind      string  `json:"kind"`
	Message   string  `json:"message"`
	Detection bool    `json:"detection,omitempty"`
}

type filePhase struct {
	Kind    string  `json:"kind"`
	Name    string  `json:"name"`
	StartMS float64 `json:"start_ms"`
	EndMS   float64 `json:"end_ms"`
}

type fileLoad struct {
	Name           string            `json:"name"`
	Target         string            `json:"target"`
	Model          string            `json:"model"` // "open" or "closed"
	Plan           string            `json:"plan"`
	Tags           map[string]string `json:"tags,omitempty"`
	Rate           float64           `json:"rate,omitempty"`
	VUs            int               `json:"vus,omitempty"`
	DurationMS     float64           `json:"duration_ms"`
	GracefulStopMS float64           `json:"graceful_stop_ms"`
	StartMS        float64           `json:"start_ms"`
	ElapsedMS      float64           `json:"elapsed_ms"`
	Scheduled      int64             `json:"scheduled"`
	Completed      int64             `json:"completed"`
	Dropped        int64             `json:"dropped"`
	Unsent         int64             `json:"unsent"`
	Interrupted    int64             `json:"interrupted"`
	DroppedSeconds []fileSecondCount `json:"dropped_seconds"`
	UnsentSeconds  []fileSecondCount `json:"unsent_seconds,omitempty"`
	QueueMax       int64             `json:"queue_max"`
	LagMS          *filePercentiles  `json:"lag_ms,omitempty"`
	Lag            string            `json:"lag,omitempty"`
	Sessions       fileSessions      `json:"sessions"`
	Connections    fileConnections   `json:"connections"`
	Requests       []fileRequest     `json:"requests"`
}

type fileConnections struct {
	Dials      int64 `json:"dials"`
	Reconnects int64 `json:"reconnects"`
	Replays    int64 `json:"replays"`
}

type fileServerRequests struct {
	Ping        int64 `json:"ping"`
	Sampling    int64 `json:"sampling"`
	Roots       int64 `json:"roots"`
	Elicitation int64 `json:"elicitation"`
	Other       int64 `json:"other"`
	Unanswered  int64 `json:"unanswered"`
}

type fileSecondCount struct {
	OffsetS int64 `json:"offset_s"`
	Count   int64 `json:"count"`
}

type fileSessions struct {
	ProtocolVersion string `json:"protocol_version,omitempty"`
	Opened          int64  `json:"opened"`
	Reinitialized   int64  `json:"reinitialized"`
	OpenFailures    int64  `json:"open_failures"`
	Deleted         int64  `json:"deleted"`
	DeleteFailures  int64  `json:"delete_failures"`
	LeftOpen        int64  `json:"left_open"`
	CancelsSent     int64  `json:"cancels_sent"`
	Probes          int64  `json:"probes"`
	Init            string `json:"init,omitempty"`
}

type fileRequest struct {
	Name      string                 `json:"name"`
	Count     int64                  `json:"count"`
	Failures  int64                  `json:"failures"`
	ErrorRate float64                `json:"error_rate"`
	Rate      float64                `json:"rate"`
	Errors    map[outcome.Kind]int64 `json:"errors"`
	LatencyMS *filePercentiles       `json:"latency_ms,omitempty"`
	ServiceMS *filePercentiles       `json:"service_ms,omitempty"`
	Progress  int64                  `json:"progress,omitempty"`
	// ServerRequests is nil when the servers sent none.
	ServerRequests *fileServerRequests `json:"server_requests,omitempty"`
	Histograms     fileHistograms      `json:"histograms"`
	Seconds        []fileSecond        `json:"seconds"`
	Samples        []fileSample        `json:"samples,omitempty"`
}

// fileSample is a FailureSample: a failed request as it came back.
type fileSample struct {
	Kind   outcome.Kind `json:"kind"`
	AtMS   float64      `json:"at_ms"`
	Status int          `json:"status,omitempty"`
	Error  string       `json:"error,omitempty"`
	Body   string       `json:"body,omitempty"`
}

// filePercentiles sums a histogram up, in milliseconds.
type filePercentiles struct {
	Count int64   `json:"count"`
	Min   float64 `json:"min"`
	Mean  float64 `json:"mean"`
	P50   float64 `json:"p50"`
	P90   float64 `json:"p90"`
	P95   float64 `json:"p95"`
	P99   float64 `json:"p99"`
	P999  float64 `json:"p999"`
	Max   float64 `json:"max"`
}

// fileHistograms are a request's HDR histograms, each in HdrHistogram's
// V2 compressed encoding, base64.
type fileHistograms struct {
	Latency   string `json:"latency,omitempty"`
	Service   string `json:"service,omitempty"`
	Wait      string `json:"wait,omitempty"`
	FirstByte string `json:"first_byte,omitempty"`
}

type fileSecond struct {
	OffsetS int64                  `json:"offset_s"`
	Count   int64                  `json:"count"`
	Errors  map[outcome.Kind]int64 `json:"errors,omitempty"`
	Latency *fileSecondHistogram   `json:"latency,omitempty"`
}

// fileSecondHistogram is a SecondHistogram: its exact min, max and sum,
// and its buckets (encodeBuckets).
type fileSecondHistogram struct {
	MinUS   int64  `json:"min_us"`
	MaxUS   int64  `json:"max_us"`
	SumUS   int64  `json:"sum_us"`
	Buckets string `json:"buckets"`
}

type fileRouter struct {
	Name     string            `json:"name"`
	Requests int64             `json:"requests"`
	Errors   int64             `json:"errors"`
	Unrouted int64             `json:"unrouted"`
	Routes   []fileRoute       `json:"routes"`
	Seconds  []fileRouteSecond `json:"seconds,omitempty"`
}

// fileRouteSecond is one second of a router's traffic: requests and
// errors per route, in the order of "routes".
type fileRouteSecond struct {
	OffsetS  float64 `json:"offset_s"`
	Requests []int64 `json:"requests"`
	Errors   []int64 `json:"errors"`
}

type fileRoute struct {
	Name         string           `json:"name"`
	Weight       int              `json:"weight"`
	RequestedPct float64          `json:"requested_pct"`
	AchievedPct  float64          `json:"achieved_pct"`
	Requests     int64            `json:"requests"`
	Errors       int64            `json:"errors"`
	Diverted     int64            `json:"diverted"`
	Breaker      *fileBreaker     `json:"breaker,omitempty"`
	Latency      fileRouteLatency `json:"latency"`
}

// fileRouteLatency is a route's deploy.Latency: figures in milliseconds
// and its buckets (nanosecond layout of package deploy).
type fileRouteLatency struct {
	Count   int64   `json:"count"`
	MeanMS  float64 `json:"mean_ms"`
	P50MS   float64 `json:"p50_ms"`
	P95MS   float64 `json:"p95_ms"`
	P99MS   float64 `json:"p99_ms"`
	MaxMS   float64 `json:"max_ms"`
	Buckets string  `json:"buckets"`
}

type fileBreaker struct {
	Target          string           `json:"target"`
	Transitions     []fileTransition `json:"transitions"`
	OpenDurationsMS []float64        `json:"open_durations_ms"`
}

type fileTransition struct {
	AtMS   float64 `json:"at_ms"`
	From   string  `json:"from"`
	To     string  `json:"to"`
	Reason string  `json:"reason"`
}

type fileRollout struct {
	Strategy  string     `json:"strategy"`
	From      string     `json:"from"`
	To        string     `json:"to"`
	Status    string     `json:"status"`
	Reason    string     `json:"reason,omitempty"`
	Error     string     `json:"error,omitempty"`
	Steps     []fileStep `json:"steps"`
	Requests  int64      `json:"requests"`
	Errors    int64      `json:"errors"`
	StartedMS float64    `json:"started_ms"`
	EndedMS   float64    `json:"ended_ms"`
	Where     string     `json:"where,omitempty"`
}

type fileStep struct {
	Number     int     `json:"number"`
	Weight     int     `json:"weight"`
	DurationMS float64 `json:"duration_ms"`
	Verdict    string  `json:"verdict"`
	Message    string  `json:"message,omitempty"`
	Requests   int64   `json:"requests"`
	Errors     int64   `json:"errors"`
}

type fileFault struct {
	ID      string  `json:"id"`
	Target  string  `json:"target"`
	Kind    string  `json:"kind"`
	StartMS float64 `json:"start_ms"`
	EndMS   float64 `json:"end_ms"`
	Matched int64   `json:"matched"`
	Hit     int64   `json:"hit"`
}

type fileExperiment struct {
	Title      string        `json:"title"`
	Status     string        `json:"status"`
	Reason     string        `json:"reason,omitempty"`
	Before     []fileCheck   `json:"before"`
	During     []fileCheck   `json:"during"`
	After      []fileCheck   `json:"after"`
	Journal    []fileEvent   `json:"journal"`
	StartMS    float64       `json:"start_ms"`
	EndMS      float64       `json:"end_ms"`
	Control    string        `json:"control,omitempty"`
	Experiment string        `json:"experiment,omitempty"`
	Comparison []fileFigures `json:"comparison"`
	Where      string        `json:"where,omitempty"`
}

type fileFigures struct {
	Metric     string  `json:"metric"`
	Control    string  `json:"control"`
	Experiment string  `json:"experiment"`
	Ratio      float64 `json:"ratio"`
}

type fileGenerator struct {
	CPUMS           float64  `json:"cpu_ms"`
	Cores           int      `json:"cores"`
	EmbeddedServers int      `json:"embedded_servers"`
	Warnings        []string `json:"warnings"`
}

// The plan's shape: the scenario's declarations as data.

type filePlan struct {
	LengthMS float64           `json:"length_ms"`
	Demos    []filePlanDemo    `json:"demos"`
	Targets  []filePlanTarget  `json:"targets"`
	Routers  []filePlanRouter  `json:"routers"`
	Rollouts []filePlanRollout `json:"rollouts"`
	Faults   []filePlanFault   `json:"faults"`
	Loads    []filePlanLoad    `json:"loads"`
	Checks   []fileCheckSpec   `json:"checks"`
}

type filePlanDemo struct {
	Name             string   `json:"name"`
	Version          string   `json:"version"`
	Stateless        bool     `json:"stateless"`
	JSON             bool     `json:"json"`
	ProtocolVersions []string `json:"protocol_versions,omitempty"`
	LatencyMS        float64  `json:"latency_ms,omitempty"`
	ErrorRate        float64  `json:"error_rate,omitempty"`
	Dependency       string   `json:"dependency,omitempty"`
}

type filePlanTarget struct {
	Name            string           `json:"name"`
	URL             string           `json:"url"`
	TimeoutMS       float64          `json:"timeout_ms"`
	ProtocolVersion string           `json:"protocol_version"`
	Headers         []string         `json:"headers,omitempty"` // names only
	Breaker         *filePlanBreaker `json:"breaker,omitempty"`
	Chaos           bool             `json:"chaos,omitempty"`
}

// filePlanBreaker is a breaker's settings; OpenForMS gives the backoff as
// its first six open periods.
type filePlanBreaker struct {
	Mode                string    `json:"mode"`
	ConsecutiveFailures int       `json:"consecutive_failures,omitempty"`
	FailureRate         float64   `json:"failure_rate,omitempty"`
	SlowCallRate        float64   `json:"slow_call_rate,omitempty"`
	SlowCallMS          float64   `json:"slow_call_ms,omitempty"`
	FailuresPerWindow   int       `json:"failures_per_window,omitempty"`
	MinCalls            int       `json:"min_calls,omitempty"`
	Window              int       `json:"window,omitempty"`
	WindowMS            float64   `json:"window_ms,omitempty"`
	WindowBuckets       int       `json:"window_buckets,omitempty"`
	OpenForMS           []float64 `json:"open_for_ms,omitempty"`
	HalfOpenPermits     int       `json:"half_open_permits,omitempty"`
	SuccessThreshold    int       `json:"success_threshold,omitempty"`
	TimeoutMS           float64   `json:"timeout_ms,omitempty"`
	Fallback            bool      `json:"fallback,omitempty"`
}

type filePlanRouter struct {
	Name      string           `json:"name"`
	Routes    []filePlanRoute  `json:"routes"`
	Breaker   *filePlanBreaker `json:"breaker,omitempty"`
	Sticky    bool             `json:"sticky"`
	Balance   string           `json:"balance"`
	Seed      uint64           `json:"seed"`
	TimeoutMS float64          `json:"timeout_ms,omitempty"`
}

type filePlanRoute struct {
	Target  string           `json:"target"`
	Weight  int              `json:"weight"`
	Breaker *filePlanBreaker `json:"breaker,omitempty"`
}

type filePlanRollout struct {
	Strategy string  `json:"strategy"`
	From     string  `json:"from"`
	To       string  `json:"to"`
	Steps    []int   `json:"steps"`
	HoldMS   float64 `json:"hold_ms"`
	StartMS  float64 `json:"start_ms"`
}

type filePlanFault struct {
	Proxy      string  `json:"proxy"`
	Kind       string  `json:"kind"`
	StartMS    float64 `json:"start_ms"`
	DurationMS float64 `json:"duration_ms"`
}

type filePlanLoad struct {
	Name             string            `json:"name"`
	Target           string            `json:"target"`
	StartMS          float64           `json:"start_ms"`
	Plan             string            `json:"plan"`
	Model            string            `json:"model"`
	Tags             map[string]string `json:"tags,omitempty"`
	Rate             float64           `json:"rate,omitempty"`
	VUs              int               `json:"vus,omitempty"`
	ThinkTimeMS      float64           `json:"think_time_ms,omitempty"`
	DurationMS       float64           `json:"duration_ms"`
	Stages           []filePlanStage   `json:"stages,omitempty"`
	Workers          int               `json:"workers,omitempty"`
	Queue            int               `json:"queue,omitempty"`
	AbortIfBehindMS  float64           `json:"abort_if_behind_ms,omitempty"`
	GracefulStopMS   float64           `json:"graceful_stop_ms"`
	Sessions         int               `json:"sessions,omitempty"`
	ShareConnections bool              `json:"share_connections,omitempty"`
	KeepSessions     bool              `json:"keep_sessions,omitempty"`
	FreshSessions    bool              `json:"fresh_sessions,omitempty"`
	Mix              []filePlanEntry   `json:"mix"`
}

type filePlanStage struct {
	Target     float64 `json:"target"`
	DurationMS float64 `json:"duration_ms"`
}

type filePlanEntry struct {
	Weight int    `json:"weight"`
	Name   string `json:"name"`
	// Built: a Lua function builds the request; Checked: a Lua function
	// checks its replies.
	Built   bool          `json:"built,omitempty"`
	Checked bool          `json:"checked,omitempty"`
	MCP     *filePlanMCP  `json:"mcp,omitempty"`
	HTTP    *filePlanHTTP `json:"http,omitempty"`
}

type filePlanMCP struct {
	Method   string          `json:"method"`
	Tool     string          `json:"tool,omitempty"`
	Params   json.RawMessage `json:"params,omitempty"`
	Progress bool            `json:"progress,omitempty"`
	AllPages bool            `json:"all_pages,omitempty"`
}

type filePlanHTTP struct {
	Method string `json:"method"`
	Path   string `json:"path"`
	Body   string `json:"body,omitempty"`
}

// Durations and offsets are float milliseconds: exact to the nanosecond
// for anything shorter than about 100 days.

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

// encodeHDR returns h in HdrHistogram's V2 compressed encoding, base64;
// "" for a nil histogram.
func encodeHDR(h *hdrhistogram.Histogram) (string, error) {
	if h == nil {
		return "", nil
	}
	b, err := h.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
	if err != nil {
		return "", fmt.Errorf("encoding a histogram: %w", err)
	}
	return string(b), nil
}

// decodeHDR reads what encodeHDR wrote; "" gives nil.
func decodeHDR(s string) (*hdrhistogram.Histogram, error) {
	if s == "" {
		return nil, nil
	}
	h, err := hdrhistogram.Decode([]byte(s))
	if err != nil {
		return nil, fmt.Errorf("decoding a histogram: %w", err)
	}
	return h, nil
}

// bucket is one non-empty bucket of a histogram.
type bucket struct {
	index int
	count int64
}

// encodeBuckets writes non-empty buckets, in increasing index order, as
// space-separated "index:count" pairs in which every index but the first
// is the difference from the previous one: "300:2 1:5 14:1" holds two
// values in bucket 300, five in 301 and one in 315. "" when empty.
func encodeBuckets(bs []bucket) string {
	var out []byte
	prev := 0
	for i, b := range bs {
		if i > 0 {
			out = append(out, ' ')
		}
		out = strconv.AppendInt(out, int64(b.index-prev), 10)
		out = append(out, ':')
		out = strconv.AppendInt(out, b.count, 10)
		prev = b.index
	}
	return string(out)
}

// decodeBuckets reads what encodeBuckets wrote: indexes in 0..maxIndex,
// increasing, counts > 0.
func decodeBuckets(s string, maxIndex int) ([]bucket, error) {
	if s == "" {
		return nil, nil
	}
	fields := strings.Fields(s)
	out := make([]bucket, 0, len(fields))
	index := 0
	for i, p := range fields {
		d, c, ok := strings.Cut(p, ":")
		delta, err1 := strconv.Atoi(d)
		count, err2 := strconv.ParseInt(c, 10, 64)
		if !ok || err1 != nil || err2 != nil {
			return nil, fmt.Errorf("buckets: %q is not index:count", p)
		}
		if i > 0 && delta <= 0 {
			return nil, fmt.Errorf("buckets: %q: indexes must increase", p)
		}
		if delta < 0 || delta > maxIndex-index {
			return nil, fmt.Errorf("buckets: %q: index outside 0..%d", p, maxIndex)
		}
		index += delta
		if count <= 0 {
			return nil, fmt.Errorf("buckets: %q: count must be > 0", p)
		}
		out = append(out, bucket{index, count})
	}
	return out, nil
}

// denseBuckets returns the non-empty buckets of counts, the first being
// bucket lo.
func denseBuckets(lo int, counts []int64) []bucket {
	var out []bucket
	for i, c := range counts {
		if c != 0 {
			out = append(out, bucket{lo + i, c})
		}
	}
	return out
}

func secondHistogramFile(h *SecondHistogram) *fileSecondHistogram {
	var bs []bucket
	for o, oct := range h.octaves {
		if oct == nil {
			continue
		}
		for j, n := range oct {
			if n > 0 {
				bs = append(bs, bucket{o<<shSubBits + j, int64(n)})
			}
		}
	}
	return &fileSecondHistogram{MinUS: h.min, MaxUS: h.max, SumUS: h.sum, Buckets: encodeBuckets(bs)}
}

func (f *fileSecondHistogram) histogram() (*SecondHistogram, error) {
	bs, err := decodeBuckets(f.Buckets, shIndex(histMax))
	if err != nil {
		return nil, err
	}
	h := &SecondHistogram{min: f.MinUS, max: f.MaxUS, sum: f.SumUS}
	for _, b := range bs {
		if b.count > math.MaxUint32 {
			return nil, fmt.Errorf("buckets: bucket %d: count %d too large", b.index, b.count)
		}
		o := b.index >> shSubBits
		if o >= len(h.octaves) {
			h.octaves = slices.Grow(h.octaves, o+1-len(h.octaves))[:o+1]
		}
		if h.octaves[o] == nil {
			h.octaves[o] = new([shSub]uint32)
		}
		h.octaves[o][b.index&(shSub-1)] = uint32(b.count)
		h.count += b.count
	}
	if h.count == 0 {
		h.min, h.max, h.sum = 0, 0, 0
	} else if h.min > h.max || h.min < 0 {
		return nil, fmt.Errorf("min_us %d, max_us %d: inconsistent", h.min, h.max)
	}
	return h, nil
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

// result converts the file back to a Result.
func (f *resultsFile) result() (*Result, error) {
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
		l, err := fl.load()
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
	counts := make([]int64, bs[len(bs)-1].index-lo+1)
	if len(counts) > 1<<16 {
		return deploy.Latency{}, fmt.Errorf("buckets: index %d out of range", bs[len(bs)-1].index)
	}
	for _, b := range bs {
		counts[b.index-lo] = b.count
	}
	return deploy.LatencyFromBuckets(lo, counts)
}

func (fl fileLoad) load() (LoadResult, error) {
	l := LoadResult{Name: fl.Name, Target: fl.Target, Closed: fl.Model == "closed", Plan: fl.Plan, Tags: fl.Tags,
		Rate: fl.Rate, VUs: fl.VUs, Duration: fromMS(fl.DurationMS), Grace: fromMS(fl.GracefulStopMS), Start: fromMS(fl.StartMS), Elapsed: fromMS(fl.ElapsedMS),
		Scheduled: fl.Scheduled, Dropped: fl.Dropped, Unsent: fl.Unsent, QueueMax: fl.QueueMax}
	var err error
	if l.Lag, err = decodeHDR(fl.Lag); err != nil {
		return l, fmt.Errorf("lag: %w", err)
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
	if l.Sessions.Init, err = decodeHDR(s.Init); err != nil {
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
			dst  **hdrhistogram.Histogram
			src  string
			name string
		}{{&q.Latency, fq.Histograms.Latency, "latency"}, {&q.Service, fq.Histograms.Service, "service"},
			{&q.Wait, fq.Histograms.Wait, "wait"}, {&q.FirstByte, fq.Histograms.FirstByte, "first_byte"}} {
			if *h.dst, err = decodeHDR(h.src); err != nil {
				return l, fmt.Errorf("request %q: %s: %w", fq.Name, h.name, err)
			}
		}
		for _, fs := range fq.Seconds {
			st := SecondStats{Offset: time.Duration(fs.OffsetS) * time.Second, Count: fs.Count, Errors: fs.Errors}
			if fs.Latency != nil {
				if st.Latency, err = fs.Latency.histogram(); err != nil {
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
