package report

import (
	"bytes"
	"cmp"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"html"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/reslua/reslua/engine"
	"github.com/reslua/reslua/engine/outcome"
)

// sampleResult is a small run: one load over 10 s, a fault from 4 s to
// 7 s, a rollout step, two checks, and two breakers: the route "green"'s
// opened at 4.2 s for 1 s and was never called again (its route had lost
// its weight), so it recorded no move to half-open; the target "blue"'s
// opened at 2 s for 0.5 s, reopened at 2.6 s for 1 s and closed at 3.7 s.
func sampleResult(t *testing.T) *engine.Result {
	t.Helper()
	lat := hdrhistogram.New(1, 3_600_000_000, 3)
	var seconds []engine.SecondStats
	for s := range 10 {
		h := &engine.SecondHistogram{}
		st := engine.SecondStats{Offset: time.Duration(s) * time.Second, Count: 100, Latency: h}
		for i := range 100 {
			v := int64(2000 + 10*i) // p95 and p99 apart
			if s >= 4 && s < 7 {
				v = 150_000
			}
			h.RecordValue(v)
			lat.RecordValue(v)
		}
		if s >= 4 && s < 7 {
			st.Errors = map[outcome.Kind]int64{outcome.HTTPStatus(503): 20}
		}
		seconds = append(seconds, st)
	}
	c1, err := engine.ParseCheck(engine.CheckSpec{Metric: "p95", Threshold: "< 250ms", Where: "s.lua:9"})
	if err != nil {
		t.Fatal(err)
	}
	c2, _ := engine.ParseCheck(engine.CheckSpec{Metric: "error_rate", Threshold: "< 1%", Where: "s.lua:9"})
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	green := engine.BreakerResult{Target: "green", OpenDurations: []time.Duration{time.Second},
		Transitions: []engine.BreakerTransition{{At: ms(4200), From: "closed", To: "open", Reason: "failure_rate"}}}
	blue := engine.BreakerResult{Target: "blue", OpenDurations: []time.Duration{ms(500), time.Second},
		Transitions: []engine.BreakerTransition{
			{At: ms(2000), From: "closed", To: "open", Reason: "consecutive_failures"},
			{At: ms(2500), From: "open", To: "half_open", Reason: "open_ended"},
			{At: ms(2600), From: "half_open", To: "open", Reason: "probe_failed"},
			{At: ms(3600), From: "open", To: "half_open", Reason: "open_ended"},
			{At: ms(3700), From: "half_open", To: "closed", Reason: "probes_succeeded"}}}
	var events []engine.Event
	for _, b := range []struct {
		source string
		br     engine.BreakerResult
	}{{`route "green"`, green}, {`target "blue"`, blue}} {
		for _, tr := range b.br.Transitions {
			events = append(events, engine.Event{At: tr.At, Source: b.source, Kind: "breaker",
				Message: fmt.Sprintf("%s → %s (%s)", tr.From, tr.To, tr.Reason), Detection: tr.To == "open"})
		}
	}
	slices.SortStableFunc(events, func(a, b engine.Event) int { return cmp.Compare(a.At, b.At) })
	return &engine.Result{
		Elapsed: 10 * time.Second,
		Loads: []engine.LoadResult{{Name: "traffic", Elapsed: 10 * time.Second, Requests: []engine.RequestResult{{
			Name: "tools/call echo", Count: 1000, Errors: map[outcome.Kind]int64{outcome.HTTPStatus(503): 60},
			Latency: lat, Seconds: seconds}}}},
		Checks: []engine.CheckResult{{Check: c1, Measured: 150, Passed: true}, {Check: c2, Measured: 0.06, Detail: "60 of 1000 failed"}},
		Phases: []engine.Phase{{Kind: "fault", Name: "green trouble", Start: 4 * time.Second, End: 7 * time.Second},
			{Kind: "step", Name: "green 50%", Start: 2 * time.Second, End: 8 * time.Second}},
		Routers:  []engine.RouterResult{{Name: "mcp", Routes: []engine.RouteResult{{Name: "green", Breaker: &green}}}},
		Breakers: []engine.BreakerResult{blue},
		Events:   events,
	}
}

// breakerOpen are the sample's open periods, in seconds, by band label.
var breakerOpen = map[string][][2]float64{
	`route "green" breaker open`: {{4.2, 5.2}},
	`target "blue" breaker open`: {{2.0, 2.5}, {2.6, 3.6}},
}

func render(t *testing.T) string {
	t.Helper()
	var buf bytes.Buffer
	if err := Render(&buf, sampleResult(t), Meta{Scenario: "s.lua", Version: "test"}); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// The page holds four charts (requests, the router's routes, latency,
// failures) with the fault, the step and each breaker's open periods
// shaded, the checks and the request table, and no script or external
// resource.
func TestRenderPage(t *testing.T) {
	page := render(t)
	figures := regexp.MustCompile(`(?s)<figure.*?</figure>`).FindAllString(page, -1)
	if len(figures) != 4 {
		t.Fatalf("%d charts, want 4", len(figures))
	}
	for _, f := range figures {
		if err := xml.Unmarshal([]byte(f), new(struct{})); err != nil {
			t.Errorf("chart not well-formed: %v", err)
		}
		for _, band := range []string{"fault green trouble", "step green 50%", `route &#34;green&#34; breaker open`, `target &#34;blue&#34; breaker open`} {
			if !strings.Contains(f, band) {
				t.Errorf("a chart lacks the band %q", band)
			}
		}
	}
	for _, want := range []string{"FAIL (1 of 2 checks failed; 6% of 1000 requests failed)", "error_rate &lt; 1%", "60 of 1000 failed", "tools/call echo", "http_5xx=60", ">150ms<"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	for _, banned := range []string{"<script", "http://", "https://"} {
		if strings.Contains(page, banned) {
			t.Errorf("page has %q: it must be self-contained and script-free", banned)
		}
	}
}

// The ticks of every axis are round: steps of 1, 2 or 5 times a power of
// ten (the time axis may also step 30 s, 1, 2, 5, 10, 20 or 30 minutes,
// hours), in units a user reads. Before, the latency axis of a 150 ms run
// stepped 37.5 ms and the rate axis 25/s.
func TestTicksAreRound(t *testing.T) {
	tick := regexp.MustCompile(`<text class="tick"[^>]*text-anchor="(end|middle)"[^>]*>([^<]*)</text>`)
	for i, f := range regexp.MustCompile(`(?s)<figure.*?</figure>`).FindAllString(render(t), -1) {
		var values, times []float64
		for _, m := range tick.FindAllStringSubmatch(f, -1) {
			v, err := parseTick(html.UnescapeString(m[2]))
			if err != nil {
				t.Fatalf("chart %d: tick %q: %v", i, m[2], err)
			}
			if m[1] == "end" {
				values = append(values, v)
			} else {
				times = append(times, v)
			}
		}
		for _, axis := range []struct {
			name  string
			ticks []float64
		}{{"value", values}, {"time", times}} {
			if len(axis.ticks) < 3 {
				t.Errorf("chart %d: %s axis has %d ticks %v, want at least 3", i, axis.name, len(axis.ticks), axis.ticks)
				continue
			}
			step := axis.ticks[1] - axis.ticks[0]
			for j := 1; j < len(axis.ticks); j++ {
				if d := axis.ticks[j] - axis.ticks[j-1]; math.Abs(d-step) > step*1e-6 {
					t.Errorf("chart %d: %s ticks %v are not evenly spaced", i, axis.name, axis.ticks)
				}
			}
			if !roundStep(step) {
				t.Errorf("chart %d: %s ticks %v step %g: not 1, 2 or 5 times a power of ten", i, axis.name, axis.ticks, step)
			}
		}
	}
}

// parseTick reads a tick label in seconds (a time or a latency) or per
// second: 0, 250µs, 50ms, 1.5s, 1m30s, 200/s, 1.5k/s.
func parseTick(s string) (float64, error) {
	if num, ok := strings.CutSuffix(s, "/s"); ok {
		mult := 1.0
		if n, ok := strings.CutSuffix(num, "k"); ok {
			num, mult = n, 1000
		}
		v, err := strconv.ParseFloat(num, 64)
		return v * mult, err
	}
	d, err := time.ParseDuration(s)
	return d.Seconds(), err
}

// roundStep tells whether step is 1, 2 or 5 times a power of ten (or 30 s).
func roundStep(step float64) bool {
	if step <= 0 {
		return false
	}
	m := step / math.Pow(10, math.Floor(math.Log10(step)+1e-9))
	for _, want := range []float64{1, 2, 5} {
		if math.Abs(m-want) < 1e-6 {
			return true
		}
	}
	return step == 30
}

// probe, added to a copy of the page in the browser test (the page itself
// has no script), measures what a reader sees and writes it into the DOM
// as JSON: per chart, the colour of each series' line and legend entry,
// the time axis's extent and each band's, in CSS pixels.
const probe = `<script>
const out = {viewport: document.documentElement.clientWidth, charts: []};
for (const f of document.querySelectorAll("figure")) {
  const axis = f.querySelector("line.axis").getBoundingClientRect();
  const c = {axisLeft: axis.left, axisWidth: axis.width, lines: {}, legends: {}, bands: []};
  const names = [];
  for (const l of f.querySelectorAll("polyline")) {
    const name = l.querySelector("title").textContent;
    names.push(name);
    c.lines[name] = getComputedStyle(l).stroke;
  }
  // A legend entry: the innermost element other than a <title> whose
  // text is a series' name.
  for (const el of f.querySelectorAll("*")) {
    const name = el.textContent.trim();
    if (el.tagName.toLowerCase() === "title" || !names.includes(name)) continue;
    if ([...el.children].some(ch => ch.textContent.trim() === name)) continue;
    const st = getComputedStyle(el);
    c.legends[name] = el instanceof SVGElement ? st.fill : st.color;
  }
  for (const r of f.querySelectorAll("rect")) {
    const b = r.getBoundingClientRect();
    c.bands.push({label: r.querySelector("title").textContent, left: b.left, right: b.right});
  }
  out.charts.push(c);
}
const pre = document.createElement("pre");
pre.id = "probe";
pre.textContent = JSON.stringify(out);
document.body.appendChild(pre);
</script>`

type probed struct {
	Viewport float64
	Charts   []struct {
		AxisLeft, AxisWidth float64
		Lines, Legends      map[string]string
		Bands               []struct {
			Label       string
			Left, Right float64
		}
	}
}

// In a real headless browser (Debian's chromium, when installed; .ci/run
// installs it) the page loads without console errors and a screenshot is
// written; measured in the browser, each legend entry has its series'
// colour (p95 and p99 differ), each chart's time axis spans most of the
// window's width, and each breaker's band covers its open periods and no
// more (a breaker that opened for 1 s and was never called again is shaded
// for 1 s, not to the run's end).
func TestRenderInChromium(t *testing.T) {
	browser := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			browser = p
			break
		}
	}
	if browser == "" {
		if os.Getenv("RESLUA_REQUIRE_PEERS") == "1" {
			t.Fatal("no chromium installed (apt-get install chromium) and RESLUA_REQUIRE_PEERS=1")
		}
		t.Skip("no chromium installed (apt-get install chromium); set RESLUA_REQUIRE_PEERS=1 to make this a failure")
	}
	dir := t.TempDir()
	page := render(t)
	file := filepath.Join(dir, "report.html")
	if err := os.WriteFile(file, []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}
	probeFile := filepath.Join(dir, "probe.html")
	if err := os.WriteFile(probeFile, []byte(strings.Replace(page, "</body>", probe+"</body>", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	const width = 1600
	profiles := 0
	run := func(args ...string) (stdout, stderr string) {
		t.Helper()
		profiles++
		base := []string{"--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-dev-shm-usage",
			"--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
			"--user-data-dir=" + filepath.Join(dir, fmt.Sprintf("profile%d", profiles)), "--enable-logging=stderr", "--v=0",
			fmt.Sprintf("--window-size=%d,1600", width)}
		// Headless chromium itself crashes now and then (about one run in
		// ten here, a segmentation fault before it loads anything): a
		// crash is retried, any other failure is the test's.
		for attempt := 1; ; attempt++ {
			cmd := exec.Command(browser, append(base, args...)...)
			var out, errb bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &errb
			err := cmd.Run()
			var ee *exec.ExitError
			if errors.As(err, &ee) && attempt < 3 {
				if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
					t.Logf("%s crashed (%v); again", browser, err)
					continue
				}
			}
			if err != nil {
				t.Fatalf("%s: %v\n%s", browser, err, errb.String())
			}
			return out.String(), errb.String()
		}
	}
	dom, log := run("--dump-dom", "file://"+probeFile)
	for _, line := range strings.Split(log, "\n") {
		if strings.Contains(line, "CONSOLE") || strings.Contains(line, "Uncaught") {
			t.Errorf("console: %s", line)
		}
	}
	m := regexp.MustCompile(`(?s)<pre id="probe">(.*?)</pre>`).FindStringSubmatch(dom)
	if m == nil {
		t.Fatalf("the probe wrote nothing; DOM:\n%s", dom)
	}
	var got probed
	if err := json.Unmarshal([]byte(html.UnescapeString(m[1])), &got); err != nil {
		t.Fatalf("probe: %v\n%s", err, m[1])
	}
	if len(got.Charts) != 4 {
		t.Fatalf("the browser shows %d charts, want 4", len(got.Charts))
	}
	const end = 10.0 // the sample run's end: the time axis's right end
	for i, c := range got.Charts {
		if c.AxisWidth < 0.85*got.Viewport {
			t.Errorf("chart %d: the time axis is %.0f px of a %.0f-px window, want at least 85 %%", i, c.AxisWidth, got.Viewport)
		}
		for name, line := range c.Lines {
			if legend, ok := c.Legends[name]; !ok {
				t.Errorf("chart %d: no legend entry for %q", i, name)
			} else if legend != line {
				t.Errorf("chart %d: the legend of %q is %s, its line %s", i, name, legend, line)
			}
		}
		if p95, p99 := c.Lines["p95"], c.Lines["p99"]; p95 != "" && p95 == p99 {
			t.Errorf("chart %d: p95 and p99 are both %s", i, p95)
		}
		if p95, p99 := c.Legends["p95"], c.Legends["p99"]; p95 != "" && p95 == p99 {
			t.Errorf("chart %d: the legends of p95 and p99 are both %s", i, p95)
		}
		px := func(sec float64) float64 { return c.AxisLeft + sec/end*c.AxisWidth }
		for label, periods := range breakerOpen {
			var bands [][2]float64
			for _, b := range c.Bands {
				if b.Label == label {
					bands = append(bands, [2]float64{b.Left, b.Right})
				}
			}
			if len(bands) != len(periods) {
				t.Errorf("chart %d: %d bands %q, want %d (%v s)", i, len(bands), label, len(periods), periods)
				continue
			}
			for j, p := range periods {
				if math.Abs(bands[j][0]-px(p[0])) > 2 || math.Abs(bands[j][1]-px(p[1])) > 2 {
					t.Errorf("chart %d: band %q spans %.0f–%.0f px, want %.0f–%.0f px (+%gs to +%gs)",
						i, label, bands[j][0], bands[j][1], px(p[0]), px(p[1]), p[0], p[1])
				}
			}
		}
	}
	if v := got.Charts[2].Lines; len(v) != 3 {
		t.Errorf("the latency chart has lines %v, want p50, p95 and p99", v)
	}
	shot := filepath.Join(dir, "report.png")
	run("--screenshot="+shot, "file://"+file)
	if st, err := os.Stat(shot); err != nil || st.Size() < 10_000 {
		t.Fatalf("screenshot: %v (%d bytes)", err, sizeOf(st))
	}
	if out := os.Getenv("RESLUA_REPORT_SHOT"); out != "" {
		b, err := os.ReadFile(shot)
		if err == nil {
			err = os.WriteFile(out, b, 0o644)
		}
		if err != nil {
			t.Error(err)
		}
	}
}

func sizeOf(st os.FileInfo) int64 {
	if st == nil {
		return 0
	}
	return st.Size()
}
