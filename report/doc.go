// Package report renders a run's results as one self-contained HTML page:
// charts over time of the request rate, latency percentiles and errors,
// with fault windows, rollout steps and open breakers shaded on the same
// time axis, then the checks and the per-request table. The page needs no
// network and runs no script: every chart is inline SVG drawn here.
//
// It is a library of its own: it renders the decoded results file
// (engine's JSON results), so that saved results can be rendered again
// later (reslua report results.json -o report.html).
package report
