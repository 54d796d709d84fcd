package report

import (
	"fmt"
	"html"
	"io"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/reslua/reslua/engine"
)

// Meta is what the page says about the run besides its results.
type Meta struct {
	// Scenario is the scenario file; Version reslua's version.
	Scenario, Version string
	// Started is when the run began; zero: not shown.
	Started time.Time
	// Error and Interrupted say how the run ended, as engine.RunMeta's
	// do, so that the page's verdict is the exit code's; zero: it ended
	// on its own.
	Error       string
	Interrupted bool
}

// Render writes the report of res as one self-contained HTML page.
func Render(w io.Writer, res *engine.Result, meta Meta) error {
	var b strings.Builder
	title := "reslua report"
	if meta.Scenario != "" {
		title += ": " + meta.Scenario
	}
	fmt.Fprintf(&b, "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>%s</title><style>%s</style></head><body>\n",
		html.EscapeString(title), css)
	fmt.Fprintf(&b, "<h1>%s</h1>\n<p class=\"meta\">%s</p>\n", html.EscapeString(title), html.EscapeString(summaryLine(res, meta)))
	fmt.Fprintf(&b, "<p class=\"verdict %s\">%s</p>\n", verdictClass(res, meta), html.EscapeString(verdict(res, meta)))

	end := res.Elapsed.Seconds()
	bands := timelineBands(res)
	rate, errs, lat := timeSeries(res)
	b.WriteString("<h2>Over time</h2>\n<p class=\"legend-bands\">Shaded: <span class=\"fault\">faults</span> <span class=\"step\">rollout steps</span> <span class=\"breaker\">breakers open</span></p>\n")
	charts := []Chart{{Title: "requests per second (by intended start)", Unit: "/s", End: end, Series: rate, Bands: bands}}
	for _, rr := range res.Routers {
		charts = append(charts, routeChart(rr, end, bands))
	}
	charts = append(charts,
		Chart{Title: "latency per second", Unit: "ms", End: end, Series: lat, Bands: bands},
		Chart{Title: "failures per second", Unit: "/s", End: end, Series: errs, Bands: bands})
	// One time axis for every chart, so that they line up: the run's end,
	// or the last point's time if later (the second a load ended in).
	for _, c := range charts {
		for _, s := range c.Series {
			if n := len(s.Points); n > 0 {
				end = max(end, s.Points[n-1].T)
			}
		}
	}
	for _, c := range charts {
		c.End = end
		b.WriteString(c.HTML() + "\n")
	}
	writeChecks(&b, res)
	writeRequests(&b, res)
	writeSamples(&b, res) // samples.go
	writeRollouts(&b, res)
	writeFaults(&b, res)
	writeExperiments(&b, res)
	writeTimeline(&b, res)
	b.WriteString("</body></html>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// css styles the page; charts have chartCSS. The page takes the
// window's width, so that the charts do.
const css = `body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 8px;border-bottom:1px solid #ddd}
.meta{color:#666;margin:0}.verdict{font-weight:600;font-size:16px}.pass{color:#2a7a2a}.fail{color:#b3261e}
table{border-collapse:collapse;margin:4px 0}td,th{padding:3px 10px;border-bottom:1px solid #eee;text-align:left}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}.legend-bands span{padding:0 6px;margin-right:6px}
.fault{background:#d6272833}.step{background:#1f77b433}.breaker{background:#ff7f0e33}.detail{color:#666;font-size:12px}
` + chartCSS

func summaryLine(res *engine.Result, meta Meta) string {
	parts := []string{}
	if meta.Version != "" {
		parts = append(parts, "reslua "+meta.Version)
	}
	if !meta.Started.IsZero() {
		parts = append(parts, "started "+meta.Started.UTC().Format(time.RFC3339))
	}
	status := "completed"
	switch {
	case res.Aborted != "":
		status = "aborted: " + res.Aborted
	case res.Interrupted:
		status = "interrupted"
	}
	parts = append(parts, fmt.Sprintf("run %s after %s", status, res.Elapsed.Round(time.Millisecond)))
	return strings.Join(parts, " · ")
}

// verdict is the run's verdict in words, as the summary's last line
// gives it (engine.Result.VerdictLine).
func verdict(res *engine.Result, meta Meta) string {
	return res.VerdictLine(engine.RunMeta{Error: meta.Error, Interrupted: meta.Interrupted})
}

func verdictClass(res *engine.Result, meta Meta) string {
	if res.Verdict(engine.RunMeta{Error: meta.Error, Interrupted: meta.Interrupted}) == engine.VerdictPassed {
		return "pass"
	}
	return "fail"
}

// timelineBands shades fault windows, rollout steps and the periods each
// breaker was open.
func timelineBands(res *engine.Result) []Band {
	var out []Band
	for _, p := range res.Phases {
		switch p.Kind {
		case "fault":
			out = append(out, Band{From: p.Start.Seconds(), To: p.End.Seconds(), Label: "fault " + p.Name, Color: "#d62728"})
		case "step":
			out = append(out, Band{From: p.Start.Seconds(), To: p.End.Seconds(), Label: "step " + p.Name, Color: "#1f77b4"})
		}
	}
	for _, rr := range res.Routers {
		for _, rt := range rr.Routes {
			if rt.Breaker != nil {
				out = append(out, breakerBands(fmt.Sprintf("route %q", rt.Name), *rt.Breaker, res.Elapsed)...)
			}
		}
	}
	for _, br := range res.Breakers {
		out = append(out, breakerBands(fmt.Sprintf("target %q", br.Target), br, res.Elapsed)...)
	}
	return out
}

// breakerBands returns the periods a breaker was open. A period ends at
// the breaker's next transition, or when the open duration its backoff
// gave has passed, whichever is first: a breaker records its move to
// half-open only when a call comes, and none may come (a route with no
// weight left). A forced opening (mode_change) lasts until the next
// transition or the run's end.
func breakerBands(source string, br engine.BreakerResult, end time.Duration) []Band {
	// OpenDurations has one entry per opening the backoff timed (forced
	// ones excepted); both lists keep the latest entries when long.
	timed := 0
	for _, t := range br.Transitions {
		if t.To == "open" && t.Reason != "mode_change" {
			timed++
		}
	}
	skip := timed - len(br.OpenDurations) // openings whose duration was dropped
	var out []Band
	k := 0
	for i, t := range br.Transitions {
		if t.To != "open" {
			continue
		}
		to := end
		if i+1 < len(br.Transitions) {
			to = min(to, br.Transitions[i+1].At)
		}
		if t.Reason != "mode_change" {
			if j := k - skip; j >= 0 && j < len(br.OpenDurations) && br.OpenDurations[j] > 0 {
				to = min(to, t.At+br.OpenDurations[j])
			}
			k++
		}
		out = append(out, Band{From: t.At.Seconds(), To: to.Seconds(), Label: source + " breaker open", Color: "#ff7f0e"})
	}
	return out
}

// timeSeries returns per-second series: the rate and failures of each
// load, and the p50/p95/p99 latency over all of them.
func timeSeries(res *engine.Result) (rate, errs, lat []Series) {
	merged := map[int]*engine.SecondHistogram{}
	for _, l := range res.Loads {
		counts, fails := map[int]float64{}, map[int]float64{}
		for _, q := range l.Requests {
			for _, s := range q.Seconds {
				sec := int(s.Offset / time.Second)
				counts[sec] += float64(s.Count)
				fails[sec] += float64(s.Failures())
				if s.Latency != nil {
					if merged[sec] == nil {
						merged[sec] = &engine.SecondHistogram{}
					}
					merged[sec].Merge(s.Latency)
				}
			}
		}
		// The second the load ends in is partial: its rate would dip.
		if last := int((l.Start + l.Elapsed) / time.Second); l.Elapsed > 0 && time.Duration(last)*time.Second < l.Start+l.Elapsed {
			delete(counts, last)
		}
		rate = append(rate, Series{Name: l.Name, Points: points(counts)})
		errs = append(errs, Series{Name: l.Name, Points: points(fails)})
	}
	secs := make([]int, 0, len(merged))
	for s := range merged {
		secs = append(secs, s)
	}
	sort.Ints(secs)
	for _, q := range []float64{50, 95, 99} {
		s := Series{Name: fmt.Sprintf("p%g", q)}
		for _, sec := range secs {
			s.Points = append(s.Points, Point{T: float64(sec) + 0.5, V: float64(merged[sec].ValueAtQuantile(q)) / 1000})
		}
		lat = append(lat, s)
	}
	return rate, errs, lat
}

// routeChart draws a router's requests per second by route (as they
// ended): the split moving with the weights, a route ejected.
func routeChart(rr engine.RouterResult, end float64, bands []Band) Chart {
	c := Chart{Title: fmt.Sprintf("router %q: requests per second by route", rr.Name), Unit: "/s", End: end, Bands: bands}
	for i, rt := range rr.Routes {
		s := Series{Name: rt.Name}
		for _, sec := range rr.Seconds {
			// The last second, cut short by the run's end, would dip.
			if i < len(sec.Routes) && (sec.Offset+time.Second).Seconds() <= end {
				s.Points = append(s.Points, Point{T: sec.Offset.Seconds() + 0.5, V: float64(sec.Routes[i].Requests)})
			}
		}
		c.Series = append(c.Series, s)
	}
	return c
}

// points turns per-second values into points at each second's middle.
func points(m map[int]float64) []Point {
	secs := make([]int, 0, len(m))
	for s := range m {
		secs = append(secs, s)
	}
	slices.Sort(secs)
	out := make([]Point, 0, len(secs))
	for _, s := range secs {
		out = append(out, Point{T: float64(s) + 0.5, V: m[s]})
	}
	return out
}

func writeChecks(b *strings.Builder, res *engine.Result) {
	if len(res.Checks) == 0 {
		return
	}
	b.WriteString("<h2>Checks</h2>\n<table><tr><th></th><th>check</th><th class=\"num\">measured</th><th>where</th></tr>\n")
	for _, c := range res.Checks {
		fmt.Fprintf(b, "<tr class=\"%s\"><td>%s</td><td>%s", passClass(c.Passed), c.Mark(), html.EscapeString(c.Check.String()))
		if c.Detail != "" {
			fmt.Fprintf(b, "<div class=\"detail\">%s</div>", html.EscapeString(c.Detail))
		}
		fmt.Fprintf(b, "</td><td class=\"num\">%s</td><td>%s</td></tr>\n", html.EscapeString(c.Value()), html.EscapeString(c.Check.Spec.Where))
	}
	b.WriteString("</table>\n")
}

func passClass(ok bool) string {
	if ok {
		return "pass"
	}
	return "fail"
}

func writeRequests(b *strings.Builder, res *engine.Result) {
	b.WriteString("<h2>Requests</h2>\n<table><tr><th>load</th><th>request</th><th class=\"num\">count</th><th class=\"num\">rate</th>" +
		"<th class=\"num\">p50</th><th class=\"num\">p90</th><th class=\"num\">p95</th><th class=\"num\">p99</th><th class=\"num\">max</th><th>not ok</th></tr>\n")
	for _, l := range res.Loads {
		for _, q := range l.Requests {
			rate := 0.0
			if l.Elapsed > 0 {
				rate = float64(q.Count) / l.Elapsed.Seconds()
			}
			// A request read from a file may have no histogram (none
			// recorded): its figures are shown as unknown.
			ms := func(qq float64) string {
				if q.Latency == nil {
					return "–"
				}
				return fmtMicros(q.Latency.ValueAtQuantile(qq))
			}
			maxMS := "–"
			if q.Latency != nil {
				maxMS = fmtMicros(q.Latency.Max())
			}
			var kinds []string
			for k, n := range q.Errors {
				kinds = append(kinds, fmt.Sprintf("%s=%d", k, n))
			}
			sort.Strings(kinds)
			fmt.Fprintf(b, "<tr><td>%s</td><td>%s</td><td class=\"num\">%d</td><td class=\"num\">%.1f/s</td><td class=\"num\">%s</td><td class=\"num\">%s</td><td class=\"num\">%s</td><td class=\"num\">%s</td><td class=\"num\">%s</td><td>%s</td></tr>\n",
				html.EscapeString(l.Name), html.EscapeString(q.Name), q.Count, rate, ms(50), ms(90), ms(95), ms(99),
				maxMS, html.EscapeString(strings.Join(kinds, " ")))
		}
	}
	b.WriteString("</table>\n")
}

// fmtMicros renders microseconds with a precision that suits the size.
func fmtMicros(us int64) string {
	switch {
	case us >= 10_000_000:
		return fmt.Sprintf("%.1fs", float64(us)/1e6)
	case us >= 100_000:
		return fmt.Sprintf("%.0fms", float64(us)/1e3)
	case us >= 1000:
		return fmt.Sprintf("%.2fms", float64(us)/1e3)
	}
	return fmt.Sprintf("%dµs", us)
}

func writeRollouts(b *strings.Builder, res *engine.Result) {
	for _, ro := range res.Rollouts {
		fmt.Fprintf(b, "<h2>Rollout %s → %s (%s)</h2>\n<p class=\"%s\">%s: %s</p>\n", html.EscapeString(ro.From), html.EscapeString(ro.To),
			html.EscapeString(strings.ReplaceAll(ro.Strategy, "_", "-")), passClass(ro.Status == "promoted"),
			html.EscapeString(strings.ToUpper(strings.ReplaceAll(ro.Status, "_", " "))), html.EscapeString(ro.Reason))
		b.WriteString("<table><tr><th>step</th><th class=\"num\">weight</th><th class=\"num\">time</th><th>verdict</th><th class=\"num\">requests</th><th class=\"num\">errors</th><th>gate</th></tr>\n")
		for _, s := range ro.Steps {
			fmt.Fprintf(b, "<tr><td>%d</td><td class=\"num\">%d%%</td><td class=\"num\">%s</td><td>%s</td><td class=\"num\">%d</td><td class=\"num\">%d</td><td class=\"detail\">%s</td></tr>\n",
				s.Number, s.Weight, s.Duration.Round(time.Millisecond), html.EscapeString(s.Verdict), s.Requests, s.Errors, html.EscapeString(s.Message))
		}
		fmt.Fprintf(b, "</table>\n<p>client-visible errors during the rollout: %d of %d requests</p>\n", ro.Errors, ro.Requests)
	}
}

func writeFaults(b *strings.Builder, res *engine.Result) {
	if len(res.Faults) == 0 {
		return
	}
	b.WriteString("<h2>Faults</h2>\n<table><tr><th>fault</th><th>kind</th><th>on</th><th>window</th><th class=\"num\">matched</th><th class=\"num\">hit</th></tr>\n")
	for _, f := range res.Faults {
		window := "never active"
		if f.Start >= 0 {
			window = fmt.Sprintf("+%s → +%s", f.Start.Round(time.Millisecond), f.End.Round(time.Millisecond))
		}
		fmt.Fprintf(b, "<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td class=\"num\">%d</td><td class=\"num\">%d</td></tr>\n",
			html.EscapeString(f.ID), html.EscapeString(f.Kind), html.EscapeString(f.Target), window, f.Matched, f.Hit)
	}
	b.WriteString("</table>\n")
}

func writeExperiments(b *strings.Builder, res *engine.Result) {
	for _, e := range res.Experiments {
		fmt.Fprintf(b, "<h2>Experiment: %s</h2>\n<p class=\"%s\">%s: %s</p>\n", html.EscapeString(e.Title), passClass(e.Status == "held"),
			html.EscapeString(strings.ToUpper(strings.ReplaceAll(e.Status, "_", " "))), html.EscapeString(e.Reason))
		if len(e.Comparison) > 0 {
			fmt.Fprintf(b, "<table><tr><th></th><th class=\"num\">control (%s)</th><th class=\"num\">experiment (%s)</th></tr>\n",
				html.EscapeString(e.Control), html.EscapeString(e.Experiment))
			for _, g := range e.Comparison {
				fmt.Fprintf(b, "<tr><td>%s</td><td class=\"num\">%s</td><td class=\"num\">%s</td></tr>\n", g.Metric, html.EscapeString(g.Control), html.EscapeString(g.Experiment))
			}
			b.WriteString("</table>\n")
		}
	}
}

func writeTimeline(b *strings.Builder, res *engine.Result) {
	if len(res.Events) == 0 {
		return
	}
	b.WriteString("<h2>Timeline</h2>\n<table><tr><th class=\"num\">at</th><th>source</th><th>event</th><th>what</th></tr>\n")
	for _, e := range res.Events {
		fmt.Fprintf(b, "<tr><td class=\"num\">+%s</td><td>%s</td><td>%s</td><td class=\"detail\">%s</td></tr>\n",
			e.At.Round(time.Millisecond), html.EscapeString(e.Source), html.EscapeString(e.Kind), html.EscapeString(e.Message))
	}
	b.WriteString("</table>\n")
}
