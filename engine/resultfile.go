package engine

import (
	"encoding/json"
	"time"

	"github.com/reslua/reslua/engine/outcome"
)

// The results file's own types: reslua.results/v1 field by field (see
// docs/results-schema.md). resultjson.go fills them from a Result,
// resultread.go turns them back into one.

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
