package deploy

import (
	"strconv"
	"time"
)

// EventKind says what an Event reports.
type EventKind uint8

const (
	// EventStart: the rollout began (Message names old and new routes).
	EventStart EventKind = iota + 1
	// EventLaunch: the Start action ran (Err says whether it failed).
	EventLaunch
	// EventHealth: a health check of the new version ended (Verdict Pass
	// or Fail).
	EventHealth
	// EventStep: a step's weights were set (or setting them failed: Err).
	EventStep
	// EventMeasurement: one analysis measurement (Verdict, Message, Err).
	EventMeasurement
	// EventGate: a step's analysis decided (Verdict, Message).
	EventGate
	// EventPause: the rollout paused on an inconclusive analysis.
	EventPause
	// EventDecision: the caller decided on a pause (Message names the
	// decision).
	EventDecision
	// EventRollback: the rollout rolled back (Message gives the reason;
	// Err the cause, or the error of the rollback itself).
	EventRollback
	// EventPromotion: the new version has all the traffic; the rollout
	// succeeded.
	EventPromotion
	// EventCleanup: the Cleanup action ran (Err says whether it failed).
	EventCleanup
)

var eventNames = [...]string{
	EventStart: "start", EventLaunch: "launch", EventHealth: "health", EventStep: "step",
	EventMeasurement: "measurement", EventGate: "gate", EventPause: "pause", EventDecision: "decision",
	EventRollback: "rollback", EventPromotion: "promotion", EventCleanup: "cleanup",
}

// String returns the kind's name: "start", "step", "gate", "rollback"….
func (k EventKind) String() string {
	if int(k) < len(eventNames) && eventNames[k] != "" {
		return eventNames[k]
	}
	return "EventKind(" + strconv.Itoa(int(k)) + ")"
}

// Event is one thing a rollout did, for the caller's timeline.
type Event struct {
	Time time.Time
	Kind EventKind
	// Step is the step number (from 1); 0 outside the steps.
	Step int
	// Weights are the weights in force after the event (as last set).
	Weights Weights
	// Verdict is set for health, measurement and gate events.
	Verdict Verdict
	Message string
	Err     error
}

// String renders the event on one line.
func (e Event) String() string {
	s := e.Kind.String()
	if e.Step > 0 {
		s += " step " + strconv.Itoa(e.Step)
	}
	if e.Weights != nil {
		s += " [" + e.Weights.String() + "]"
	}
	switch e.Kind {
	case EventHealth, EventMeasurement, EventGate:
		s += " " + e.Verdict.String()
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.Err != nil {
		s += " (error: " + e.Err.Error() + ")"
	}
	return s
}
