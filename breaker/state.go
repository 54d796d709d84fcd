package breaker

import "strconv"

// State is the state of a breaker. Its zero value is StateClosed. The
// numeric values are those of the circuit_breaker_state gauge.
type State uint8

const (
	// StateClosed lets every call through and watches the results.
	StateClosed State = 0
	// StateOpen rejects every call until its open period ends.
	StateOpen State = 1
	// StateHalfOpen admits a few probe calls to decide between closing
	// and opening again.
	StateHalfOpen State = 2

	numStates = 3
)

// String returns "closed", "open" or "half_open", the values of the state
// label.
func (s State) String() string {
	switch s {
	case StateClosed:
		return "closed"
	case StateOpen:
		return "open"
	case StateHalfOpen:
		return "half_open"
	}
	return "State(" + strconv.Itoa(int(s)) + ")"
}

// Outcome is what became of a call. Its zero value is OutcomeSuccess. The
// first five are reported by callers through Record; OutcomeRejected and
// OutcomeFallback are produced by Allow alone.
type Outcome uint8

const (
	// OutcomeSuccess is a call that worked. Record turns it into
	// OutcomeSlow when its duration reaches Settings.SlowCallThreshold.
	OutcomeSuccess Outcome = iota
	// OutcomeFailure is a call that failed. It counts toward consecutive
	// failures, the failure rate and the failures per window.
	OutcomeFailure
	// OutcomeSlow is a call that worked but too slowly. It counts toward
	// the slow-call rate and, otherwise, as a success.
	OutcomeSlow
	// OutcomeTimeout is a call that ran out of time. It counts as a
	// failure and, when it lasted at least Settings.SlowCallThreshold, as
	// slow too.
	OutcomeTimeout
	// OutcomeIgnored is a call whose result says nothing about the callee,
	// typically one the caller cancelled. It is counted in the request
	// metrics and nowhere else; in HALF_OPEN it gives its permit back.
	OutcomeIgnored
	// OutcomeRejected is a call the breaker did not let through.
	OutcomeRejected
	// OutcomeFallback is a rejected call answered by Settings.Fallback.
	OutcomeFallback

	numOutcomes = 7
)

// String returns the value of the outcome label: "success", "failure",
// "slow", "timeout", "ignored", "rejected" or "fallback".
func (o Outcome) String() string {
	switch o {
	case OutcomeSuccess:
		return "success"
	case OutcomeFailure:
		return "failure"
	case OutcomeSlow:
		return "slow"
	case OutcomeTimeout:
		return "timeout"
	case OutcomeIgnored:
		return "ignored"
	case OutcomeRejected:
		return "rejected"
	case OutcomeFallback:
		return "fallback"
	}
	return "Outcome(" + strconv.Itoa(int(o)) + ")"
}

// Mode says how much of its state machine a breaker enforces. Its zero
// value is ModeNormal.
type Mode uint8

const (
	// ModeNormal runs the state machine and enforces it.
	ModeNormal Mode = iota
	// ModeForcedOpen rejects every call with ErrForcedOpen until the mode
	// changes; the state reads StateOpen.
	ModeForcedOpen
	// ModeDisabled lets every call through and never trips; results are
	// counted in the request metrics only. The state reads StateClosed.
	ModeDisabled
	// ModeMetricsOnly runs the state machine, its windows, transitions,
	// callbacks and metrics exactly as ModeNormal, but never rejects: a
	// call ModeNormal would reject is counted as rejected and let through,
	// and its result is not recorded (the call would not have happened).
	ModeMetricsOnly
)

// String returns "normal", "forced_open", "disabled" or "metrics_only".
func (m Mode) String() string {
	switch m {
	case ModeNormal:
		return "normal"
	case ModeForcedOpen:
		return "forced_open"
	case ModeDisabled:
		return "disabled"
	case ModeMetricsOnly:
		return "metrics_only"
	}
	return "Mode(" + strconv.Itoa(int(m)) + ")"
}

// Reason says why a transition happened. Its zero value is ReasonNone.
type Reason uint8

const (
	// ReasonNone is the zero Reason.
	ReasonNone Reason = iota
	// ReasonConsecutiveFailures: Settings.ConsecutiveFailures was reached.
	ReasonConsecutiveFailures
	// ReasonFailureRate: Settings.FailureRate was reached over the window.
	ReasonFailureRate
	// ReasonSlowCallRate: Settings.SlowCallRate was reached over the window.
	ReasonSlowCallRate
	// ReasonFailureCount: Settings.FailuresPerWindow was reached.
	ReasonFailureCount
	// ReasonOpenElapsed: the open period ended (OPEN → HALF_OPEN).
	ReasonOpenElapsed
	// ReasonProbeFailure: a probe failed, or was slow while a slow-call
	// rule is set (HALF_OPEN → OPEN).
	ReasonProbeFailure
	// ReasonProbesSucceeded: Settings.SuccessThreshold probes succeeded
	// (HALF_OPEN → CLOSED).
	ReasonProbesSucceeded
	// ReasonModeChange: SetMode moved the breaker.
	ReasonModeChange
)

// String returns a short snake_case name of the reason.
func (r Reason) String() string {
	switch r {
	case ReasonNone:
		return "none"
	case ReasonConsecutiveFailures:
		return "consecutive_failures"
	case ReasonFailureRate:
		return "failure_rate"
	case ReasonSlowCallRate:
		return "slow_call_rate"
	case ReasonFailureCount:
		return "failures_per_window"
	case ReasonOpenElapsed:
		return "open_elapsed"
	case ReasonProbeFailure:
		return "probe_failure"
	case ReasonProbesSucceeded:
		return "probes_succeeded"
	case ReasonModeChange:
		return "mode_change"
	}
	return "Reason(" + strconv.Itoa(int(r)) + ")"
}
