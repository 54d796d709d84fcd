package engine

import (
	"bytes"
	"context"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/reslua/reslua/engine/outcome"
)

// failingServers starts a real TLS server on 127.0.0.1 whose self-signed
// certificate nobody trusts, and a plain one answering 401 on /auth, 415
// on /upload (each with a body saying why) and 200 elsewhere.
func failingServers(t *testing.T) (tlsURL, plainURL string) {
	t.Helper()
	secure := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	secure.Config.ErrorLog = log.New(io.Discard, "", 0) // the handshakes fail on purpose
	secure.StartTLS()
	t.Cleanup(secure.Close)
	mux := http.NewServeMux()
	mux.HandleFunc("/auth", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"error": "invalid token",`+"\n"+`"hint": "send Authorization: Bearer ..."}`)
	})
	mux.HandleFunc("/upload", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnsupportedMediaType)
		io.WriteString(w, strings.Repeat("only application/json is accepted. ", 20)) // over SampleBodyBytes
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	plain := httptest.NewServer(mux)
	t.Cleanup(plain.Close)
	return secure.URL, plain.URL
}

// Failures say what came back: a 401 and a 415 keep their status and the
// first bytes of their bodies, a certificate nobody trusts is a "tls"
// failure with the verification error; a few of each kind, in the
// result and under the summary's table.
func TestFailureSamples(t *testing.T) {
	if testing.Short() {
		t.Skip("sends requests to real servers")
	}
	tlsURL, plainURL := failingServers(t)
	ctx := context.Background()
	r := NewRun(Config{})
	secure, err := r.AddTarget(TargetSpec{Name: "secure", URL: tlsURL + "/", Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	plain, err := r.AddTarget(TargetSpec{Name: "plain", URL: plainURL + "/", Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	get := func(path string) MixEntry {
		return MixEntry{Weight: 1, Request: RequestSpec{HTTP: &HTTPRequest{Path: path}}}
	}
	l1, err := r.StartLoad(ctx, LoadSpec{Name: "secure", Target: secure, Rate: 40, Duration: 500 * time.Millisecond, Mix: []MixEntry{get("/")}})
	if err != nil {
		t.Fatal(err)
	}
	l2, err := r.StartLoad(ctx, LoadSpec{Name: "plain", Target: plain, Rate: 60, Duration: 500 * time.Millisecond,
		Mix: []MixEntry{get("/auth"), get("/upload"), get("/")}})
	if err != nil {
		t.Fatal(err)
	}
	l1.Wait(ctx)
	l2.Wait(ctx)
	res, err := r.Finish(ctx)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]RequestResult{}
	for _, l := range res.Loads {
		for _, q := range l.Requests {
			byName[l.Name+" "+q.Name] = q
		}
	}
	for name, want := range map[string]struct {
		kind   outcome.Kind
		status int
		text   string // in the error or the body
	}{
		"secure GET /":      {outcome.TLS, 0, "x509: certificate signed by unknown authority"},
		"plain GET /auth":   {"http_4xx", 401, `"hint": "send Authorization: Bearer ..."`},
		"plain GET /upload": {"http_4xx", 415, "only application/json is accepted."},
	} {
		q := byName[name]
		if q.Count == 0 || q.Errors[want.kind] != q.Count {
			t.Errorf("%s: %d requests, errors %v; want every one %s", name, q.Count, q.Errors, want.kind)
		}
		if len(q.Samples) != SamplesPerKind {
			t.Fatalf("%s: %d samples, want %d: %+v", name, len(q.Samples), SamplesPerKind, q.Samples)
		}
		for _, s := range q.Samples {
			if s.Kind != want.kind || s.Status != want.status || !strings.Contains(s.Error+s.Body, want.text) ||
				len(s.Body) > SampleBodyBytes || s.At <= 0 || s.At > res.Elapsed {
				t.Errorf("%s: sample %+v, want %s, status %d, %q, at in (0, %s]", name, s, want.kind, want.status, want.text, res.Elapsed)
			}
		}
	}
	if q := byName["plain GET /"]; q.Count == 0 || len(q.Errors) > 0 || q.Samples != nil {
		t.Errorf("plain GET /: %+v", q)
	}
	var sum bytes.Buffer
	res.WriteSummary(&sum, RunMeta{})
	for _, want := range []string{
		"failures as they came back (the first 3 of each kind):",
		"GET /auth    http_4xx  +",
		`401 Unauthorized; body: {"error": "invalid token", "hint": "send Authorization: Bearer ..."}`,
		"415 Unsupported Media Type; body: only application/json is accepted. only",
		"GET /  tls  +",
		"x509: certificate signed by unknown authority",
	} {
		if !strings.Contains(sum.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, sum.String())
		}
	}
}

// A sample set keeps the first SamplesPerKind of each kind, for at most
// maxSampleKinds kinds, and clips what it keeps.
func TestSampleSetBounds(t *testing.T) {
	var s sampleSet
	long := &failureDetail{status: 500, body: bytes.Repeat([]byte("é"), SampleBodyBytes), err: io.ErrUnexpectedEOF}
	for i := range 100 {
		s.add(outcome.JSONRPC(-i%20), time.Duration(i), long)
	}
	if got, want := len(s.list), SamplesPerKind*maxSampleKinds; got != want {
		t.Fatalf("%d samples kept, want %d", got, want)
	}
	for _, fs := range s.list {
		if len(fs.Body) > SampleBodyBytes || !strings.HasPrefix(fs.Body, "éé") || strings.ContainsRune(fs.Body, '\uFFFD') {
			t.Errorf("body clipped to %d bytes: %q", len(fs.Body), fs.Body)
		}
	}
	if allocs := testing.AllocsPerRun(100, func() { s.add("jsonrpc_-1", 0, long) }); allocs != 0 {
		t.Errorf("a sample not kept allocates %v times", allocs)
	}
}

// Recording a success allocates nothing, nor does a failure whose kind
// has all its samples. (The senders' success paths allocate nothing new
// either: a send of a 200 through the lean client counts the same
// allocations, all the test server's, before and after samples.)
func TestRecordingAllocatesNothing(t *testing.T) {
	s := newRequestStats("r", nil)
	now := time.Now()
	ok := sendResult{kind: outcome.OK}
	fail := sendResult{kind: "http_5xx", fail: &failureDetail{status: 503, body: []byte("busy")}}
	for range SamplesPerKind {
		s.recordAt(now, fail, time.Millisecond, time.Millisecond, 0)
	}
	if allocs := testing.AllocsPerRun(200, func() { s.recordAt(now, ok, time.Millisecond, time.Millisecond, 0) }); allocs > 0 {
		t.Errorf("recording a success allocates %v times", allocs)
	}
	if allocs := testing.AllocsPerRun(200, func() { s.recordAt(now, fail, time.Millisecond, time.Millisecond, 0) }); allocs > 0 {
		t.Errorf("recording a failure not sampled allocates %v times", allocs)
	}
	if got := s.snapshot().Samples; len(got) != SamplesPerKind || got[0].Body != "busy" || got[0].Status != 503 {
		t.Errorf("samples %+v", got)
	}
}

// An MCP request refused with a 401 says so, with the body's start, as a
// TypeScript or go-sdk server behind an auth check answers.
func TestMCPFailureSamples(t *testing.T) {
	if testing.Short() {
		t.Skip("sends requests to a real server")
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"error":"invalid_token","error_description":"missing bearer token"}`)
	}))
	defer srv.Close()
	ctx := context.Background()
	r := NewRun(Config{})
	tg, err := r.AddTarget(TargetSpec{Name: "auth", URL: srv.URL + "/mcp", Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	l, err := r.StartLoad(ctx, LoadSpec{Name: "mcp", Target: tg, Rate: 20, Duration: 300 * time.Millisecond, Sessions: 1,
		Mix: []MixEntry{{Weight: 1, Request: RequestSpec{MCP: &MCPRequest{Method: "tools/call", Tool: "echo",
			Params: []byte(`{"name":"echo","arguments":{"message":"hi"}}`)}}}}})
	if err != nil {
		t.Fatal(err)
	}
	l.Wait(ctx)
	res, err := r.Finish(ctx)
	if err != nil {
		t.Fatal(err)
	}
	q := res.Loads[0].Requests[0]
	if q.Count == 0 || len(q.Samples) == 0 {
		t.Fatalf("%d requests, errors %v, samples %+v", q.Count, q.Errors, q.Samples)
	}
	for _, s := range q.Samples {
		if s.Kind != "http_4xx" || s.Status != 401 || !strings.Contains(s.Error, "missing bearer token") {
			t.Errorf("sample %+v, want http_4xx, 401 and the body's text", s)
		}
	}
}
