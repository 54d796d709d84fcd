package engine

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/reslua/reslua/engine/suggest"
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
	"error_rate": unitRatio,
	"rate":       unitRate,
	"count":      unitCount, "errors": unitCount, "dropped": unitCount,
}

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

// Check is a parsed, validated CheckSpec.
type Check struct {
	Spec  CheckSpec
	op    string
	value float64 // in the metric's unit: ms, ratio, per second, count
	unit  unit
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
	return Check{Spec: s, op: op, value: v, unit: u}, nil
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
			if err != nil || v < 0 || v > 100 {
				return 0, fmt.Errorf("expected a percentage between 0%% and 100%%, got %q", s)
			}
			return v / 100, nil
		}
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || v < 0 || v > 1 {
			return 0, fmt.Errorf("expected a percentage such as 1%% or a ratio between 0 and 1, got %q", s)
		}
		return v, nil
	case unitRate:
		v, err := strconv.ParseFloat(strings.TrimSuffix(s, "/s"), 64)
		if err != nil || v < 0 {
			return 0, fmt.Errorf("expected requests per second such as 250 or 250/s, got %q", s)
		}
		return v, nil
	default:
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || v < 0 || v != math.Trunc(v) {
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
		scope = append(scope, "load="+c.Spec.Load)
	}
	if c.Spec.Tag != "" {
		scope = append(scope, "tag "+c.Spec.Tag)
	}
	if c.Spec.Request != "" {
		scope = append(scope, "request="+c.Spec.Request)
	}
	if len(scope) > 0 {
		s += " [" + strings.Join(scope, " ") + "]"
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
