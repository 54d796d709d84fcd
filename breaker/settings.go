package breaker

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Settings configures a breaker. The zero value is usable: it is the
// reference chapter's breaker (5 consecutive failures open it, open periods
// of 60 s doubling up to 32 min, one probe closes it) with a count window of
// 100 calls for the rate gauges. Each field documents its zero value.
//
// The trip rules (ConsecutiveFailures, FailureRate, SlowCallRate,
// FailuresPerWindow) are independent: the first one reached opens the
// breaker. A rule whose field is zero is off.
type Settings struct {
	// Name identifies the breaker in OnStateChange and in the circuit_name
	// metric label. Zero: "".
	Name string

	// Clock is the source of time. Zero (nil): SystemClock.
	Clock Clock

	// Mode is the initial mode. Zero: ModeNormal.
	Mode Mode

	// ConsecutiveFailures opens the breaker when this many failures or
	// timeouts follow one another in CLOSED. Zero: off, except that when
	// every trip rule is zero it is 5 (the reference chapter's
	// failure_threshold).
	ConsecutiveFailures int

	// FailureRate opens the breaker when failures/calls over the window
	// reaches it, once the window holds MinCalls calls. A fraction in
	// (0, 1]. Zero: off.
	FailureRate float64

	// SlowCallRate opens the breaker when slow calls/calls over the window
	// reaches it, once the window holds MinCalls calls. A fraction in
	// (0, 1]. Zero: off. While it is set, a slow probe in HALF_OPEN counts
	// as a failed probe.
	SlowCallRate float64

	// SlowCallThreshold makes a call slow when it lasts at least this long
	// (whatever its outcome, except ignored). Zero: only calls reported
	// as OutcomeSlow are slow.
	SlowCallThreshold time.Duration

	// FailuresPerWindow opens the breaker when the window holds this many
	// failures, however many calls it holds (MinCalls does not apply).
	// Zero: off.
	FailuresPerWindow int

	// MinCalls is how many calls the window must hold before the rate
	// rules are evaluated. Zero: 10, or WindowSize for a smaller count
	// window. It may not exceed WindowSize for a count window.
	MinCalls int

	// WindowSize makes the window count-based: the last WindowSize
	// results. Used when WindowDuration is zero. Zero: 100. At most
	// MaxWindowSize.
	WindowSize int

	// WindowDuration makes the window time-based: the results of the last
	// WindowDuration, kept in WindowBuckets buckets of equal width. The
	// window covers the current, partly elapsed bucket and the
	// WindowBuckets−1 before it, so a result leaves it between
	// WindowDuration−width and WindowDuration after it was recorded.
	// Zero: the window is count-based.
	WindowDuration time.Duration

	// WindowBuckets is the number of buckets of a time-based window.
	// Zero: 10. At most MaxWindowBuckets.
	WindowBuckets int

	// OpenFor gives the length of each open period. Zero (nil):
	// Doubling(60 * time.Second), the reference chapter's backoff.
	OpenFor Backoff

	// HalfOpenPermits is how many probe calls HALF_OPEN admits; the next
	// one is rejected with ErrTooManyRequests. Ignored probes give their
	// permit back. Zero: SuccessThreshold, or 1 if that is zero too.
	HalfOpenPermits int

	// SuccessThreshold is how many successful probes close the breaker;
	// one failed probe opens it again. It may not exceed HalfOpenPermits.
	// Zero: HalfOpenPermits, or 1 if that is zero too.
	SuccessThreshold int

	// Timeout bounds each call made through Execute: the call's context
	// is cancelled after it, and a call that returns
	// context.DeadlineExceeded is a timeout. Zero: no bound of its own.
	// Allow and Record ignore it.
	Timeout time.Duration

	// Classify maps the error a call made through Execute returned (nil
	// included) to its outcome. It is not consulted when the caller's own
	// context is done: that call is ignored. Zero (nil): nil is a success,
	// context.DeadlineExceeded a timeout, context.Canceled ignored, any
	// other error a failure.
	Classify func(err error) Outcome

	// Fallback answers rejected calls. When it is set, Allow counts each
	// rejection as OutcomeFallback instead of OutcomeRejected, and Execute
	// returns Fallback's result instead of the rejection error (err is the
	// rejection error). A caller of Allow serves the fallback itself, for
	// instance through (*Breaker).Fallback. Zero (nil): no fallback.
	Fallback func(ctx context.Context, err error) error

	// OnStateChange is called after every change of state, in order and
	// never concurrently, outside the breaker's locks (so it may call the
	// breaker); by then the breaker may have moved on. Zero (nil): none.
	OnStateChange func(name string, from, to State)

	// Registerer receives the breaker's metrics collector (see Collector).
	// Zero (nil): the metrics are not registered anywhere.
	Registerer prometheus.Registerer
}

// config is Settings with the defaults applied and checked.
type config struct {
	name          string
	clock         Clock
	consecutive   int64
	failureRate   float64
	slowRate      float64
	slowThreshold time.Duration
	failureCount  int64
	minCalls      int64
	windowSize    int
	windowDur     time.Duration
	buckets       int
	openFor       Backoff
	permits       int32
	successes     int32
	timeout       time.Duration
	classify      func(error) Outcome
	fallback      func(context.Context, error) error
	onChange      func(string, State, State)
}

// Ceilings on the window's sizes, whose memory is allocated up front: a
// count window takes 4 bytes a result (4 MB at MaxWindowSize), a time
// window 64 bytes a bucket.
const (
	MaxWindowSize    = 1_000_000
	MaxWindowBuckets = 10_000
)

func (s *Settings) config() (config, error) {
	c := config{
		name:          s.Name,
		clock:         s.Clock,
		consecutive:   int64(s.ConsecutiveFailures),
		failureRate:   s.FailureRate,
		slowRate:      s.SlowCallRate,
		slowThreshold: s.SlowCallThreshold,
		failureCount:  int64(s.FailuresPerWindow),
		minCalls:      int64(s.MinCalls),
		windowSize:    s.WindowSize,
		windowDur:     s.WindowDuration,
		buckets:       s.WindowBuckets,
		openFor:       s.OpenFor,
		permits:       int32(s.HalfOpenPermits),
		successes:     int32(s.SuccessThreshold),
		timeout:       s.Timeout,
		classify:      s.Classify,
		fallback:      s.Fallback,
		onChange:      s.OnStateChange,
	}
	bad := func(field string, v any, want string) (config, error) {
		return config{}, fmt.Errorf("breaker %q: %s is %v, want %s", s.Name, field, v, want)
	}
	for _, f := range []struct {
		name string
		v    int
	}{
		{"ConsecutiveFailures", s.ConsecutiveFailures},
		{"FailuresPerWindow", s.FailuresPerWindow},
		{"MinCalls", s.MinCalls},
		{"WindowSize", s.WindowSize},
		{"WindowBuckets", s.WindowBuckets},
		{"HalfOpenPermits", s.HalfOpenPermits},
		{"SuccessThreshold", s.SuccessThreshold},
	} {
		if f.v < 0 {
			return bad(f.name, f.v, "zero or more")
		}
	}
	if s.WindowSize > MaxWindowSize {
		return bad("WindowSize", s.WindowSize, fmt.Sprintf("at most %d (a slot each is allocated up front)", MaxWindowSize))
	}
	if s.WindowBuckets > MaxWindowBuckets {
		return bad("WindowBuckets", s.WindowBuckets, fmt.Sprintf("at most %d (a bucket each is allocated up front)", MaxWindowBuckets))
	}
	if s.HalfOpenPermits > math.MaxInt32 || s.SuccessThreshold > math.MaxInt32 {
		return bad("HalfOpenPermits", s.HalfOpenPermits, "at most 2^31-1")
	}
	for _, f := range []struct {
		name string
		v    float64
	}{{"FailureRate", s.FailureRate}, {"SlowCallRate", s.SlowCallRate}} {
		if !(f.v >= 0 && f.v <= 1) {
			return bad(f.name, f.v, "a fraction in (0, 1], or 0 for off")
		}
	}
	for _, f := range []struct {
		name string
		v    time.Duration
	}{{"SlowCallThreshold", s.SlowCallThreshold}, {"WindowDuration", s.WindowDuration}, {"Timeout", s.Timeout}} {
		if f.v < 0 {
			return bad(f.name, f.v, "zero or more")
		}
	}
	if s.Mode > ModeMetricsOnly {
		return bad("Mode", s.Mode, "one of the Mode constants")
	}

	if c.clock == nil {
		c.clock = SystemClock
	}
	if c.consecutive == 0 && c.failureRate == 0 && c.slowRate == 0 && c.failureCount == 0 {
		c.consecutive = 5
	}
	if c.openFor == nil {
		c.openFor = Doubling(60 * time.Second)
	}
	if c.windowDur > 0 {
		if c.buckets == 0 {
			c.buckets = 10
		}
		if c.windowDur/time.Duration(c.buckets) <= 0 {
			return bad("WindowDuration", s.WindowDuration, fmt.Sprintf("at least 1ns per bucket (%d buckets)", c.buckets))
		}
		if c.minCalls == 0 {
			c.minCalls = 10
		}
	} else {
		if c.windowSize == 0 {
			c.windowSize = 100
		}
		if c.minCalls == 0 {
			c.minCalls = int64(min(10, c.windowSize))
		}
		if c.minCalls > int64(c.windowSize) {
			return bad("MinCalls", s.MinCalls, fmt.Sprintf("at most WindowSize (%d): the rate rules could never be evaluated", c.windowSize))
		}
	}
	switch {
	case c.permits == 0 && c.successes == 0:
		c.permits, c.successes = 1, 1
	case c.permits == 0:
		c.permits = c.successes
	case c.successes == 0:
		c.successes = c.permits
	case c.successes > c.permits:
		return bad("SuccessThreshold", s.SuccessThreshold, fmt.Sprintf("at most HalfOpenPermits (%d): the breaker could never close", s.HalfOpenPermits))
	}
	return c, nil
}
