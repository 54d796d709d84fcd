package engine

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// The verdicts of a run as a whole. The summary, the results file and
// the JUnit XML all take theirs from Result.Verdict, and reslua's exit
// code follows from it (DESIGN.md §9), so that the three never disagree
// with the code a CI job sees.
const (
	// VerdictPassed: every check and experiment held (exit 0).
	VerdictPassed = "passed"
	// VerdictFailed: a check or an experiment did not hold (exit 99).
	VerdictFailed = "failed"
	// VerdictAborted: the run aborted itself (abort_on_fail,
	// abort_if_behind, an experiment's safety) (exit 99).
	VerdictAborted = "aborted"
	// VerdictInterrupted: the run was stopped from outside (a signal)
	// before its end (exit 130).
	VerdictInterrupted = "interrupted"
	// VerdictError: the script or reslua failed during the run (exit 2
	// for the script's errors, 1 for reslua's own).
	VerdictError = "error"
)

// Verdict returns the run's verdict, one of the Verdict constants, given
// how it ended: an error (meta.Error) first, then an interruption, an
// abort, and the checks and experiments.
func (r *Result) Verdict(meta RunMeta) string {
	switch {
	case meta.Error != "":
		return VerdictError
	case meta.Interrupted || r.Interrupted:
		return VerdictInterrupted
	case r.Aborted != "":
		return VerdictAborted
	case !r.Passed():
		return VerdictFailed
	}
	return VerdictPassed
}

// requestTotals returns how many requests the run's loads completed and
// how many of them failed.
func (r *Result) requestTotals() (count, failures int64) {
	for _, l := range r.Loads {
		for _, q := range l.Requests {
			count += q.Count
			failures += q.Failures()
		}
	}
	return count, failures
}

// failureNote is "; 100% of 2 requests failed, 2 interrupted; 8 arrivals
// unsent" when the run lost any request, "" otherwise: a verdict that no
// check decided must still say that the traffic failed, and name the
// requests reslua cut (interrupted at the end of a graceful stop) or never
// sent (unsent at a load's end, dropped on a full queue), so that a target
// that answered nothing never reads as a clean pass.
func (r *Result) failureNote() string {
	count, failures := r.requestTotals()
	var interrupted, unsent, dropped int64
	for _, l := range r.Loads {
		interrupted += l.Interrupted()
		unsent += l.Unsent
		dropped += l.Dropped
	}
	note := ""
	if failures > 0 && count > 0 {
		note = fmt.Sprintf("; %s of %d requests failed", formatPercent(float64(failures)/float64(count)), count)
		if interrupted > 0 {
			note += fmt.Sprintf(", %d interrupted", interrupted)
		}
	}
	var never []string
	if unsent > 0 {
		never = append(never, fmt.Sprintf("%d unsent", unsent))
	}
	if dropped > 0 {
		never = append(never, fmt.Sprintf("%d dropped", dropped))
	}
	if len(never) > 0 {
		note += fmt.Sprintf("; arrivals never sent: %s", strings.Join(never, ", "))
	}
	return note
}

// formatPercent renders a ratio as a percentage, with decimals only where
// they matter: "100%", "2.5%", "0.01%".
func formatPercent(ratio float64) string {
	p := 100 * ratio
	switch {
	case p == math.Trunc(p):
		return fmt.Sprintf("%.0f%%", p)
	case p >= 1:
		return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.2f", p), "0"), ".") + "%"
	default:
		return fmt.Sprintf("%.2g%%", p)
	}
}

// writeVerdict writes the summary's last line: the verdict and why.
func (r *Result) writeVerdict(w io.Writer, meta RunMeta) {
	fmt.Fprintf(w, "\nverdict: %s\n", r.VerdictLine(meta))
}

// VerdictLine returns the verdict in words, as the summary's last line
// and the HTML report show it: PASS, FAIL, ABORTED, ERROR or INTERRUPTED
// (Verdict's, in capitals) and why, e.g. "PASS (no checks; 100% of 1200
// requests failed)".
func (r *Result) VerdictLine(meta RunMeta) string {
	failed := 0
	for _, c := range r.Checks {
		if !c.Passed {
			failed++
		}
	}
	checks := fmt.Sprintf("%d of %d checks passed", len(r.Checks)-failed, len(r.Checks))
	if failed > 0 {
		checks = fmt.Sprintf("%d of %d checks failed", failed, len(r.Checks))
	}
	if len(r.Checks) == 0 {
		checks = "no checks"
	}
	note := r.failureNote()
	switch r.Verdict(meta) {
	case VerdictError:
		return fmt.Sprintf("ERROR (%s)", firstLine(meta.Error))
	case VerdictInterrupted:
		return fmt.Sprintf("INTERRUPTED (stopped before its end; on what was recorded, %s%s)", checks, note)
	case VerdictAborted:
		return fmt.Sprintf("ABORTED (run aborted: %s)", r.Aborted)
	case VerdictFailed:
		if n := r.FailedExperiments(); n > 0 {
			return fmt.Sprintf("FAIL (%d experiment%s did not hold; %s%s)", n, plural(n), checks, note)
		}
		return fmt.Sprintf("FAIL (%s%s)", checks, note)
	}
	if len(r.Checks) == 0 && len(r.Experiments) > 0 {
		checks = fmt.Sprintf("no checks; %d experiment%s held", len(r.Experiments), plural(len(r.Experiments)))
	}
	return fmt.Sprintf("PASS (%s%s)", checks, note)
}

// firstLine returns s up to its first newline.
func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// AddLostRateCheck adds to r a check that the share of the run's
// arrivals that were lost (lost_rate: failed, interrupted at a graceful
// stop's end, or never sent) is at most max (a ratio, 0 to 1), declared at
// where (a command-line flag, e.g. "--fail-on-errors"), and evaluates it.
// A run without arrivals passes it: nothing was lost.
func (r *Result) AddLostRateCheck(max float64, where string) error {
	if math.IsNaN(max) || max < 0 || max > 1 {
		return fmt.Errorf("%s: expected a ratio between 0 and 1, got %v", where, max)
	}
	c, err := ParseCheck(CheckSpec{Metric: "lost_rate", Threshold: "<= " + strconv.FormatFloat(100*max, 'g', -1, 64) + "%", Where: where})
	if err != nil {
		return err
	}
	res := r.evaluate(c)
	if res.NoData {
		res = CheckResult{Check: c, Passed: true, Detail: "no requests were due"}
	}
	if !res.Passed {
		res.Detail = strings.TrimPrefix(r.failureNote(), "; ")
	}
	r.Checks = append(r.Checks, res)
	return nil
}
