package deploy

import (
	"context"
	"strconv"
)

// Decision is the caller's answer to a paused rollout. Its zero value is
// Hold.
type Decision uint8

const (
	// Hold keeps the rollout paused: Run (or Resume) returns a Paused
	// result, with the weights left as they are, and a later Resume
	// continues from there.
	Hold Decision = iota
	// Continue takes the paused step as passed and goes on to the next.
	Continue
	// Promote skips the remaining steps: all traffic to the new version,
	// then the promotion.
	Promote
	// Rollback rolls the rollout back: all traffic to the old version.
	Rollback
)

// String returns "hold", "continue", "promote" or "rollback".
func (d Decision) String() string {
	switch d {
	case Hold:
		return "hold"
	case Continue:
		return "continue"
	case Promote:
		return "promote"
	case Rollback:
		return "rollback"
	}
	return "Decision(" + strconv.Itoa(int(d)) + ")"
}

// Pause is what a Decide function is told when an analysis ends
// inconclusive.
type Pause struct {
	// Step is the step that paused, with Measurement its last one.
	Step Step
	// Reason says why ("2 inconclusive measurements, limit 1: …").
	Reason string
	// Record is the step's record so far.
	Record StepRecord
}

// DecideFunc decides what a paused rollout does. It may block (to ask a
// person, a script or a channel) until ctx is done. An error rolls the
// rollout back and is reported as its cause.
type DecideFunc func(ctx context.Context, p Pause) (Decision, error)
