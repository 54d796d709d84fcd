// Command report reads the run files that run.sh leaves in a results
// directory and prints, per scenario and tool, the medians over rounds of
// requests per second and generator CPU microseconds per completed
// request, with ratios to wrk and k6:
//
//	report results/20260101-120000
//
// Each run is three files named SCENARIO__TOOL__ROUND.{out,cpu,stats}: the
// generator's output (for k6, also .k6.json, its summary), cpurun's line,
// and the target's own latency figures for the run (GET /stats?reset=1).
// A tool's request count comes from its own report: wrk's "N requests in",
// k6's http_reqs, reslua's row for the request named "req", the Go loops'
// "requests=N". Files notes.txt (free text) are printed first.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
)

// run is one generator run.
type run struct {
	scenario, tool string
	round          int
	requests       float64 // completed requests
	errors         float64
	elapsed        float64 // seconds of load
	cpuUS          float64 // generator CPU, µs
	targetP50      float64 // µs, from the target
	targetP99      float64
	note           string
	err            error
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: report RESULTS_DIR")
		os.Exit(2)
	}
	dir := os.Args[1]
	if b, err := os.ReadFile(filepath.Join(dir, "notes.txt")); err == nil {
		os.Stdout.Write(b)
		fmt.Println()
	}
	cpus, _ := filepath.Glob(filepath.Join(dir, "*.cpu"))
	var runs []run
	for _, c := range cpus {
		base := strings.TrimSuffix(c, ".cpu")
		parts := strings.Split(filepath.Base(base), "__")
		if len(parts) != 3 {
			continue
		}
		r := run{scenario: parts[0], tool: parts[1]}
		r.round, _ = strconv.Atoi(parts[2])
		r.err = r.read(base)
		runs = append(runs, r)
	}
	if len(runs) == 0 {
		fmt.Fprintln(os.Stderr, "report: no runs in", dir)
		os.Exit(1)
	}
	printRuns(runs)
	printTable(runs)
}

var (
	cpuRe    = regexp.MustCompile(`cpu_us=(\d+) .*wall_us=(\d+) exit=(-?\d+)`)
	wrkRe    = regexp.MustCompile(`(\d+) requests in ([\d.]+)(us|ms|s|m)\b`)
	wrkNon2  = regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`)
	wrkSock  = regexp.MustCompile(`Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)`)
	loopRe   = regexp.MustCompile(`requests=(\d+) errors=(\d+) elapsed=([\d.]+)`)
	resluaRe = regexp.MustCompile(`(?m)^\s*req\s+(\d+)\s+[\d.]+/s\s.*?\s(\d+)(?: \([\d.]+%\))?\s*$`)
	overRe   = regexp.MustCompile(`achieved [\d.]+/s over ([\d.]+)(ms|s|m)\b`)
	planRe   = regexp.MustCompile(`planned ([^;]+);`)
)

func (r *run) read(base string) error {
	cpu, err := os.ReadFile(base + ".cpu")
	if err != nil {
		return err
	}
	m := cpuRe.FindStringSubmatch(string(cpu))
	if m == nil {
		return fmt.Errorf("bad cpu line %q", cpu)
	}
	r.cpuUS = atof(m[1])
	wall := atof(m[2]) / 1e6
	if m[3] != "0" {
		r.note = "exit " + m[3]
	}
	out, _ := os.ReadFile(base + ".out")
	switch {
	case r.tool == "wrk" || r.tool == "wrk-hook":
		m := wrkRe.FindStringSubmatch(string(out))
		if m == nil {
			return fmt.Errorf("no request count in wrk output")
		}
		r.requests, r.elapsed = atof(m[1]), seconds(m[2], m[3])
		if m := wrkNon2.FindStringSubmatch(string(out)); m != nil {
			r.errors += atof(m[1])
		}
		if m := wrkSock.FindStringSubmatch(string(out)); m != nil {
			r.errors += atof(m[1]) + atof(m[2]) + atof(m[3]) + atof(m[4])
		}
	case r.tool == "k6":
		b, err := os.ReadFile(base + ".k6.json")
		if err != nil {
			return err
		}
		var s struct {
			Metrics map[string]struct {
				Values map[string]float64 `json:"values"`
			} `json:"metrics"`
			State struct {
				TestRunDurationMs float64 `json:"testRunDurationMs"`
			} `json:"state"`
		}
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		r.requests = s.Metrics["http_reqs"].Values["count"]
		r.errors = s.Metrics["http_req_failed"].Values["passes"]
		r.elapsed = s.State.TestRunDurationMs / 1000
	case strings.HasPrefix(r.tool, "reslua"):
		m := resluaRe.FindStringSubmatch(string(out))
		if m == nil {
			return fmt.Errorf("no row for request \"req\" in reslua's summary")
		}
		r.requests, r.errors = atof(m[1]), atof(m[2])
		if m := overRe.FindStringSubmatch(string(out)); m != nil {
			r.elapsed = seconds(m[1], m[2])
		}
		if m := planRe.FindStringSubmatch(string(out)); m != nil && strings.Contains(m[1], "/s") {
			r.note = strings.TrimSpace("open model (" + m[1] + "), not closed " + r.note)
		}
	default: // gonet, httpc
		m := loopRe.FindStringSubmatch(string(out))
		if m == nil {
			return fmt.Errorf("no requests= line")
		}
		r.requests, r.errors, r.elapsed = atof(m[1]), atof(m[2]), atof(m[3])
	}
	if r.elapsed == 0 {
		r.elapsed = wall
	}
	if b, err := os.ReadFile(base + ".stats"); err == nil {
		var st struct{ P50, P99 float64 }
		if json.Unmarshal(b, &st) == nil {
			r.targetP50, r.targetP99 = st.P50, st.P99
		}
	}
	if r.requests == 0 {
		return fmt.Errorf("no completed requests")
	}
	return nil
}

func (r run) rps() float64   { return r.requests / r.elapsed }
func (r run) usReq() float64 { return r.cpuUS / r.requests }

func printRuns(runs []run) {
	slices.SortFunc(runs, func(a, b run) int {
		return strings.Compare(fmt.Sprintf("%s %03d %s", a.scenario, a.round, a.tool), fmt.Sprintf("%s %03d %s", b.scenario, b.round, b.tool))
	})
	fmt.Println("runs:")
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  scenario\tround\ttool\trequests\treq/s\tCPU s\tCPU µs/req\terrors\ttarget p50/p99 µs\tnote")
	for _, r := range runs {
		if r.err != nil {
			fmt.Fprintf(tw, "  %s\t%d\t%s\t-\t-\t-\t-\t-\t-\tFAILED: %v\n", r.scenario, r.round, r.tool, r.err)
			continue
		}
		fmt.Fprintf(tw, "  %s\t%d\t%s\t%.0f\t%.0f\t%.2f\t%.1f\t%.0f\t%.0f / %.0f\t%s\n", r.scenario, r.round, r.tool,
			r.requests, r.rps(), r.cpuUS/1e6, r.usReq(), r.errors, r.targetP50, r.targetP99, r.note)
	}
	tw.Flush()
	fmt.Println()
}

// toolOrder is the table's row order within a scenario.
var toolOrder = []string{"wrk", "k6", "reslua", "reslua-mcp", "reslua-hook", "gonet", "httpc"}

func printTable(runs []run) {
	type key struct{ scenario, tool string }
	groups := map[key][]run{}
	var scenarios []string
	for _, r := range runs {
		if r.err != nil {
			continue
		}
		k := key{r.scenario, r.tool}
		groups[k] = append(groups[k], r)
		if !slices.Contains(scenarios, r.scenario) {
			scenarios = append(scenarios, r.scenario)
		}
	}
	med := func(rs []run, f func(run) float64) float64 {
		v := make([]float64, len(rs))
		for i, r := range rs {
			v[i] = f(r)
		}
		slices.Sort(v)
		if len(v)%2 == 1 {
			return v[len(v)/2]
		}
		return (v[len(v)/2-1] + v[len(v)/2]) / 2
	}
	fmt.Println("medians over rounds (generator CPU per completed request; lower is better):")
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "scenario\ttool\truns\treq/s\tCPU µs/req\t× wrk\t× k6\terrors\ttarget p99 µs\tnote\t")
	for _, s := range scenarios {
		wrk := groups[key{s, "wrk"}]
		k6 := groups[key{s, "k6"}]
		tools := slices.Clone(toolOrder)
		for k := range groups {
			if k.scenario == s && !slices.Contains(tools, k.tool) {
				tools = append(tools, k.tool)
			}
		}
		for _, tool := range tools {
			rs := groups[key{s, tool}]
			if len(rs) == 0 {
				continue
			}
			us := med(rs, run.usReq)
			ratio := func(base []run) string {
				if len(base) == 0 {
					return "-"
				}
				return fmt.Sprintf("%.2f", us/med(base, run.usReq))
			}
			errs := 0.0
			for _, r := range rs {
				errs += r.errors
			}
			fmt.Fprintf(tw, "%s\t%s\t%d\t%.0f\t%.1f\t%s\t%s\t%.0f\t%.0f\t%s\t\n", s, tool, len(rs),
				med(rs, run.rps), us, ratio(wrk), ratio(k6), errs, med(rs, func(r run) float64 { return r.targetP99 }), rs[0].note)
		}
	}
	tw.Flush()
}

func atof(s string) float64 {
	f, _ := strconv.ParseFloat(s, 64)
	return f
}

func seconds(v, unit string) float64 {
	f := atof(v)
	switch unit {
	case "us":
		return f / 1e6
	case "ms":
		return f / 1e3
	case "m":
		return f * 60
	}
	return f
}
