package deploy

import (
	"context"
	"fmt"
	"strconv"
	"time"
)

// Verdict is what one measurement, or a whole analysis, concluded. Its
// zero value is Inconclusive, so an analyzer that says nothing never
// promotes a rollout.
type Verdict uint8

const (
	// Inconclusive: the figures do not allow a decision. An analysis that
	// ends inconclusive pauses the rollout and hands the decision to the
	// caller.
	Inconclusive Verdict = iota
	// Pass: the new version is doing well.
	Pass
	// Fail: the new version is doing badly. An analysis that fails rolls
	// the rollout back.
	Fail
)

// String returns "inconclusive", "pass" or "fail".
func (v Verdict) String() string {
	switch v {
	case Inconclusive:
		return "inconclusive"
	case Pass:
		return "pass"
	case Fail:
		return "fail"
	}
	return "Verdict(" + strconv.Itoa(int(v)) + ")"
}

// Analyzer takes one measurement of a step: it looks at live figures (p95,
// error rate, whatever the caller watches) and says whether the new
// version passes. The engine implements it with its own histograms; the
// message explains the verdict ("p95 212ms < 300ms") and goes into the
// step's record and events. An error means the measurement could not be
// taken: it counts toward Analysis.ConsecutiveErrorLimit, and the last
// one is reported if the analysis fails on it.
type Analyzer interface {
	Analyze(ctx context.Context, step Step) (Verdict, string, error)
}

// AnalyzerFunc makes a function an Analyzer.
type AnalyzerFunc func(ctx context.Context, step Step) (Verdict, string, error)

// Analyze calls f.
func (f AnalyzerFunc) Analyze(ctx context.Context, step Step) (Verdict, string, error) {
	return f(ctx, step)
}

// Analysis says how a step is analysed, in Argo Rollouts' terms. Count
// measurements are taken Interval apart during the step (the first one
// Interval after its weights were set), each by the rollout's Analyzer.
// The analysis ends as soon as its outcome is certain:
//
//   - Fail when more than FailureLimit measurements failed, or more than
//     ConsecutiveErrorLimit in a row could not be taken;
//   - Inconclusive when more than InconclusiveLimit were inconclusive;
//   - Pass when ConsecutiveSuccessLimit (if set) passes in a row were seen;
//   - after the last measurement: Inconclusive if ConsecutiveSuccessLimit
//     is set and was not reached, Pass otherwise.
//
// The step lasts at least its hold, however early the analysis passes.
// The zero Analysis takes one measurement at the end of each hold, and any
// failed or inconclusive measurement decides.
type Analysis struct {
	// Interval is the time between measurements, at least MinInterval.
	// Zero: the hold, so one measurement at its end.
	Interval time.Duration

	// Count is the number of measurements per step. Zero: as many as fit
	// in the hold (hold/Interval, at least 1).
	Count int

	// FailureLimit is the number of failed measurements tolerated; one
	// more fails the analysis. Zero: none tolerated.
	FailureLimit int

	// InconclusiveLimit is the number of inconclusive measurements
	// tolerated; one more makes the analysis inconclusive. Zero: none
	// tolerated.
	InconclusiveLimit int

	// ConsecutiveSuccessLimit, when set, passes the analysis as soon as
	// that many measurements in a row passed, and makes it inconclusive
	// when the measurements run out first. Zero: off; the analysis passes
	// when its measurements run out within the limits above.
	ConsecutiveSuccessLimit int

	// ConsecutiveErrorLimit is the number of measurements in a row that
	// may fail to be taken (the Analyzer returned an error); one more
	// fails the analysis with that error. Zero: none tolerated, an error
	// rolls the rollout back at once. (Argo tolerates 4 by default.)
	ConsecutiveErrorLimit int
}

// isZero reports whether a is the zero Analysis.
func (a Analysis) isZero() bool { return a == Analysis{} }

// plan returns the interval and count of measurements for a step held for
// hold.
func (a Analysis) plan(hold time.Duration) (time.Duration, int) {
	interval := a.Interval
	if interval == 0 {
		interval = hold
	}
	count := a.Count
	if count == 0 {
		count = 1
		if interval > 0 {
			count = max(1, int(hold/interval))
		}
	}
	return interval, count
}

// check adds a's problems, for a rollout holding each step for hold, to
// ps under field.
func (a Analysis) check(ps *problems, field string, hold time.Duration, analyzer bool) {
	if !analyzer && !a.isZero() {
		ps.add(field, "set, but there is no Analyzer to take its measurements")
	}
	for _, f := range []struct {
		name string
		v    int
	}{
		{"Count", a.Count}, {"FailureLimit", a.FailureLimit}, {"InconclusiveLimit", a.InconclusiveLimit},
		{"ConsecutiveSuccessLimit", a.ConsecutiveSuccessLimit}, {"ConsecutiveErrorLimit", a.ConsecutiveErrorLimit},
	} {
		if f.v < 0 {
			ps.add(field+"."+f.name, fmt.Sprintf("%d is negative", f.v))
		}
	}
	if a.Interval < 0 {
		ps.add(field+".Interval", fmt.Sprintf("%v is negative", a.Interval))
		return
	}
	if a.Interval > 0 && a.Interval < MinInterval {
		ps.add(field+".Interval", fmt.Sprintf("%v is shorter than %v: the measurements would run back to back", a.Interval, MinInterval))
	}
	if a.Interval > 0 && hold < a.Interval {
		ps.add("Hold", fmt.Sprintf("%v is shorter than %s.Interval (%v): no measurement would fall within a step", hold, field, a.Interval))
	}
	if a.Count < 0 {
		return
	}
	_, count := a.plan(hold)
	if a.ConsecutiveSuccessLimit > count {
		ps.add(field+".ConsecutiveSuccessLimit", fmt.Sprintf("%d is more than the %d measurements of a step: the analysis could never pass", a.ConsecutiveSuccessLimit, count))
	}
	if a.Count > 0 && a.FailureLimit >= a.Count {
		ps.add(field+".FailureLimit", fmt.Sprintf("%d tolerates every one of the %d measurements failing: the analysis could never fail", a.FailureLimit, a.Count))
	}
}

// Measurement is one measurement of a step's analysis.
type Measurement struct {
	// Number counts the step's measurements from 1.
	Number  int
	Time    time.Time
	Verdict Verdict
	Message string
	// Err is the Analyzer's error; Verdict is then Inconclusive and does
	// not count as such.
	Err error
}
