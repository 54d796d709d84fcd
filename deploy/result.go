package deploy

import (
	"strconv"
	"time"
)

// Status is how a rollout ended. Its zero value is StatusUnknown (no
// rollout has run).
type Status uint8

const (
	// StatusUnknown: no rollout has ended (the zero Result).
	StatusUnknown Status = iota
	// Promoted: every step passed (or the caller promoted); the new
	// version has all the traffic.
	Promoted
	// RolledBack: a health check, an analysis, an action or the caller's
	// decision sent all the traffic back to the old version.
	RolledBack
	// Paused: an analysis was inconclusive and no decision was made; the
	// weights are those of the paused step. Resume continues.
	Paused
	// Aborted: the rollout's context was cancelled; the traffic was sent
	// back to the old version, as in a rollback.
	Aborted
)

// String returns "promoted", "rolled_back", "paused", "aborted" or
// "unknown".
func (s Status) String() string {
	switch s {
	case StatusUnknown:
		return "unknown"
	case Promoted:
		return "promoted"
	case RolledBack:
		return "rolled_back"
	case Paused:
		return "paused"
	case Aborted:
		return "aborted"
	}
	return "Status(" + strconv.Itoa(int(s)) + ")"
}

// Result is the outcome of a rollout: how it ended and why, the figures of
// every step, and its events.
type Result struct {
	Status Status
	// Reason says in words why the rollout ended as it did ("analysis
	// failed at step 3 (50%): error rate 4.1% > 2%"); for Promoted, a
	// summary.
	Reason string
	// Err is the cause of a rollback or abort when there is one: the
	// error of an action (as the action returned it, wrapped), a health
	// check (ErrUnhealthy), an analysis (ErrAnalysisFailed), a decision
	// or the context. Nil for Promoted and Paused.
	Err error
	// RollbackErr is the error of setting the weights back, if that
	// failed: the old version may not have all the traffic.
	RollbackErr error
	// CleanupErr is the error of the Cleanup action, if it failed.
	CleanupErr error
	// From and To name the old and new routes.
	From, To string
	// Weights are the weights last set.
	Weights Weights
	// Steps are the steps run, in order (a resumed rollout's included).
	Steps []StepRecord
	// Started is when Run began; Ended when the result was made.
	Started, Ended time.Time
	// Requests and Errors are the router's traffic over the whole rollout
	// (rollback included); zero without a router.
	Requests, Errors int64
	// Events are every event reported, in order.
	Events []Event
}

// StepErrors returns the number of client-visible errors over all steps
// (zero without a router).
func (r *Result) StepErrors() int64 {
	var n int64
	for _, s := range r.Steps {
		n += s.Errors
	}
	return n
}
