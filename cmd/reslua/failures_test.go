//go:build unix

package main

import (
	"bytes"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/reslua/reslua/engine"
)

// runBinary runs the real reslua binary (this test binary under that
// name) on the scenario src with args, in a temporary directory, and
// returns that directory, its stdout, stderr and exit code.
func runBinary(t *testing.T, src string, args ...string) (dir, stdout, stderr string, code int) {
	t.Helper()
	if testing.Short() {
		t.Skip("runs the binary")
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir = t.TempDir()
	bin := filepath.Join(dir, "reslua")
	if err := os.Symlink(self, bin); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "s.lua"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, append([]string{"s.lua"}, args...)...)
	cmd.Dir = dir
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return dir, out.String(), errOut.String(), code
}

const failuresScenario = `
local secure = target { name = "secure", url = env.SECURE .. "/" }
local plain = target { name = "plain", url = env.PLAIN .. "/" }
local a = load { name = "secure", target = secure, rate = 20, duration = "300ms", mix = { { 1, http.get("/") } } }
local b = load { name = "plain", target = plain, rate = 20, duration = "300ms",
  mix = { { 1, http.get("/auth") }, { 1, http.post("/upload", "<xml/>") } } }
a:wait()
b:wait()
`

// failingServers starts a real TLS server on 127.0.0.1 with a self-signed
// certificate, and a plain one answering 401 on /auth and 415 on /upload.
func failingServers(t *testing.T) (secure, plain string) {
	t.Helper()
	tlsSrv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	tlsSrv.Config.ErrorLog = log.New(io.Discard, "", 0) // the handshakes fail on purpose
	tlsSrv.StartTLS()
	t.Cleanup(tlsSrv.Close)
	mux := http.NewServeMux()
	mux.HandleFunc("/auth", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Www-Authenticate", `Bearer realm="api"`)
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"error":"invalid token"}`)
	})
	mux.HandleFunc("/upload", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnsupportedMediaType)
		io.WriteString(w, "expected application/json")
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return tlsSrv.URL, srv.URL
}

// Failures say what came back, on the real binary: a 401, a 415 and an
// x509 error each with their status, body or error under the summary's
// table, in results.json and in the HTML report; with --http-debug the
// log shows the heads of each exchange, with =full the bodies too.
func TestFailuresSayWhatCameBack(t *testing.T) {
	secure, plain := failingServers(t)
	dir, stdout, stderr, code := runBinary(t, failuresScenario, "-q", "-e", "SECURE="+secure, "-e", "PLAIN="+plain,
		"--out", "results.json", "--report", "report.html", "--http-debug")
	if code != exitPassed { // no sla: the verdict passes, and says what failed
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	for _, want := range []string{
		"failures as they came back (the first 3 of each kind):",
		`401 Unauthorized; body: {"error":"invalid token"}`,
		"415 Unsupported Media Type; body: expected application/json",
		"tls: failed to verify certificate: x509: certificate signed by unknown authority",
		"not ok, by kind: tls=",
		"verdict: PASS (no checks; 100% of ",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("summary lacks %q:\n%s", want, stdout)
		}
	}
	for _, want := range []string{
		"http-debug: target \"plain\": request:\nGET /auth HTTP/1.1\nHost: 127.0.0.1:",
		"reply:\nHTTP/1.1 401 Unauthorized\n",
		"Www-Authenticate: Bearer realm=\"api\"\n",
		"http-debug: target \"secure\": request:\nGET / HTTP/1.1\n",
		"reply: none: Get \"" + secure + "/\": tls: failed to verify certificate",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("log lacks %q:\n%s", want, stderr)
		}
	}
	if strings.Contains(stderr, `{"error":"invalid token"}`) {
		t.Errorf("--http-debug (heads only) logs a body:\n%s", stderr)
	}
	data, err := os.ReadFile(filepath.Join(dir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	saved, err := engine.ReadResults(data)
	if err != nil {
		t.Fatal(err)
	}
	statuses := map[string]int{}
	for _, l := range saved.Result.Loads {
		for _, q := range l.Requests {
			if len(q.Samples) == 0 {
				t.Errorf("results.json: %s: no samples", q.Name)
				continue
			}
			s := q.Samples[0]
			statuses[q.Name] = s.Status
			if q.Name == "GET /" && (s.Kind != "tls" || !strings.Contains(s.Error, "x509: certificate signed by unknown authority")) {
				t.Errorf("results.json: GET /: %+v", s)
			}
		}
	}
	if statuses["GET /auth"] != 401 || statuses["POST /upload"] != 415 {
		t.Errorf("results.json: statuses %v", statuses)
	}
	page, err := os.ReadFile(filepath.Join(dir, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(page, []byte("Failures as they came back")) || !bytes.Contains(page, []byte("{&#34;error&#34;:&#34;invalid token&#34;}")) {
		t.Errorf("the report has no samples")
	}

	// --http-debug=full logs the bodies too.
	_, _, stderr, _ = runBinary(t, failuresScenario, "-q", "-e", "SECURE="+secure, "-e", "PLAIN="+plain, "--http-debug=full")
	for _, want := range []string{"POST /upload HTTP/1.1\n", "Content-Length: 6\n\n<xml/>\n", "\n\n{\"error\":\"invalid token\"}\n"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("--http-debug=full: log lacks %q:\n%s", want, stderr)
		}
	}
	_, _, stderr, code = runBinary(t, failuresScenario, "--http-debug=bodies")
	if code != exitUsage || !strings.Contains(stderr, "--http-debug=bodies: expected --http-debug (heads) or --http-debug=full") {
		t.Errorf("--http-debug=bodies: exit %d\n%s", code, stderr)
	}
}
