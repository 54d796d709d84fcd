package report

import (
	"bytes"
	"encoding/xml"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/reslua/reslua/engine"
	"github.com/reslua/reslua/engine/outcome"
)

// sampleResult is a small run: one load over 10 s, a fault from 4 s to
// 7 s, a rollout step, a breaker that opened and closed, two checks.
func sampleResult(t *testing.T) *engine.Result {
	t.Helper()
	lat := hdrhistogram.New(1, 3_600_000_000, 3)
	var seconds []engine.SecondStats
	for s := range 10 {
		h := &engine.SecondHistogram{}
		st := engine.SecondStats{Offset: time.Duration(s) * time.Second, Count: 100, Latency: h}
		for range 100 {
			v := int64(2000)
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
	return &engine.Result{
		Elapsed: 10 * time.Second,
		Loads: []engine.LoadResult{{Name: "traffic", Elapsed: 10 * time.Second, Requests: []engine.RequestResult{{
			Name: "tools/call echo", Count: 1000, Errors: map[outcome.Kind]int64{outcome.HTTPStatus(503): 60},
			Latency: lat, Seconds: seconds}}}},
		Checks: []engine.CheckResult{{Check: c1, Measured: 150, Passed: true}, {Check: c2, Measured: 0.06, Detail: "60 of 1000 failed"}},
		Phases: []engine.Phase{{Kind: "fault", Name: "green trouble", Start: 4 * time.Second, End: 7 * time.Second},
			{Kind: "step", Name: "green 50%", Start: 2 * time.Second, End: 8 * time.Second}},
		Events: []engine.Event{{At: 4200 * time.Millisecond, Source: `route "green"`, Kind: "breaker", Message: "closed → open (failure_rate)"},
			{At: 7500 * time.Millisecond, Source: `route "green"`, Kind: "breaker", Message: "half_open → closed (probes_succeeded)"}},
	}
}

func render(t *testing.T) string {
	t.Helper()
	var buf bytes.Buffer
	if err := Render(&buf, sampleResult(t), Meta{Scenario: "s.lua", Version: "test"}); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// The page holds three charts with the fault, the step and the open
// breaker shaded, the checks and the request table, and no script or
// external resource.
func TestRenderPage(t *testing.T) {
	page := render(t)
	svgs := regexp.MustCompile(`(?s)<svg.*?</svg>`).FindAllString(page, -1)
	if len(svgs) != 3 {
		t.Fatalf("%d charts, want 3", len(svgs))
	}
	for _, svg := range svgs {
		if err := xml.Unmarshal([]byte(svg), new(struct{})); err != nil {
			t.Errorf("chart not well-formed: %v", err)
		}
		for _, band := range []string{"fault green trouble", "step green 50%", `route &#34;green&#34; breaker open`} {
			if !strings.Contains(svg, band) {
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

// In a real headless browser (Debian's chromium, when installed; .ci/run
// installs it) the page loads without console errors, its charts are in
// the DOM with their lines, and a screenshot is written.
func TestRenderInChromium(t *testing.T) {
	browser := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			browser = p
			break
		}
	}
	if browser == "" {
		t.Skip("no chromium installed (apt-get install chromium)")
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "report.html")
	if err := os.WriteFile(file, []byte(render(t)), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (stdout, stderr string) {
		t.Helper()
		base := []string{"--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-dev-shm-usage",
			"--user-data-dir=" + filepath.Join(dir, "profile"), "--enable-logging=stderr", "--v=0"}
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
	dom, log := run("--dump-dom", "file://"+file)
	if n := strings.Count(dom, "<polyline"); n < 3 {
		t.Errorf("the DOM has %d chart lines, want at least 3", n)
	}
	for _, line := range strings.Split(log, "\n") {
		if strings.Contains(line, "CONSOLE") || strings.Contains(line, "Uncaught") {
			t.Errorf("console: %s", line)
		}
	}
	shot := filepath.Join(dir, "report.png")
	run("--screenshot="+shot, "--window-size=1200,1600", "file://"+file)
	if st, err := os.Stat(shot); err != nil || st.Size() < 10_000 {
		t.Fatalf("screenshot: %v (%d bytes)", err, sizeOf(st))
	}
}

func sizeOf(st os.FileInfo) int64 {
	if st == nil {
		return 0
	}
	return st.Size()
}
