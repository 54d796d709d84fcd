package engine

import "time"

// FaultResult is what one injected fault did.
type FaultResult struct {
	// ID names the fault; Target the target (or dependency) it was put on.
	ID, Target string
	// Kind is the fault's kind ("latency", "abort"…).
	Kind string
	// Start and End are offsets from the run's start of its active
	// window; End is the run's end for a fault never removed.
	Start, End time.Duration
	// Matched counts the requests (or connections) that matched it, Hit
	// those it acted on.
	Matched, Hit int64
}
