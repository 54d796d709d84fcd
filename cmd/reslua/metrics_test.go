package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/reslua/reslua/engine"
)

// metricsScenario is a short open load against a demo server.
const metricsScenario = `
local t = target { name = "demo", url = demo.mcp { stateless = true, json = true } }
local l = load { name = "traffic", target = t, rate = 100, duration = "2s", mix = { { 1, mcp.call("echo", { message = "hi" }) } } }
l:wait()
sla { { "error_rate", "< 1%" } }
`

// lineWriter is a stderr that calls on with each complete line.
type lineWriter struct {
	mu   sync.Mutex
	buf  strings.Builder
	part string
	on   func(line string)
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	w.part += string(p)
	for {
		i := strings.IndexByte(w.part, '\n')
		if i < 0 {
			break
		}
		line := w.part[:i]
		w.part = w.part[i+1:]
		w.on(line)
	}
	return len(p), nil
}

func (w *lineWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

var lingerLine = regexp.MustCompile(`reslua: keeping (http://\S+/metrics) up`)

// totalRequests sums reslua_requests_total in a text exposition, checking
// that every series of it carries the label testid=id.
func totalRequests(t *testing.T, body io.Reader, id string) float64 {
	t.Helper()
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(body)
	if err != nil {
		t.Fatalf("exposition: %v", err)
	}
	total := 0.0
	for name, mf := range mfs {
		for _, m := range mf.GetMetric() {
			got := ""
			for _, lp := range m.GetLabel() {
				if lp.GetName() == "testid" {
					got = lp.GetValue()
				}
			}
			if got != id {
				t.Errorf("%s %v: testid %q, want %q", name, m.GetLabel(), got, id)
			}
			if name == "reslua_requests_total" {
				total += m.GetCounter().GetValue()
			}
		}
	}
	return total
}

// resultCount is the number of requests results.json counted.
func resultCount(t *testing.T, path string) int64 {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	res, err := engine.ReadResults(data)
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	for _, l := range res.Result.Loads {
		for _, q := range l.Requests {
			n += q.Count
		}
	}
	return n
}

// After the run, /metrics stays up (here for up to an hour) until a scrape
// that began after the run's end has been served, and that scrape counts
// what the summary counts, every series labelled with the run's testid.
// The scrape is made when the log says the server lingers: no sleep.
func TestMetricsLingerForLastScrape(t *testing.T) {
	path := writeScenario(t, metricsScenario)
	out := filepath.Join(t.TempDir(), "results.json")
	scraped := make(chan float64, 1)
	stderr := &lineWriter{on: func(line string) {
		m := lingerLine.FindStringSubmatch(line)
		if m == nil {
			return
		}
		go func() {
			resp, err := http.Get(m[1])
			if err != nil {
				t.Error(err)
				scraped <- -1
				return
			}
			defer resp.Body.Close()
			scraped <- totalRequests(t, resp.Body, "linger-1")
		}()
	}}
	var stdout strings.Builder
	code := run(context.Background(), []string{"run", path, "-q", "--metrics-addr", "127.0.0.1:0", "--metrics-linger", "1h",
		"--testid", "linger-1", "--out", out}, &stdout, stderr)
	if code != exitPassed {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr)
	}
	got := <-scraped
	if want := resultCount(t, out); got != float64(want) || want == 0 {
		t.Errorf("the last scrape counted %g requests, the results %d", got, want)
	}
	for _, want := range []string{"for at most 1h0m0s (Ctrl-C to stop)", "the final counts were scraped; exiting"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("the log lacks %q:\n%s", want, stderr)
		}
	}
	if !strings.Contains(stdout.String(), "(testid linger-1)") {
		t.Errorf("the summary lacks the testid:\n%s", stdout.String())
	}
}

// A Ctrl-C while /metrics lingers ends the wait at once.
func TestMetricsLingerInterrupted(t *testing.T) {
	path := writeScenario(t, `
local t = target { name = "demo", url = demo.mcp { stateless = true, json = true } }
local l = load { name = "traffic", target = t, rate = 20, duration = "200ms", mix = { { 1, mcp.ping() } } }
l:wait()
`)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stderr := &lineWriter{on: func(line string) {
		if lingerLine.MatchString(line) {
			cancel()
		}
	}}
	var stdout strings.Builder
	code := run(ctx, []string{"run", path, "-q", "--metrics-addr", "127.0.0.1:0", "--metrics-linger", "1h"}, &stdout, stderr)
	if code != exitPassed {
		t.Fatalf("exit %d\nstderr:\n%s", code, stderr)
	}
	if !strings.Contains(stderr.String(), "interrupted; exiting without a last scrape") {
		t.Errorf("the log does not say the wait was interrupted:\n%s", stderr)
	}
}

// lockedBuilder is a strings.Builder safe for one writer and readers.
type lockedBuilder struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuilder) WriteString(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.b.WriteString(s)
}

func (l *lockedBuilder) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// freePort returns a port on 127.0.0.1 that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// A real Prometheus server (Debian's prometheus) scrapes the real binary
// every second: the last totals it stored equal the results' (the binary
// waits for that scrape before it exits). Before --metrics-linger, the
// process exited between two scrapes and Prometheus kept counts short of
// the summary's (8977 of 9000 in the issue).
func TestPrometheusScrapesFinalCounts(t *testing.T) {
	if testing.Short() {
		t.Skip("runs Prometheus and the binary")
	}
	prom, err := exec.LookPath("prometheus")
	if err != nil {
		if os.Getenv("RESLUA_REQUIRE_PEERS") == "1" {
			t.Fatal("prometheus is not installed (apt-get install -y prometheus) and RESLUA_REQUIRE_PEERS=1")
		}
		t.Skip("prometheus is not installed (apt-get install -y prometheus); set RESLUA_REQUIRE_PEERS=1 to make this a failure")
	}
	dir := t.TempDir()
	metricsAddr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	promAddr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	config := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(config, []byte(fmt.Sprintf(`global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: reslua
    static_configs:
      - targets: [%q]
`, metricsAddr)), 0o644); err != nil {
		t.Fatal(err)
	}
	pcmd := exec.Command(prom, "--config.file="+config, "--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+promAddr, "--log.level=info")
	perr, err := pcmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := pcmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pcmd.Process.Kill(); pcmd.Wait() })
	var promLog lockedBuilder
	ready, ended := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(ended)
		sc := bufio.NewScanner(perr)
		once := sync.Once{}
		for sc.Scan() {
			promLog.WriteString(sc.Text() + "\n")
			if strings.Contains(sc.Text(), "Server is ready to receive web requests") {
				once.Do(func() { close(ready) })
			}
		}
		once.Do(func() { close(ready) })
	}()
	select {
	case <-ready:
	case <-ended:
	}
	select {
	case <-ended:
		t.Fatalf("prometheus ended:\n%s", promLog.String())
	default:
	}

	// The real binary: this test binary run as reslua (TestMain).
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "reslua")
	if err := os.Symlink(self, bin); err != nil {
		t.Fatal(err)
	}
	scenario := filepath.Join(dir, "s.lua")
	if err := os.WriteFile(scenario, []byte(metricsScenario), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "results.json")
	cmd := exec.Command(bin, "run", scenario, "-q", "--metrics-addr", metricsAddr, "--metrics-linger", "1m",
		"--testid", "e2e-1", "--out", out)
	output, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("reslua: %v\n%s\nprometheus:\n%s", err, output, promLog.String())
	}
	if !strings.Contains(string(output), "the final counts were scraped; exiting") {
		t.Fatalf("reslua did not see its last scrape:\n%s\nprometheus:\n%s", output, promLog.String())
	}
	want := resultCount(t, out)

	// Prometheus appends a scrape's samples after reading it; its scrape
	// loop is sequential, so once a failed scrape (up 0, the binary gone)
	// is stored, the last good one is too.
	query := func(q string) []struct {
		Value [2]any `json:"value"`
	} {
		t.Helper()
		resp, err := http.Get("http://" + promAddr + "/api/v1/query?query=" + url.QueryEscape(q))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body struct {
			Status string
			Data   struct {
				Result []struct {
					Value [2]any `json:"value"`
				}
			}
		}
		if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || body.Status != "success" {
			t.Fatalf("query %s: %v (%s)", q, err, body.Status)
		}
		return body.Data.Result
	}
	deadline := time.Now().Add(time.Minute) // a safety net, not a measurement
	for len(query(`up{job="reslua"} == 0`)) == 0 {
		select {
		case <-ended:
			t.Fatalf("prometheus ended:\n%s", promLog.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("prometheus stored no failed scrape of the ended binary:\n%s", promLog.String())
		}
	}
	r := query(`sum(last_over_time(reslua_requests_total{testid="e2e-1"}[10m]))`)
	if len(r) != 1 {
		t.Fatalf("prometheus has no reslua_requests_total for testid e2e-1: %v", r)
	}
	got, err := strconv.ParseFloat(fmt.Sprint(r[0].Value[1]), 64)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("the last scrape Prometheus stored: %g requests; the results: %d", got, want)
	if got != float64(want) || want == 0 {
		t.Errorf("Prometheus's last scraped total %g, the results' %d", got, want)
	}
}
