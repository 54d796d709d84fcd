package engine

import (
	"bytes"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/reslua/reslua/engine/mcp"
	"github.com/reslua/reslua/engine/outcome"
	"github.com/reslua/reslua/internal/printable"
)

// WriteSummary writes the end-of-run summary: per load, a table of request
// names with count, achieved rate, latency percentiles and errors; the
// load's sessions, queue and scheduler health; then every check with its
// measured value, and the verdict, which meta's ending (an error, an
// interruption) decides first (see Verdict). A dry run gets no verdict.
func (r *Result) WriteSummary(w io.Writer, meta RunMeta) {
	status := "completed"
	switch {
	case r.Aborted != "":
		status = "ABORTED (" + r.Aborted + ")"
	case meta.Error != "":
		status = "FAILED"
	case r.Interrupted || meta.Interrupted:
		status = "INTERRUPTED"
	}
	testID := ""
	if r.TestID != "" {
		testID = " (testid " + r.TestID + ")"
	}
	fmt.Fprintf(w, "\nrun %s after %s%s\n", status, r.Elapsed.Round(time.Millisecond), testID)
	var completed int64
	for _, l := range r.Loads {
		writeLoad(w, l)
		completed += l.Completed()
	}
	for _, b := range r.Breakers {
		writeBreaker(w, "target", b)
	}
	for _, rr := range r.Routers {
		writeRouter(w, rr)
	}
	for _, ro := range r.Rollouts {
		writeRollout(w, ro)
	}
	writeFaults(w, r.Faults)
	for _, e := range r.Experiments {
		writeExperiment(w, e)
	}
	writeTimeline(w, r.Events)
	writeHealth(w, r.Generator, r.Elapsed, completed)
	if len(r.Checks) == 0 {
		fmt.Fprintln(w, "\nchecks: none declared")
	} else {
		r.writeChecks(w)
	}
	if !r.DryRun {
		r.writeVerdict(w, meta)
	}
}

// writeChecks writes the checks' table: each check with its mark, its
// measured value and where it was declared.
func (r *Result) writeChecks(w io.Writer) {
	fmt.Fprintln(w, "\nchecks")
	// The table is aligned on its own; each check's detail, if any, then
	// goes on the line below it, so that a long one widens no column.
	var table bytes.Buffer
	tw := tabwriter.NewWriter(&table, 0, 0, 2, ' ', 0)
	for _, c := range r.Checks {
		value := c.Value()
		if c.NoData && c.Detail == "" {
			value = "no requests matched"
		}
		fmt.Fprintf(tw, "  %s %s\t%s\t%s\n", c.Mark(), c.Check, value, c.Check.Spec.Where)
	}
	tw.Flush()
	for i, line := range strings.SplitAfter(strings.TrimSuffix(table.String(), "\n"), "\n") {
		io.WriteString(w, strings.TrimSuffix(line, "\n")+"\n")
		if d := r.Checks[i].Detail; d != "" {
			fmt.Fprintf(w, "      %s\n", d)
		}
	}
}

func writeLoad(w io.Writer, l LoadResult) {
	completed := l.Completed()
	achieved := 0.0
	if l.Elapsed > 0 {
		achieved = float64(completed) / l.Elapsed.Seconds()
	}
	fmt.Fprintf(w, "\nload %q → target %q%s: planned %s; achieved %.1f/s over %s\n",
		l.Name, l.Target, formatTags(l.Tags), l.Plan, achieved, l.Elapsed.Round(time.Millisecond))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "  request\tcount\trate\tp50\tp90\tp95\tp99\tmax\terrors\t")
	total := RequestResult{Name: "total", Errors: map[outcome.Kind]int64{}, Latency: newHistogram(), Service: newHistogram(), Wait: newHistogram()}
	for _, q := range l.Requests {
		writeRow(tw, q, l.Elapsed)
		total.Count += q.Count
		for k, v := range q.Errors {
			total.Errors[k] += v
		}
		total.Latency.Merge(q.Latency)
		total.Service.Merge(q.Service)
		total.Wait.Merge(q.Wait)
	}
	if len(l.Requests) > 1 {
		writeRow(tw, total, l.Elapsed)
	}
	tw.Flush()
	if len(total.Errors) > 0 {
		fmt.Fprintf(w, "  not ok, by kind: %s\n", formatErrors(total.Errors))
	}
	writeSamples(w, l.Requests)
	fmt.Fprintf(w, "  service time (from send): p50 %s  p99 %s\n",
		formatMicros(total.Service.ValueAtQuantile(50)), formatMicros(total.Service.ValueAtQuantile(99)))
	firstByte := newHistogram()
	var progress int64
	for _, q := range l.Requests {
		if q.FirstByte != nil {
			firstByte.Merge(q.FirstByte)
		}
		progress += q.Progress
	}
	if firstByte.TotalCount() > 0 {
		fmt.Fprintf(w, "  time to first byte: p50 %s  p99 %s", formatMicros(firstByte.ValueAtQuantile(50)), formatMicros(firstByte.ValueAtQuantile(99)))
		if progress > 0 {
			fmt.Fprintf(w, "; %d progress notifications", progress)
		}
		fmt.Fprintln(w)
	}
	if s := l.Sessions; s.Init != nil && s.Opened+s.OpenFailures == 0 && mcp.IsStateless(s.ProtocolVersion) {
		fmt.Fprintf(w, "  sessions: none (MCP %s has no sessions)%s\n", s.ProtocolVersion, formatProbes(s.Probes))
	} else if s.Init != nil {
		version := s.ProtocolVersion
		if version == "" {
			version = "revision unknown"
		}
		fmt.Fprintf(w, "  sessions (MCP %s): %d opened, %d re-initialized, %d failed to open, %d deleted",
			version, s.Opened, s.Reinitialized, s.OpenFailures, s.Deleted)
		if s.LeftOpen > 0 {
			fmt.Fprintf(w, ", %d left open", s.LeftOpen)
		}
		if s.DeleteFailures > 0 {
			fmt.Fprintf(w, ", %d DELETEs failed", s.DeleteFailures)
		}
		if s.CancelsSent > 0 {
			fmt.Fprintf(w, ", %d cancellations sent", s.CancelsSent)
		}
		if s.Init.TotalCount() > 0 {
			fmt.Fprintf(w, "; initialize p50 %s  p99 %s", formatMicros(s.Init.ValueAtQuantile(50)), formatMicros(s.Init.ValueAtQuantile(99)))
		}
		fmt.Fprintln(w, formatProbes(s.Probes))
	}
	if c := l.Connections; c.Dials+c.Reconnects > 0 {
		fmt.Fprintf(w, "  connections: %d opened", c.Dials)
		if c.Reconnects > 0 {
			fmt.Fprintf(w, ", %d reconnects (kept-alive connections the server had closed)", c.Reconnects)
		}
		if c.Replays > 0 {
			fmt.Fprintf(w, ", %d requests replayed", c.Replays)
		}
		fmt.Fprintln(w)
	}
	var asked mcp.ServerRequests
	for _, q := range l.Requests {
		asked.Add(q.ServerRequests)
	}
	if asked.Total() > 0 {
		fmt.Fprintf(w, "  server requests answered: %s\n", formatServerRequests(asked))
	}
	if l.Closed {
		fmt.Fprintf(w, "  iterations: %d started; start lag p99 %s\n", l.Scheduled, formatMicros(l.Lag.ValueAtQuantile(99)))
	} else {
		fmt.Fprintf(w, "  arrivals: %d scheduled, %d dropped (queue full), %d unsent (still queued at the load's end); queue max depth %d, wait p99 %s; scheduler lag p99 %s\n",
			l.Scheduled, l.Dropped, l.Unsent, l.QueueMax,
			formatMicros(total.Wait.ValueAtQuantile(99)), formatMicros(l.Lag.ValueAtQuantile(99)))
	}
	if n := l.Interrupted(); n > 0 {
		fmt.Fprintf(w, "  interrupted: %d request%s still in flight %s after the load's end (graceful_stop) were cut unanswered; they count as errors (the target did not answer within the grace)\n",
			n, plural(int(n)), l.Grace)
	}
}

// formatProbes is "; 1 era probe (server/discover)" when the load's
// target probed the server's MCP era during the load: a request that a
// router or the server counts beside the load's own. "" for none.
func formatProbes(n int64) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("; %d era probe%s (server/discover)", n, plural(int(n)))
}

// formatServerRequests says which requests MCP servers sent during calls
// and how they were answered.
func formatServerRequests(s mcp.ServerRequests) string {
	var parts []string
	for _, k := range []struct {
		n    int64
		name string
	}{{s.Ping, "ping"}, {s.Sampling, "sampling/createMessage"}, {s.Roots, "roots/list"}, {s.Elicitation, "elicitation/create"}, {s.Other, "other methods"}} {
		if k.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", k.n, k.name))
		}
	}
	out := strings.Join(parts, ", ") + " (ping with an empty result, the rest with method not found)"
	if s.Unanswered > 0 {
		out += fmt.Sprintf("; %d answers could not be delivered", s.Unanswered)
	}
	return out
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func writeRow(tw io.Writer, q RequestResult, elapsed time.Duration) {
	rate := 0.0
	if elapsed > 0 {
		rate = float64(q.Count) / elapsed.Seconds()
	}
	errs := "0"
	if f := q.Failures(); f > 0 {
		errs = fmt.Sprintf("%d (%.2f%%)", f, 100*float64(f)/float64(q.Count))
	}
	h := q.Latency
	fmt.Fprintf(tw, "  %s\t%d\t%.1f/s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", printable.Name(q.Name), q.Count, rate,
		formatMicros(h.ValueAtQuantile(50)), formatMicros(h.ValueAtQuantile(90)),
		formatMicros(h.ValueAtQuantile(95)), formatMicros(h.ValueAtQuantile(99)),
		formatMicros(h.Max()), errs)
}

func formatMicros(us int64) string { return formatMillis(float64(us) / 1000) }

func formatErrors(errs map[outcome.Kind]int64) string {
	kinds := make([]string, 0, len(errs))
	for k := range errs {
		kinds = append(kinds, string(k))
	}
	sort.Strings(kinds)
	parts := make([]string, len(kinds))
	for i, k := range kinds {
		parts[i] = fmt.Sprintf("%s=%d", k, errs[outcome.Kind(k)])
	}
	return strings.Join(parts, " ")
}

func writeHealth(w io.Writer, h GeneratorHealth, elapsed time.Duration, completed int64) {
	if h.Cores == 0 {
		return
	}
	perRequest := "-"
	if completed > 0 {
		perRequest = formatMicros(int64(h.CPU/time.Microsecond) / completed)
	}
	share := 0.0
	if elapsed > 0 {
		share = 100 * h.CPU.Seconds() / elapsed.Seconds() / float64(h.Cores)
	}
	fmt.Fprintf(w, "\ngenerator: %s CPU over %s (%.1f%% of %d cores), %s CPU per request%s\n",
		h.CPU.Round(time.Millisecond), elapsed.Round(time.Millisecond), share, h.Cores, perRequest, demoNote(h.EmbeddedServers))
	for _, warning := range h.Warnings {
		fmt.Fprintf(w, "  warning: %s\n", warning)
	}
	if len(h.Warnings) > 0 {
		fmt.Fprintln(w, "  warning: the generator, not the target, may have limited this run; read its figures with that in mind")
	}
}

// formatTags renders tags as " [k=v k=v]", sorted; "" for none.
func formatTags(tags map[string]string) string {
	if len(tags) == 0 {
		return ""
	}
	parts := make([]string, 0, len(tags))
	for k, v := range tags {
		parts = append(parts, k+"="+v)
	}
	sort.Strings(parts)
	return " [" + strings.Join(parts, " ") + "]"
}

// maxTransitionsShown bounds the transitions a summary lists per breaker.
const maxTransitionsShown = 20

func writeBreaker(w io.Writer, what string, b BreakerResult) {
	periods := make([]string, len(b.OpenDurations))
	for i, d := range b.OpenDurations {
		periods[i] = d.String()
	}
	fmt.Fprintf(w, "\nbreaker on %s %q: opened %d time%s", what, b.Target, len(b.OpenDurations), plural(len(b.OpenDurations)))
	if len(periods) > 0 {
		fmt.Fprintf(w, "; open periods %s", strings.Join(periods, " "))
	}
	fmt.Fprintln(w)
	for i, t := range b.Transitions {
		if i == maxTransitionsShown {
			fmt.Fprintf(w, "  ... %d more\n", len(b.Transitions)-i)
			break
		}
		fmt.Fprintf(w, "  +%s  %s → %s (%s)\n", t.At.Round(time.Millisecond), t.From, t.To, t.Reason)
	}
}

// writeRouter writes a router's split: per route the share the weights
// asked for beside the share it got, its errors and its breaker.
func writeRouter(w io.Writer, rr RouterResult) {
	fmt.Fprintf(w, "\nrouter %q: %d requests, %d client-visible errors", rr.Name, rr.Requests, rr.Errors)
	if rr.Unrouted > 0 {
		fmt.Fprintf(w, ", %d answered 503 with every route ejected", rr.Unrouted)
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "    route\tweight now\trequested\tachieved\trequests\terrors\tdiverted\t  breaker")
	for _, rt := range rr.Routes {
		br := "  none"
		if b := rt.Breaker; b != nil {
			br = fmt.Sprintf("  opened %d time%s", len(b.OpenDurations), plural(len(b.OpenDurations)))
			if len(b.OpenDurations) > 0 {
				br += " (" + formatDurations(b.OpenDurations) + ")"
			}
		}
		fmt.Fprintf(tw, "    %s\t%d\t%.1f%%\t%.1f%%\t%d\t%d\t%d\t%s\n", printable.Name(rt.Name), rt.Weight, rt.Requested, rt.Achieved, rt.Requests, rt.Errors, rt.Diverted, br)
	}
	tw.Flush()
}

// formatDurations renders a backoff sequence: "2s 4s 8s".
func formatDurations(ds []time.Duration) string {
	parts := make([]string, len(ds))
	for i, d := range ds {
		parts[i] = d.String()
	}
	return strings.Join(parts, " ")
}

// writeRollout writes how a rollout went, step by step.
func writeRollout(w io.Writer, ro RolloutResult) {
	fmt.Fprintf(w, "\nrollout %s → %s (%s", printable.Name(ro.From), printable.Name(ro.To), strings.ReplaceAll(ro.Strategy, "_", "-"))
	if ro.Where != "" {
		fmt.Fprintf(w, ", %s", ro.Where)
	}
	fmt.Fprintf(w, "): %s", strings.ToUpper(strings.ReplaceAll(ro.Status, "_", " ")))
	if ro.Reason != "" {
		fmt.Fprintf(w, ": %s", ro.Reason)
	}
	fmt.Fprintln(w)
	if ro.Status == "planned" {
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, s := range ro.Steps {
		fmt.Fprintf(tw, "    step %d\t%d%%\t%s\t%s\t%d requests, %d errors\t%s\n", s.Number, s.Weight, s.Duration.Round(time.Millisecond), s.Verdict, s.Requests, s.Errors, s.Message)
	}
	tw.Flush()
	downtime := "zero downtime"
	if ro.Errors > 0 {
		downtime = "not zero downtime"
	}
	fmt.Fprintf(w, "  client-visible errors during the rollout: %d of %d requests (%s)\n", ro.Errors, ro.Requests, downtime)
}

// maxEventsShown bounds the events a summary lists.
const maxEventsShown = 40

// writeTimeline writes the run's events in time order.
func writeTimeline(w io.Writer, events []Event) {
	if len(events) == 0 {
		return
	}
	fmt.Fprintln(w, "\ntimeline")
	for i, e := range events {
		if i == maxEventsShown {
			fmt.Fprintf(w, "  ... %d more\n", len(events)-i)
			break
		}
		fmt.Fprintf(w, "  %s\n", e)
	}
}

// writeFaults lists the faults injected, with their windows and counts.
func writeFaults(w io.Writer, faults []FaultResult) {
	if len(faults) == 0 {
		return
	}
	fmt.Fprintln(w, "\nfaults")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, f := range faults {
		window := "never active"
		if f.Start >= 0 {
			window = fmt.Sprintf("+%s → +%s", f.Start.Round(time.Millisecond), f.End.Round(time.Millisecond))
		}
		fmt.Fprintf(tw, "  %s\t%s on %q\t%s\t%d matched, %d hit\n", f.ID, f.Kind, f.Target, window, f.Matched, f.Hit)
	}
	tw.Flush()
}

// writeExperiment writes how an experiment went: its verdict, its
// hypothesis before and after, and the groups compared.
func writeExperiment(w io.Writer, e ExperimentResult) {
	fmt.Fprintf(w, "\nexperiment %q", e.Title)
	if e.Where != "" {
		fmt.Fprintf(w, " (%s)", e.Where)
	}
	fmt.Fprintf(w, ": %s", strings.ToUpper(strings.ReplaceAll(e.Status, "_", " ")))
	if e.Reason != "" {
		fmt.Fprintf(w, ": %s", e.Reason)
	}
	fmt.Fprintln(w)
	if e.Status == "planned" {
		return
	}
	for _, phase := range []struct {
		name   string
		checks []CheckResult
	}{{"before", e.Before}, {"during", e.During}, {"after", e.After}} {
		for _, c := range phase.checks {
			fmt.Fprintf(w, "  %-6s %s %s %s: %s\n", phase.name, c.Mark(), c.Check.Spec.Metric, strings.TrimSpace(c.Check.Spec.Threshold), c.Value())
		}
	}
	if len(e.Comparison) > 0 {
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintf(tw, "    \tcontrol (%s)\texperiment (%s)\tratio\t\n", printable.Name(e.Control), printable.Name(e.Experiment))
		for _, g := range e.Comparison {
			ratio := "-"
			if g.Ratio > 0 {
				ratio = fmt.Sprintf("%.2fx", g.Ratio)
			}
			fmt.Fprintf(tw, "    %s\t%s\t%s\t%s\t\n", g.Metric, g.Control, g.Experiment, ratio)
		}
		tw.Flush()
	}
}
