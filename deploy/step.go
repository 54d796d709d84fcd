package deploy

import "time"

// Step is what an Analyzer is told about the step it measures.
type Step struct {
	// Number counts the steps from 1.
	Number int
	// Weight is the new version's share of the traffic in percent, and
	// Weights the weights that were set for it.
	Weight  int
	Weights Weights
	// Started is when the step's weights were set: figures since then
	// are the step's.
	Started time.Time
	// Measurement counts this step's measurements from 1; Of is how many
	// are planned.
	Measurement, Of int
}

// StepRecord is what happened during one step, for the result and the
// report.
type StepRecord struct {
	Number  int
	Weight  int
	Weights Weights
	// Started is when the weights were set; Ended when the step's gate
	// decided.
	Started, Ended time.Time
	// Measurements are the analysis's measurements, in order.
	Measurements []Measurement
	// Verdict is the gate's: the analysis's outcome (Pass without an
	// analysis), and Message why.
	Verdict Verdict
	Message string
	// Decision is the caller's decision when the step paused; zero
	// otherwise.
	Decision Decision
	// Traffic is the router's traffic during the step (nil without a
	// router): Requests and Errors are its totals, Errors the number of
	// client-visible errors ("zero downtime" is Errors == 0).
	Traffic  *Stats
	Requests int64
	Errors   int64
}
