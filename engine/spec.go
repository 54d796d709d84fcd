package engine

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Defaults applied to zero-valued spec fields. They are exported so that
// documentation and tests can quote them.
const (
	DefaultTimeout         = 10 * time.Second
	DefaultWorkers         = 100
	DefaultQueue           = 10000
	DefaultSessions        = 4
	DefaultProtocolVersion = "2025-06-18"
)

// SupportedProtocolVersions are the MCP revisions the client speaks, oldest
// first.
var SupportedProtocolVersions = []string{"2025-03-26", "2025-06-18", "2025-11-25"}

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
	// ProtocolVersion is the MCP revision sent in initialize and in the
	// MCP-Protocol-Version header. Zero means DefaultProtocolVersion.
	ProtocolVersion string
	// Headers are added to every request to the target. Nil means none.
	Headers map[string]string
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
	if s.ProtocolVersion != "" && !contains(SupportedProtocolVersions, s.ProtocolVersion) {
		errs = append(errs, fmt.Errorf("protocol_version: expected one of %s, got %q",
			strings.Join(SupportedProtocolVersions, ", "), s.ProtocolVersion))
	}
	return errors.Join(errs...)
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
}

// LoadSpec describes one open-model load: requests from Mix arriving at a
// constant Rate for Duration.
type LoadSpec struct {
	// Name labels the load in summaries; zero means the target's name.
	Name string
	// Target receives the load. Required.
	Target *Target
	// Rate is the arrival rate in requests per second. Must be > 0.
	Rate float64
	// Duration is how long arrivals are scheduled. Must be > 0.
	Duration time.Duration
	// Workers bounds requests in flight; zero means DefaultWorkers.
	Workers int
	// Queue bounds arrivals waiting for a free worker; past it arrivals are
	// dropped and counted. Zero means DefaultQueue.
	Queue int
	// Sessions is the number of MCP sessions shared by the load's arrivals.
	// Zero means DefaultSessions.
	Sessions int
	// Mix is what each arrival sends, chosen by weight. At least one entry.
	Mix []MixEntry
}

// MixEntry is one weighted request of a mix.
type MixEntry struct {
	// Weight is the entry's share of arrivals relative to the others. > 0.
	Weight int
	// Request is what to send.
	Request RequestSpec
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
	// Tool is the tool name of a tools/call, used to name the request.
	Tool string
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
	if s.Target == nil {
		errs = append(errs, errors.New("target: required"))
	}
	if !(s.Rate > 0) {
		errs = append(errs, fmt.Errorf("rate: expected requests per second > 0, got %g", s.Rate))
	} else if s.Rate > 1e6 {
		errs = append(errs, fmt.Errorf("rate: at most 1000000 per second per load, got %g", s.Rate))
	}
	if s.Duration <= 0 {
		errs = append(errs, fmt.Errorf("duration: expected a duration > 0, got %s", s.Duration))
	}
	if s.Workers < 0 {
		errs = append(errs, fmt.Errorf("workers: must be > 0, got %d", s.Workers))
	}
	if s.Queue < 0 {
		errs = append(errs, fmt.Errorf("queue: must be > 0, got %d", s.Queue))
	}
	if s.Sessions < 0 {
		errs = append(errs, fmt.Errorf("sessions: must be > 0, got %d", s.Sessions))
	}
	if len(s.Mix) == 0 {
		errs = append(errs, errors.New("mix: expected at least one request"))
	}
	for i, e := range s.Mix {
		if e.Weight <= 0 {
			errs = append(errs, fmt.Errorf("mix[%d]: weight must be > 0, got %d", i+1, e.Weight))
		}
		if (e.Request.MCP == nil) == (e.Request.HTTP == nil) {
			errs = append(errs, fmt.Errorf("mix[%d]: expected exactly one MCP or HTTP request", i+1))
		}
		if e.Request.MCP != nil && e.Request.MCP.Method == "" {
			errs = append(errs, fmt.Errorf("mix[%d]: MCP method required", i+1))
		}
		if h := e.Request.HTTP; h != nil && !strings.HasPrefix(h.Path, "/") {
			errs = append(errs, fmt.Errorf("mix[%d]: HTTP path must start with /, got %q", i+1, h.Path))
		}
	}
	return errors.Join(errs...)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
