package engine

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/reslua/reslua/internal/printable"
	"github.com/reslua/reslua/internal/suggest"
)

// CheckSpec is one SLA check as the scenario states it, e.g. metric "p95"
// with threshold "< 250ms".
type CheckSpec struct {
	// Metric is what is measured; see Metrics. Required.
	Metric string
	// Threshold is a comparison and a value: "< 250ms", ">= 99%", "== 0".
	// Required.
	Threshold string
	// Request limits the check to requests of this name (across loads);
	// zero means every request.
	Request string
	// Load limits the check to one load; zero means every load.
	Load string
	// Tag limits the check to loads with a tag, written "name=value";
	// zero means every load.
	Tag string
	// During limits the check to stretches of the run's timeline
	// (Result.Phases): "fault", "rollout" or "step" for every phase of that
	// kind, or one phase by its kind and name ("step green 25%") or by its
	// name alone ("green 25%"). A check so scoped looks at the seconds of
	// the timeline inside those phases (see scopeSeconds). Zero means the
	// whole run; time_to_detect and time_to_recover default to "fault".
	During string
	// From and To limit the check to an explicit stretch of the timeline,
	// as offsets from the run's start; To zero means the run's end. They
	// and During exclude each other.
	From, To time.Duration
	// Sustained makes the check fail only when its metric, computed for
	// each second on its own, breaks the threshold over Sustained
	// consecutive seconds; shorter breaches are tolerated. Whole seconds;
	// zero means the metric over the whole scope at once.
	Sustained time.Duration
	// Route limits the check to the requests a router sent to the route
	// of this name, as the router measured them (latency from its receipt
	// of a request to the end of the reply), over the whole run. Zero: the
	// loads' requests.
	Route string
	// AbortOnFail aborts the run as soon as the check fails, evaluated
	// every second on what has been recorded so far (as k6's abortOnFail):
	// the run stops its loads and the verdict fails (exit 99). Declare the
	// check before the script waits for its loads. Zero: evaluated at the
	// end only.
	AbortOnFail bool
	// Stable (time_to_recover only) is how long the traffic must be back
	// to its steady state to count as recovered; zero means 5 s.
	Stable time.Duration
	// SteadyP95 and SteadyErrorRate (time_to_recover only) state the
	// steady state the traffic must get back to: a p95 at most SteadyP95,
	// an error rate at most SteadyErrorRate ("1%" or 0.01). Zero means
	// measured on the traffic before the first fault (see steadyState).
	SteadyP95       time.Duration
	SteadyErrorRate string
	// Where says where the check was declared, e.g. "scenarios/mcp.lua:40",
	// and prefixes its errors; zero means nowhere in particular.
	Where string
}

// The unit a metric's threshold is written in.
type unit int

const (
	unitDuration unit = iota // "250ms"; compared in milliseconds
	unitRatio                // "1%" or 0.01
	unitRate                 // requests per second, "300" or "300/s"
	unitCount                // a whole number
)

// Metrics lists every metric a check may name, with its unit. Latency
// percentiles are measured from each request's intended start time; the
// service_ ones from its actual send.
var Metrics = map[string]unit{
	"p50": unitDuration, "p90": unitDuration, "p95": unitDuration, "p99": unitDuration,
	"p99.9": unitDuration, "max": unitDuration, "min": unitDuration, "avg": unitDuration,
	"service_p50": unitDuration, "service_p95": unitDuration, "service_p99": unitDuration,
	"error_rate": unitRatio, "lost_rate": unitRatio,
	"rate":  unitRate,
	"count": unitCount, "errors": unitCount, "dropped": unitCount,
	// Dynamics, on the run's timeline (dynamics.go).
	"time_to_detect": unitDuration, "time_to_recover": unitDuration,
	"lost_requests": unitCount, "breaker_opens": unitCount,
}

// Metrics measured on the timeline's events rather than on requests: a
// load, tag or request scope means nothing to them.
var eventMetrics = map[string]bool{"time_to_detect": true, "breaker_opens": true}

// Metrics whose value is not one per second: they cannot be sustained.
var unsustainable = map[string]bool{"time_to_detect": true, "time_to_recover": true, "breaker_opens": true}

// defaultStable is how long time_to_recover wants the traffic back to its
// steady state.
const defaultStable = 5 * time.Second

// MetricNames returns the names of Metrics, sorted.
func MetricNames() []string {
	names := make([]string, 0, len(Metrics))
	for n := range Metrics {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

var operators = []string{"<=", ">=", "==", "!=", "<", ">"}

// routeMetrics are the metrics a route-scoped check may use.
var routeMetrics = []string{"p50", "p90", "p95", "p99", "p99.9", "max", "min", "avg", "error_rate", "rate", "count", "errors"}

// Check is a parsed, validated CheckSpec.
type Check struct {
	Spec  CheckSpec
	op    string
	value float64 // in the metric's unit: ms, ratio, per second, count
	unit  unit
	// steadyErrorRate is SteadyErrorRate parsed; < 0 when not given.
	steadyErrorRate float64
}

// ParseCheck validates s and returns the check it describes. The error names
// the metric or the threshold and what was expected.
func ParseCheck(s CheckSpec) (Check, error) {
	u, ok := Metrics[s.Metric]
	if !ok {
		msg := fmt.Sprintf("unknown metric %q", s.Metric)
		if alt := suggest.Closest(s.Metric, MetricNames()); alt != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", alt)
		}
		return Check{}, errors.New(msg + "; expected one of " + strings.Join(MetricNames(), ", "))
	}
	expr := strings.TrimSpace(s.Threshold)
	op := ""
	for _, o := range operators {
		if strings.HasPrefix(expr, o) {
			op = o
			break
		}
	}
	if op == "" {
		return Check{}, fmt.Errorf("%s: threshold %q must start with one of < <= > >= == !=, as in %q", s.Metric, s.Threshold, example(u))
	}
	if s.Tag != "" {
		if k, _, ok := strings.Cut(s.Tag, "="); !ok || k == "" {
			return Check{}, fmt.Errorf("tag: expected name=value, as in \"tier=gold\", got %q", s.Tag)
		}
	}
	v, err := parseValue(strings.TrimSpace(expr[len(op):]), u)
	if err != nil {
		return Check{}, fmt.Errorf("%s: threshold %q: %v", s.Metric, s.Threshold, err)
	}
	c := Check{Spec: s, op: op, value: v, unit: u, steadyErrorRate: -1}
	if err := c.parseScope(); err != nil {
		return Check{}, err
	}
	return c, nil
}

// parseScope validates the check's time scope and the settings of the
// dynamic metrics.
func (c *Check) parseScope() error {
	s := c.Spec
	m := s.Metric
	if eventMetrics[m] {
		for _, f := range []struct{ key, v string }{{"load", s.Load}, {"tag", s.Tag}, {"request", s.Request}} {
			if f.v != "" {
				return fmt.Errorf("%s: %s is measured on the run's timeline, not on requests, so it takes no %s scope; scope it with during or from/to", f.key, m, f.key)
			}
		}
	}
	if strings.TrimSpace(s.During) != s.During {
		return fmt.Errorf("during: expected a phase kind (fault, rollout, step) or a phase's name, without surrounding spaces, got %q", s.During)
	}
	switch {
	case s.From < 0:
		return fmt.Errorf("from: expected an offset from the run's start >= 0, got %s", s.From)
	case s.To < 0:
		return fmt.Errorf("to: expected an offset from the run's start > 0, got %s", s.To)
	case s.To > 0 && s.To <= s.From:
		return fmt.Errorf("to: expected an offset after from (%s), got %s", s.From, s.To)
	case s.During != "" && (s.From > 0 || s.To > 0):
		return errors.New("during and from/to exclude each other: scope the check to phases or to offsets")
	}
	if s.Route != "" {
		switch {
		case !slices.Contains(routeMetrics, m):
			return fmt.Errorf("route: %s is not measured per route; expected one of %s", m, strings.Join(routeMetrics, ", "))
		case s.Load != "" || s.Request != "" || s.Tag != "":
			return errors.New("route and load, request or tag exclude each other: a route's figures are the router's, whoever sent the requests")
		case c.timeScoped() || s.Sustained != 0 || s.AbortOnFail:
			return errors.New("route: a route's figures cover the whole run; scope them with during, from/to, sustained or abort_on_fail on the loads instead")
		}
	}
	if s.AbortOnFail && (m == "time_to_detect" || m == "time_to_recover") {
		return fmt.Errorf("abort_on_fail: %s is known only when the run has ended; it cannot abort it", m)
	}
	if strings.HasPrefix(m, "service_") && (c.timeScoped() || s.Sustained != 0) {
		return fmt.Errorf("%s has no per-second series, so it cannot be scoped to during, from/to or sustained; use p50, p90, p95, p99 (latency from the intended start)", m)
	}
	if s.Sustained != 0 {
		if unsustainable[m] {
			return fmt.Errorf("sustained: %s has one value for the whole scope, not one per second; sustained applies to the other metrics", m)
		}
		if err := wholeSeconds("sustained", s.Sustained); err != nil {
			return err
		}
		if c.op == "==" || c.op == "!=" {
			return fmt.Errorf("sustained: expected a threshold with < <= > or >=, which a breach can be measured against, got %q", s.Threshold)
		}
	}
	if m != "time_to_recover" {
		for _, f := range []struct {
			key string
			set bool
		}{{"stable", s.Stable != 0}, {"steady_p95", s.SteadyP95 != 0}, {"steady_error_rate", s.SteadyErrorRate != ""}} {
			if f.set {
				return fmt.Errorf("%s: applies to time_to_recover only, not to %s", f.key, m)
			}
		}
		return nil
	}
	if s.Stable != 0 {
		if err := wholeSeconds("stable", s.Stable); err != nil {
			return err
		}
	}
	if s.SteadyP95 < 0 {
		return fmt.Errorf("steady_p95: expected a duration > 0, got %s", s.SteadyP95)
	}
	if s.SteadyErrorRate != "" {
		v, err := parseValue(strings.TrimSpace(s.SteadyErrorRate), unitRatio)
		if err != nil {
			return fmt.Errorf("steady_error_rate: %v", err)
		}
		c.steadyErrorRate = v
	}
	return nil
}

// wholeSeconds checks that d is a positive whole number of seconds, the
// resolution of the per-second series.
func wholeSeconds(key string, d time.Duration) error {
	if d < time.Second || d%time.Second != 0 {
		return fmt.Errorf("%s: expected whole seconds such as \"10s\" (the series hold one value a second), got %s", key, d)
	}
	return nil
}

// timeScoped reports whether the check is limited to part of the
// timeline.
func (c Check) timeScoped() bool {
	return c.Spec.During != "" || c.Spec.From > 0 || c.Spec.To > 0
}

// stable returns how long time_to_recover wants the steady state back.
func (c Check) stable() time.Duration {
	if c.Spec.Stable > 0 {
		return c.Spec.Stable
	}
	return defaultStable
}

func example(u unit) string {
	switch u {
	case unitDuration:
		return "< 250ms"
	case unitRatio:
		return "< 1%"
	case unitRate:
		return "> 250"
	}
	return "== 0"
}

func parseValue(s string, u unit) (float64, error) {
	switch u {
	case unitDuration:
		d, err := time.ParseDuration(s)
		if err != nil || d < 0 {
			return 0, fmt.Errorf("expected a duration such as 250ms or 1.5s, got %q", s)
		}
		return float64(d) / float64(time.Millisecond), nil
	case unitRatio:
		if p, ok := strings.CutSuffix(s, "%"); ok {
			v, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
			if err != nil || !(v >= 0 && v <= 100) { // NaN too
				return 0, fmt.Errorf("expected a percentage between 0%% and 100%%, got %q", s)
			}
			return v / 100, nil
		}
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || !(v >= 0 && v <= 1) { // NaN too
			return 0, fmt.Errorf("expected a percentage such as 1%% or a ratio between 0 and 1, got %q", s)
		}
		return v, nil
	case unitRate:
		v, err := strconv.ParseFloat(strings.TrimSuffix(s, "/s"), 64)
		if err != nil || !(v >= 0) || math.IsInf(v, 0) { // NaN and Inf hold no threshold
			return 0, fmt.Errorf("expected requests per second such as 250 or 250/s, got %q", s)
		}
		return v, nil
	default:
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || !(v >= 0) || math.IsInf(v, 0) || v != math.Trunc(v) {
			return 0, fmt.Errorf("expected a whole number, got %q", s)
		}
		return v, nil
	}
}

// Holds reports whether measured (in the metric's unit) satisfies the check.
func (c Check) Holds(measured float64) bool {
	switch c.op {
	case "<":
		return measured < c.value
	case "<=":
		return measured <= c.value
	case ">":
		return measured > c.value
	case ">=":
		return measured >= c.value
	case "==":
		return measured == c.value
	default:
		return measured != c.value
	}
}

// Format renders a measured value in the metric's unit for display.
func (c Check) Format(measured float64) string {
	switch c.unit {
	case unitDuration:
		if math.IsInf(measured, 1) {
			return "never"
		}
		return formatMillis(measured)
	case unitRatio:
		return strconv.FormatFloat(measured*100, 'f', 2, 64) + "%"
	case unitRate:
		return strconv.FormatFloat(measured, 'f', 1, 64) + "/s"
	}
	return strconv.FormatFloat(measured, 'f', 0, 64)
}

// String renders the check as written, with its scope.
func (c Check) String() string {
	s := c.Spec.Metric + " " + strings.TrimSpace(c.Spec.Threshold)
	var scope []string
	if c.Spec.Load != "" {
		scope = append(scope, "load="+printable.Name(c.Spec.Load))
	}
	if c.Spec.Tag != "" {
		scope = append(scope, "tag "+printable.Name(c.Spec.Tag))
	}
	if c.Spec.Request != "" {
		scope = append(scope, "request="+printable.Name(c.Spec.Request))
	}
	if c.Spec.Route != "" {
		scope = append(scope, "route="+printable.Name(c.Spec.Route))
	}
	if len(scope) > 0 {
		scope = []string{strings.Join(scope, " ")}
	}
	sp := c.Spec
	switch {
	case sp.During != "":
		scope = append(scope, "during "+sp.During)
	case sp.From > 0 && sp.To > 0:
		scope = append(scope, "from "+sp.From.String()+" to "+sp.To.String())
	case sp.From > 0:
		scope = append(scope, "from "+sp.From.String())
	case sp.To > 0:
		scope = append(scope, "to "+sp.To.String())
	}
	if sp.Sustained > 0 {
		scope = append(scope, "sustained "+sp.Sustained.String())
	}
	if sp.Stable > 0 {
		scope = append(scope, "stable "+sp.Stable.String())
	}
	if sp.SteadyP95 > 0 {
		scope = append(scope, "steady p95 "+sp.SteadyP95.String())
	}
	if sp.SteadyErrorRate != "" {
		scope = append(scope, "steady error_rate "+strings.TrimSpace(sp.SteadyErrorRate))
	}
	if len(scope) > 0 {
		s += " [" + strings.Join(scope, ", ") + "]"
	}
	return s
}

// formatMillis renders milliseconds with a precision that suits the size.
func formatMillis(ms float64) string {
	switch {
	case ms >= 10000:
		return strconv.FormatFloat(ms/1000, 'f', 1, 64) + "s"
	case ms >= 100:
		return strconv.FormatFloat(ms, 'f', 0, 64) + "ms"
	case ms >= 1:
		return strconv.FormatFloat(ms, 'f', 2, 64) + "ms"
	default:
		return strconv.FormatFloat(ms*1000, 'f', 0, 64) + "µs"
	}
}
