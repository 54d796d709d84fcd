package breaker

import (
	"math"
	"time"
)

// Backoff gives the length of an open period. opens is the number of times
// the breaker has opened since it last closed, this opening included: 1 for
// the first, 2 after a probe failed, and so on. It resets when the breaker
// closes. An implementation must be safe for concurrent use; it is called
// under the breaker's transition lock, never on the hot path.
type Backoff interface {
	OpenDuration(opens int) time.Duration
}

// BackoffFunc adapts a function to Backoff.
type BackoffFunc func(opens int) time.Duration

// OpenDuration returns f(opens).
func (f BackoffFunc) OpenDuration(opens int) time.Duration { return f(opens) }

// Fixed opens the breaker for the same duration every time. Fixed(0) lets
// the next call probe at once.
type Fixed time.Duration

// OpenDuration returns d.
func (d Fixed) OpenDuration(int) time.Duration { return time.Duration(d) }

// Doubling is the reference chapter's backoff: base·2^min(opens−1, 5), that
// is base, 2·base, 4·base … up to 32·base. Doubling(60*time.Second) is the
// chapter's recovery_timeout of 60 s, and the default.
type Doubling time.Duration

// OpenDuration returns base·2^min(opens−1, 5).
func (base Doubling) OpenDuration(opens int) time.Duration {
	return mulCap(time.Duration(base), math.Exp2(float64(min(max(opens-1, 0), 5))), 0)
}

// Exponential opens the breaker for Initial·Multiplier^(opens−1), at most
// Max.
type Exponential struct {
	// Initial is the first open period. Zero: the first period is zero.
	Initial time.Duration
	// Multiplier is the growth per opening. Zero: 2. Values below 1
	// shrink the period.
	Multiplier float64
	// Max caps the period. Zero: no cap (the period saturates at the
	// largest time.Duration).
	Max time.Duration
}

// OpenDuration returns Initial·Multiplier^(opens−1), capped at Max.
func (e Exponential) OpenDuration(opens int) time.Duration {
	m := e.Multiplier
	if m == 0 {
		m = 2
	}
	return mulCap(e.Initial, math.Pow(m, float64(max(opens-1, 0))), e.Max)
}

// Linear opens the breaker for Base·opens, at most Max: Envoy's outlier
// ejection time (base_ejection_time × number of ejections, capped by
// max_ejection_time).
type Linear struct {
	// Base is the period added per opening. Zero: every period is zero.
	Base time.Duration
	// Max caps the period. Zero: no cap (the period saturates at the
	// largest time.Duration). Envoy's default is 300 s.
	Max time.Duration
}

// OpenDuration returns Base·opens, capped at Max.
func (l Linear) OpenDuration(opens int) time.Duration {
	return mulCap(l.Base, float64(max(opens, 1)), l.Max)
}

// mulCap returns d·f, saturated at the largest duration and capped at
// limit when limit > 0; negative results are zero.
func mulCap(d time.Duration, f float64, limit time.Duration) time.Duration {
	v := float64(d) * f
	var r time.Duration
	switch {
	case math.IsNaN(v) || v <= 0:
		r = 0
	case v >= math.MaxInt64:
		r = math.MaxInt64
	default:
		r = time.Duration(v)
	}
	if limit > 0 && r > limit {
		r = limit
	}
	return r
}
