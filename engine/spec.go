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

	"github.com/reslua/reslua/breaker"
	"github.com/reslua/reslua/engine/mcp"
)

// Limits on one load, far above what one machine can do, to catch typos.
const maxRate = 1_000_000

// Ceilings on the sizes of one load, checked by LoadSpec.Validate: each
// costs memory or a goroutine per unit, so a typo (2,000,000,000) would
// otherwise take the machine down rather than fail the check.
const (
	// MaxWorkers bounds LoadSpec.Workers: a goroutine, and at most one
	// request in flight, each.
	MaxWorkers = 100_000
	// MaxVUs bounds LoadSpec.VUs and a closed load's stage targets, for
	// the same reason: a goroutine and a request in flight each.
	MaxVUs = 100_000
	// MaxQueue bounds LoadSpec.Queue: the queue's buffer is allocated up
	// front (32 bytes an arrival, so 32 MB at the ceiling).
	MaxQueue = 1_000_000
	// MaxSessions bounds LoadSpec.Sessions: each is an MCP session opened
	// on the target (an initialize) before the load starts.
	MaxSessions = 10_000
	// MaxMixWeight bounds MixEntry.Weight: 2^31, so that the weights of
	// any mix add up without overflow.
	MaxMixWeight = 1 << 31
)

// Defaults applied to zero-valued spec fields. They are exported so that
// documentation and tests can quote them.
const (
	DefaultTimeout         = 10 * time.Second
	DefaultWorkers         = 100
	DefaultQueue           = 10000
	DefaultSessions        = 4
	DefaultProtocolVersion = mcp.VersionAuto
	// DefaultGracefulStop is how long requests in flight at a load's end
	// may still run, as k6's gracefulStop: 30 s.
	DefaultGracefulStop = 30 * time.Second
)

// MaxGracefulStop bounds LoadSpec.GracefulStop: the longest latency the
// histograms hold.
const MaxGracefulStop = time.Hour

// SupportedProtocolVersions are the values TargetSpec.ProtocolVersion
// takes: "auto" (detect the era once per target) or an MCP revision, which
// pins it.
var SupportedProtocolVersions = append([]string{mcp.VersionAuto}, mcp.Versions...)

// TargetSpec describes a system under test: an MCP endpoint and the HTTP
// origin it lives on.
type TargetSpec struct {
	// Name labels the target in summaries. Required.
	Name string
	// URL is the MCP endpoint, e.g. "http://127.0.0.1:3001/mcp". HTTP
	// requests in a mix are resolved against its scheme and host. Required.
	URL string
	// Timeout bounds each request, from send to final byte. Zero means
	// DefaultTimeout.
	Timeout time.Duration
	// ProtocolVersion pins the MCP revision ("2025-06-18", "2026-07-28",
	// ...) or, as "auto", has the era detected once per target. Zero
	// means DefaultProtocolVersion ("auto").
	ProtocolVersion string
	// Headers are added to every request to the target. Nil means none.
	Headers map[string]string
	// Breaker puts a client-side circuit breaker in front of the target,
	// shared by every load that sends to it: a refused call is not sent
	// and counts as outcome.Rejected, or as outcome.Fallback (not a
	// failure) when the settings have a Fallback. Nil means none. Name and
	// Clock are set by the engine.
	Breaker *breaker.Settings
	// Chaos puts a fault proxy (package chaos) in front of the target,
	// through which all its traffic goes, so that faults can be injected
	// into it. Zero: none, unless Config.Chaos names the target.
	Chaos bool
}

// Validate returns every problem with s, each naming its field.
func (s TargetSpec) Validate() error {
	var errs []error
	if s.Name == "" {
		errs = append(errs, errors.New(`name: required`))
	}
	if s.URL == "" {
		errs = append(errs, errors.New(`url: required`))
	} else if u, err := url.Parse(s.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf(`url: expected an http:// or https:// URL with a host, got %q`, s.URL))
	}
	if s.Timeout < 0 {
		errs = append(errs, fmt.Errorf("timeout: must not be negative, got %s", s.Timeout))
	}
	if s.Breaker != nil {
		b := *s.Breaker
		b.Name = s.Name
		errs = append(errs, breakerProblems("breaker", b)...)
	}
	if s.ProtocolVersion != "" && !slices.Contains(SupportedProtocolVersions, s.ProtocolVersion) {
		errs = append(errs, fmt.Errorf("protocol_version: expected one of %s, got %q",
			strings.Join(SupportedProtocolVersions, ", "), s.ProtocolVersion))
	}
	return errors.Join(errs...)
}

// breakerProblems returns the problems of breaker settings b, each
// prefixed with key and naming the scenario's keys.
func breakerProblems(key string, b breaker.Settings) []error {
	_, err := breaker.New(b)
	if err == nil {
		return nil
	}
	var out []error
	for _, e := range splitJoined(err) {
		msg := strings.TrimPrefix(e.Error(), fmt.Sprintf("breaker %q: ", b.Name))
		out = append(out, fmt.Errorf("%s: %s", key, breakerKeys.Replace(msg)))
	}
	return out
}

// breakerKeys names breaker.Settings fields as the scenario writes them.
var breakerKeys = strings.NewReplacer(
	"ConsecutiveFailures", "consecutive_failures", "FailureRate", "failure_rate",
	"SlowCallRate", "slow_call_rate", "SlowCallThreshold", "slow_call",
	"FailuresPerWindow", "failures_per_window", "MinCalls", "min_calls",
	"WindowSize", "window", "WindowDuration", "window", "WindowBuckets", "window_buckets",
	"HalfOpenPermits", "half_open_permits", "SuccessThreshold", "success_threshold",
	"OpenFor", "open_for",
)

// splitJoined returns the errors an errors.Join holds, or err alone.
func splitJoined(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// DemoSpec describes an embedded demo MCP server (package engine/demo).
type DemoSpec struct {
	// Name labels the server in logs; zero means "demo".
	Name string
	// Version is the server version reported by initialize; zero means "1.0.0".
	Version string
	// Stateless serves without sessions (no Mcp-Session-Id).
	Stateless bool
	// JSON replies with application/json bodies instead of SSE streams.
	JSON bool
	// ProtocolVersions limits the MCP revisions the server accepts, e.g.
	// {"2025-06-18"} for a legacy-only server. Nil means every revision the
	// SDK serves (2026-07-28 only when Stateless).
	ProtocolVersions []string
	// Latency delays every MCP request by that much: a slow version.
	// Zero: none.
	Latency time.Duration
	// ErrorRate is the share of MCP requests answered 503, spread evenly
	// (0.25: every fourth): a failing version. Zero: none.
	ErrorRate float64
	// Dependency is the host:port of a TCP KV service (Run.StartKV, or a
	// fault proxy in front of one); the server then has a "lookup" tool
	// that depends on it. Zero: none.
	Dependency string
}

// Validate returns every problem with s, each naming its field.
func (s DemoSpec) Validate() error {
	var errs []error
	if s.Latency < 0 {
		errs = append(errs, fmt.Errorf("latency: must not be negative, got %s", s.Latency))
	}
	if s.ErrorRate < 0 || s.ErrorRate > 1 || math.IsNaN(s.ErrorRate) {
		errs = append(errs, fmt.Errorf("error_rate: expected a share between 0 and 1 (0.2 fails every fifth request), got %v", s.ErrorRate))
	}
	for i, v := range s.ProtocolVersions {
		if !slices.Contains(mcp.Versions, v) {
			errs = append(errs, fmt.Errorf("protocol_versions[%d]: expected one of %s, got %q", i+1, strings.Join(mcp.Versions, ", "), v))
		}
	}
	return errors.Join(errs...)
}

// LoadSpec describes one load: requests from Mix sent to Target, either
// open-model (arrivals at a rate, whatever the target does) or closed-model
// (virtual users that each send their next request when the last is done).
type LoadSpec struct {
	// Name labels the load in summaries; zero means the target's name.
	Name string
	// Target receives the load. Required.
	Target *Target
	// Tags label the load ({"tier": "gold"}) so that checks can be scoped
	// to every load with a tag. Nil means none.
	Tags map[string]string

	// Closed selects the closed model: VUs virtual users instead of an
	// arrival Rate. The zero value is the open model.
	Closed bool
	// Rate is the open model's arrival rate in requests per second: held
	// for Duration, or the starting rate of Stages. Must be > 0 without
	// Stages, >= 0 with them.
	Rate float64
	// VUs is the closed model's number of virtual users: held for
	// Duration, or the starting number of Stages. At most MaxVUs.
	VUs int
	// ThinkTime is how long a virtual user waits after a response before
	// its next request. Zero means none.
	ThinkTime time.Duration
	// Duration is how long the load lasts, when it has no Stages.
	Duration time.Duration
	// Stages ramp the rate (open) or the number of users (closed) linearly
	// to each stage's Target over its Duration. Nil means a constant load
	// for Duration.
	Stages []Stage

	// Workers bounds an open load's requests in flight; zero means
	// DefaultWorkers. At most MaxWorkers.
	Workers int
	// Queue bounds an open load's arrivals waiting for a free worker; past
	// it arrivals are dropped and counted. Zero means DefaultQueue. At
	// most MaxQueue.
	Queue int
	// AbortIfBehind aborts the run when an open load sends less than 95 %
	// of its planned rate for this long (a generator or worker pool that
	// cannot keep up makes every figure of the run suspect). Zero means
	// never.
	AbortIfBehind time.Duration
	// GracefulStop is how long requests in flight at the load's end (its
	// planned end, or a stop: abort, interrupt, Stop) may still run, as
	// k6's gracefulStop; those still running then are cut and counted as
	// outcome.Interrupted. Arrivals not yet sent at the end are not sent
	// but counted (LoadResult.Unsent), so the load ends on time. Nil means
	// DefaultGracefulStop; zero cuts them at once. At most MaxGracefulStop.
	GracefulStop *time.Duration

	// Sessions is the number of MCP sessions shared by the load's requests.
	// Zero means DefaultSessions. At most MaxSessions.
	Sessions int
	// SharedConns has the sessions share the target's keep-alive
	// connections; the zero value gives each session a connection of its
	// own, as that many real clients would have.
	SharedConns bool
	// KeepSessions leaves the sessions open on the server at the end (no
	// DELETE), to test session leaks.
	KeepSessions bool
	// FreshSessions opens a session for every request and closes it after,
	// to measure initialize cost under load; Sessions is then unused.
	FreshSessions bool
	// Mix is what each request sends, chosen by weight. At least one entry.
	Mix []MixEntry
	// Hooks builds the requests of mix entries with Build set and checks
	// the replies of those with Check set. Nil means no entry has either.
	Hooks Hooks
}

// Schedule returns the load's rate (open) or number of users (closed) over
// time.
func (s LoadSpec) Schedule() Schedule {
	start := s.Rate
	if s.Closed {
		start = float64(s.VUs)
	}
	if len(s.Stages) > 0 {
		return Ramping(start, s.Stages)
	}
	return Constant(start, s.Duration)
}

// Grace returns GracefulStop, or DefaultGracefulStop when it is nil.
func (s LoadSpec) Grace() time.Duration {
	if s.GracefulStop == nil {
		return DefaultGracefulStop
	}
	return *s.GracefulStop
}

// Length returns how long the load lasts.
func (s LoadSpec) Length() time.Duration {
	if len(s.Stages) == 0 {
		return s.Duration
	}
	var d time.Duration
	for _, st := range s.Stages {
		d += st.Duration
	}
	return d
}

// MixEntry is one weighted request of a mix.
type MixEntry struct {
	// Weight is the entry's share of arrivals relative to the others. > 0
	// and at most MaxMixWeight.
	Weight int
	// Request is what to send. With Build, only its Name is used (and
	// required): the request itself comes from the load's Hooks.
	Request RequestSpec
	// Build makes the request anew for every arrival (LoadSpec.Hooks).
	Build bool
	// Check has every successful reply inspected (LoadSpec.Hooks).
	Check bool
}

// RequestSpec is one request, MCP or plain HTTP. Exactly one of MCP and
// HTTP is set.
type RequestSpec struct {
	// Name labels the request in summaries and checks; zero means a name
	// derived from the request, e.g. "tools/call echo" or "GET /health".
	Name string
	MCP  *MCPRequest
	HTTP *HTTPRequest
}

// MCPRequest is a JSON-RPC request sent within an MCP session.
type MCPRequest struct {
	// Method is the JSON-RPC method, e.g. "tools/list". Required.
	Method string
	// Params is the encoded params object; nil sends none.
	Params json.RawMessage
	// Tool names what the request acts on, for summaries: the tool of a
	// tools/call, the URI of a resources/read, the prompt of a prompts/get.
	// Zero: the method alone names the request.
	Tool string
	// Progress asks for progress notifications (a progressToken in _meta);
	// the summary counts those that arrive.
	Progress bool
	// AllPages makes a tools/list follow nextCursor to the last page, all
	// pages counting as one request; only for tools/list.
	AllPages bool
}

// HTTPRequest is a plain HTTP request against the target's origin.
type HTTPRequest struct {
	// Method is the HTTP method; zero means GET.
	Method string
	// Path is resolved against the target URL's origin, e.g. "/health".
	Path string
	// Body is sent as is; nil sends none.
	Body []byte
}

// DisplayName returns r.Name or the name derived from the request.
func (r RequestSpec) DisplayName() string {
	switch {
	case r.Name != "":
		return r.Name
	case r.MCP != nil && r.MCP.AllPages:
		return r.MCP.Method + " (all pages)"
	case r.MCP != nil && r.MCP.Tool != "":
		return r.MCP.Method + " " + r.MCP.Tool
	case r.MCP != nil:
		return r.MCP.Method
	case r.HTTP != nil:
		m := r.HTTP.Method
		if m == "" {
			m = "GET"
		}
		return m + " " + r.HTTP.Path
	}
	return "?"
}

// Validate returns every problem with s, each naming its field.
func (s LoadSpec) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if s.Target == nil {
		bad("target: required")
	}
	staged := len(s.Stages) > 0
	if s.Closed {
		switch {
		case s.VUs < 0 || (!staged && s.VUs == 0):
			bad("vus: expected a number of virtual users > 0, got %d", s.VUs)
		case s.VUs > MaxVUs:
			bad("vus: at most %d per load (a goroutine and a request in flight each), got %d", MaxVUs, s.VUs)
		}
		if s.Rate != 0 {
			bad("rate: a load has either rate (open model) or vus (closed model), not both")
		}
		if s.Workers != 0 {
			bad("workers: applies to open-model loads (rate = ...); with vus, each user sends its own requests")
		}
		if s.Queue != 0 {
			bad("queue: applies to open-model loads (rate = ...)")
		}
		if s.AbortIfBehind != 0 {
			bad("abort_if_behind: applies to open-model loads (rate = ...)")
		}
	} else {
		switch {
		case math.IsNaN(s.Rate) || s.Rate < 0 || (!staged && s.Rate == 0):
			bad("rate: expected requests per second > 0, got %g", s.Rate)
		case s.Rate > maxRate:
			bad("rate: at most %d per second per load, got %g", maxRate, s.Rate)
		}
		if s.ThinkTime != 0 {
			bad("think_time: applies to closed-model loads (vus = ...)")
		}
		switch {
		case s.Workers < 0:
			bad("workers: must be > 0, got %d", s.Workers)
		case s.Workers > MaxWorkers:
			bad("workers: at most %d per load (a goroutine and a request in flight each), got %d", MaxWorkers, s.Workers)
		}
		switch {
		case s.Queue < 0:
			bad("queue: must be > 0, got %d", s.Queue)
		case s.Queue > MaxQueue:
			bad("queue: at most %d arrivals per load (the queue is allocated up front), got %d", MaxQueue, s.Queue)
		}
		if s.AbortIfBehind < 0 {
			bad("abort_if_behind: must not be negative, got %s", s.AbortIfBehind)
		}
	}
	if s.ThinkTime < 0 {
		bad("think_time: must not be negative, got %s", s.ThinkTime)
	}
	if g := s.GracefulStop; g != nil && *g < 0 {
		bad("graceful_stop: expected a duration >= 0 (how long requests in flight at the load's end may still run), got %s", *g)
	} else if g != nil && *g > MaxGracefulStop {
		bad("graceful_stop: at most %s (the longest latency measured), got %s", MaxGracefulStop, *g)
	}
	switch {
	case staged && s.Duration != 0:
		bad("duration: a load has either duration or stages, not both (the stages' durations add up to the load's length)")
	case !staged && s.Duration <= 0:
		bad("duration: expected a duration > 0, got %s", s.Duration)
	}
	peak := 0.0
	for i, st := range s.Stages {
		if st.Duration <= 0 {
			bad("stages[%d]: duration: expected a duration > 0, got %s", i+1, st.Duration)
		}
		if math.IsNaN(st.Target) || st.Target < 0 {
			bad("stages[%d]: target: must be >= 0, got %g", i+1, st.Target)
		}
		peak = max(peak, st.Target)
	}
	if staged && peak == 0 && s.Rate == 0 && s.VUs == 0 {
		bad("stages: every target is 0, so the load would send nothing")
	}
	if s.Closed && peak > MaxVUs {
		bad("stages: at most %d virtual users per load, got %g", MaxVUs, peak)
	}
	if !s.Closed && peak > maxRate {
		bad("stages: at most %d per second per load, got %g", maxRate, peak)
	}
	for k := range s.Tags {
		if k == "" || strings.ContainsAny(k, "= ") {
			bad("tags: a tag name is a word without '=' or spaces, got %q", k)
		}
	}
	if s.FreshSessions && s.Sessions != 0 {
		bad("sessions: fresh_sessions opens a session per request; leave sessions out")
	}
	switch {
	case s.Sessions < 0:
		bad("sessions: must be > 0, got %d", s.Sessions)
	case s.Sessions > MaxSessions:
		bad("sessions: at most %d MCP sessions per load (each is opened before the load starts), got %d", MaxSessions, s.Sessions)
	}
	if len(s.Mix) == 0 {
		errs = append(errs, errors.New("mix: expected at least one request"))
	}
	for i, e := range s.Mix {
		if e.Weight <= 0 {
			errs = append(errs, fmt.Errorf("mix[%d]: weight must be > 0, got %d", i+1, e.Weight))
		} else if e.Weight > MaxMixWeight {
			errs = append(errs, fmt.Errorf("mix[%d]: weight: at most %d, got %d", i+1, MaxMixWeight, e.Weight))
		}
		if (e.Build || e.Check) && s.Hooks == nil {
			errs = append(errs, fmt.Errorf("mix[%d]: a built or checked request needs the load's hooks", i+1))
		}
		if e.Build {
			if e.Request.Name == "" {
				errs = append(errs, fmt.Errorf("mix[%d]: name: required for a request built by a function, to label it in summaries", i+1))
			}
			continue
		}
		if (e.Request.MCP == nil) == (e.Request.HTTP == nil) {
			errs = append(errs, fmt.Errorf("mix[%d]: expected exactly one MCP or HTTP request", i+1))
		}
		if m := e.Request.MCP; m != nil && m.Method == "" {
			errs = append(errs, fmt.Errorf("mix[%d]: MCP method required", i+1))
		} else if m != nil {
			if _, err := mcp.NewRequest(m.Method, m.Params); err != nil {
				errs = append(errs, fmt.Errorf("mix[%d]: %v", i+1, err))
			}
			if m.AllPages && m.Method != "tools/list" {
				errs = append(errs, fmt.Errorf("mix[%d]: all pages apply to tools/list only, not %s", i+1, m.Method))
			}
		}
		if h := e.Request.HTTP; h != nil && !strings.HasPrefix(h.Path, "/") {
			errs = append(errs, fmt.Errorf("mix[%d]: HTTP path must start with /, got %q", i+1, h.Path))
		}
	}
	return errors.Join(errs...)
}

// Describe renders the load's plan in a few words: "300/s for 30s",
// "0→100→100/s over 30s", "20 users for 30s (think 50ms)".
func (s LoadSpec) Describe() string {
	unit, start := "/s", strconv.FormatFloat(s.Rate, 'f', -1, 64)
	if s.Closed {
		unit, start = " users", strconv.Itoa(s.VUs)
	}
	var b strings.Builder
	b.WriteString(start)
	if len(s.Stages) == 0 {
		b.WriteString(unit + " for " + s.Duration.String())
	} else {
		for _, st := range s.Stages {
			b.WriteString("→" + strconv.FormatFloat(st.Target, 'f', -1, 64))
		}
		b.WriteString(unit + " over " + s.Length().String())
	}
	if s.ThinkTime > 0 {
		b.WriteString(" (think " + s.ThinkTime.String() + ")")
	}
	return b.String()
}
