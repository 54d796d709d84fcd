//go:build unix

package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/reslua/reslua/engine"
)

// One output that cannot be written when the run ends (its directory was
// removed during the run) makes the exit 1, and every other output says
// so: results.json and the JUnit XML say verdict error with exit code 1,
// as the summary does. Before, they said passed, exit code 0, next to an
// exit of 1.
func TestFailedOutputTurnsEveryOutputToError(t *testing.T) {
	arrived := make(chan struct{}, 10)
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		<-release
	}))
	defer srv.Close()
	defer close(release)
	base := t.TempDir()
	out, gone := filepath.Join(base, "out"), filepath.Join(base, "gone")
	for _, d := range []string{out, gone} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	report := filepath.Join(gone, "report.html")
	b := startBinary(t, `
local t = target { name = "svc", url = "`+srv.URL+`" }
load { target = t, rate = 1, duration = "1s", mix = { { 1, http.get("/") } } }:wait()
sla { { "error_rate", "< 1%" } }
`, "running", "-q", "--out", filepath.Join(out, "results.json"), "--junit", filepath.Join(out, "junit.xml"), "--report", report)
	// The binary checked the paths before the run; its first request
	// waits here until the report's directory is gone.
	<-arrived
	if err := os.RemoveAll(gone); err != nil {
		t.Fatal(err)
	}
	release <- struct{}{}
	if code := b.wait(); code != exitRuntime {
		t.Fatalf("exit %d, want %d\n%s\n%s", code, exitRuntime, &b.stdout, &b.stderr)
	}
	if !strings.Contains(b.stderr.String(), "reslua: --report "+report+": ") {
		t.Errorf("stderr does not name the output that failed:\n%s", &b.stderr)
	}
	if !strings.Contains(b.stdout.String(), "verdict: ERROR (writing the outputs: --report "+report+": ") {
		t.Errorf("summary:\n%s", &b.stdout)
	}
	data, err := os.ReadFile(filepath.Join(out, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	saved, err := engine.ReadResults(data)
	if err != nil {
		t.Fatal(err)
	}
	if saved.Verdict != engine.VerdictError || saved.Meta.ExitCode != exitRuntime {
		t.Errorf("results.json: verdict %q, exit code %d; want %q, %d", saved.Verdict, saved.Meta.ExitCode, engine.VerdictError, exitRuntime)
	}
	xml, err := os.ReadFile(filepath.Join(out, "junit.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(xml), `<property name="verdict" value="error">`) {
		t.Errorf("junit.xml:\n%s", xml)
	}
	if left, _ := filepath.Glob(filepath.Join(out, ".*tmp-*")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}
