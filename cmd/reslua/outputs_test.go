package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/reslua/reslua/engine"
	"github.com/rogpeppe/go-internal/testscript"
)

func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "r.json")
	if err := writeFileAtomic(path, []byte("one")); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o644 {
		t.Fatalf("written file: %v, %v; want mode 0644", fi, err)
	}
	// Replacing keeps the mode the file had.
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := writeFileAtomic(path, []byte("two")); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(path); string(got) != "two" {
		t.Errorf("content %q, want %q", got, "two")
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v after replacing, want 0600", fi.Mode().Perm())
	}
	// A rename that fails (onto a directory) leaves nothing behind.
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := writeFileAtomic(sub, []byte("three")); err == nil {
		t.Error("writing over a directory succeeded")
	}
	if err := writeFileAtomic(filepath.Join(dir, "missing", "r.json"), []byte("four")); err == nil {
		t.Error("writing into a missing directory succeeded")
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if strings.Join(names, " ") != "r.json sub" {
		t.Errorf("directory holds %v, want r.json and sub: a temporary file was left", names)
	}
	// A relative path lands in the working directory.
	t.Chdir(dir)
	if err := writeFileAtomic("rel.json", []byte("five")); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "rel.json")); string(got) != "five" {
		t.Errorf("relative path: %q", got)
	}
}

func TestCheckOutputs(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "old.json")
	if err := os.WriteFile(file, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.json")
	if err := os.Symlink(file, link); err != nil {
		t.Fatal(err)
	}
	ok := [][]output{
		{{"--out", filepath.Join(dir, "r.json")}, {"--junit", filepath.Join(dir, "j.xml")}},
		{{"--out", file}},
		{{"--out", link}},
		nil,
	}
	for _, outs := range ok {
		if err := checkOutputs(outs); err != nil {
			t.Errorf("%v: %v", outs, err)
		}
	}
	bad := []struct {
		outs []output
		want string
	}{
		{[]output{{"--out", filepath.Join(dir, "nodir", "r.json")}}, "--out " + filepath.Join(dir, "nodir", "r.json") + ": directory " + filepath.Join(dir, "nodir") + " does not exist"},
		{[]output{{"--junit", dir}}, "--junit " + dir + ": is a directory"},
		{[]output{{"--out", filepath.Join(file, "r.json")}}, "is not a directory"},
		{[]output{{"--out", os.DevNull}}, "--out " + os.DevNull + ": is not a regular file"},
		{[]output{{"--out", file}, {"--junit", link}}, "--junit " + link + ": --out writes the same file"},
	}
	if os.Geteuid() != 0 { // root writes anywhere
		ro := filepath.Join(dir, "ro")
		if err := os.Mkdir(ro, 0o555); err != nil {
			t.Fatal(err)
		}
		bad = append(bad, struct {
			outs []output
			want string
		}{[]output{{"--out", filepath.Join(ro, "r.json")}}, "cannot create a file in " + ro + ": permission denied"})
	}
	for _, c := range bad {
		err := checkOutputs(c.outs)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %v, want one containing %q", c.outs, err, c.want)
		}
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("the checks left %s behind", e.Name())
		}
	}
}

// junitDoc is the part of a JUnit file the tests read.
type junitDoc struct {
	Tests    int `xml:"tests,attr"`
	Failures int `xml:"failures,attr"`
	Errors   int `xml:"errors,attr"`
	Suites   []struct {
		Name  string `xml:"name,attr"`
		Cases []struct {
			Name      string `xml:"name,attr"`
			Classname string `xml:"classname,attr"`
			Failure   *struct {
				Message string `xml:"message,attr"`
				Text    string `xml:",chardata"`
			} `xml:"failure"`
			Error *struct {
				Message string `xml:"message,attr"`
			} `xml:"error"`
			SystemOut string `xml:"system-out"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

func parseCheck(t *testing.T, metric, threshold, where string) engine.Check {
	t.Helper()
	c, err := engine.ParseCheck(engine.CheckSpec{Metric: metric, Threshold: threshold, Where: where})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestJUnitXML(t *testing.T) {
	res := &engine.Result{
		Aborted: `load "l" sent under 95 % of its rate for 10s`,
		Checks: []engine.CheckResult{
			{Check: parseCheck(t, "p95", "< 250ms", "s.lua:10"), Measured: 120, Passed: true},
			{Check: parseCheck(t, "error_rate", "< 1%", "s.lua:11"), Measured: 0.034},
			{Check: parseCheck(t, "time_to_detect", "< 5s", "s.lua:12"), Measured: math.Inf(1), Detail: `fault "x" <never> detected & "so"`},
			{Check: parseCheck(t, "p99", "< 1s", ""), NoData: true},
		},
		Experiments: []engine.ExperimentResult{
			{Title: "echo survives", Status: "held", Reason: "the steady state held"},
			{Title: "lookup survives", Status: "deviated", Reason: "error_rate < 1% was 40.00%", Where: "s.lua:20"},
		},
	}
	data, err := junitXML(res, engine.RunMeta{Version: "1.0", Scenario: "s.lua"})
	if err != nil {
		t.Fatal(err)
	}
	var doc junitDoc
	if err := xml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("not well-formed: %v\n%s", err, data)
	}
	if doc.Tests != 7 || doc.Failures != 5 || doc.Errors != 0 || len(doc.Suites) != 1 || doc.Suites[0].Name != "s.lua" {
		t.Fatalf("tests %d, failures %d, errors %d; want 7, 5, 0:\n%s", doc.Tests, doc.Failures, doc.Errors, data)
	}
	cases := doc.Suites[0].Cases
	want := []struct{ name, failure string }{
		{"p95 < 250ms", ""},
		{"error_rate < 1%", "measured 3.40%, threshold error_rate < 1%"},
		{"time_to_detect < 5s", "measured never, threshold time_to_detect < 5s"},
		{"p99 < 1s", "no data: no request matched the check's scope"},
		{"experiment: echo survives", ""},
		{"experiment: lookup survives", "deviated: error_rate < 1% was 40.00%"},
		{"run", "run aborted: " + res.Aborted},
	}
	for i, w := range want {
		c := cases[i]
		got := ""
		if c.Failure != nil {
			got = c.Failure.Message
		}
		if c.Name != w.name || got != w.failure {
			t.Errorf("testcase %d: %q failing with %q; want %q failing with %q", i, c.Name, got, w.name, w.failure)
		}
	}
	if !strings.Contains(cases[2].Failure.Text, `fault "x" <never> detected & "so"`+"\nat s.lua:12") {
		t.Errorf("failure text %q lacks the detail and where", cases[2].Failure.Text)
	}
	if cases[0].SystemOut != "measured 120ms, threshold p95 < 250ms\nat s.lua:10" {
		t.Errorf("passing check's output %q", cases[0].SystemOut)
	}
	// An interrupted run is an error, not a failure.
	res.Aborted, res.Interrupted = "", true
	data, _ = junitXML(res, engine.RunMeta{})
	doc = junitDoc{}
	if err := xml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Errors != 1 || doc.Suites[0].Cases[6].Error == nil || !strings.HasPrefix(doc.Suites[0].Cases[6].Error.Message, "run interrupted") {
		t.Errorf("interrupted run: errors %d\n%s", doc.Errors, data)
	}
}

// An interrupted run still writes its results and its JUnit file, saying
// it was interrupted, with what it recorded. The interrupt comes when a
// first load has ended (an event, not a time), so what the results must
// hold is known exactly: that load's 50 arrivals.
func TestInterruptWritesOutputs(t *testing.T) {
	path := writeScenario(t, `
local t = target { name = "demo", url = demo.mcp {} }
local first = load { name = "first", target = t, rate = 50, duration = "1s", mix = { { 1, mcp.ping() } } }
local l = load { name = "long", target = t, rate = 50, duration = "10m", mix = { { 1, mcp.ping() } } }
sla { { "error_rate", "< 1%" } }
first:wait()
print("a second recorded")
l:wait()
`)
	dir := filepath.Dir(path)
	results, junit := filepath.Join(dir, "r.json"), filepath.Join(dir, "j.xml")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stderr := &signalWriter{trigger: "a second recorded", fire: cancel}
	var stdout bytes.Buffer
	code := run(ctx, []string{"run", path, "-q", "--out", results, "--junit", junit}, &stdout, stderr)
	if code != exitInterrupted {
		t.Fatalf("exit %d, want %d\nstderr:\n%s", code, exitInterrupted, stderr)
	}
	data, err := os.ReadFile(results)
	if err != nil {
		t.Fatalf("no results: %v\nstderr:\n%s", err, stderr)
	}
	back, err := engine.ReadResults(data)
	if err != nil {
		t.Fatal(err)
	}
	if back.Status != "interrupted" || back.Meta.ExitCode != exitInterrupted || back.Meta.Scenario != path || back.Meta.Version != version {
		t.Errorf("status %q, exit code %d, meta %+v", back.Status, back.Meta.ExitCode, back.Meta)
	}
	r := back.Result
	if len(r.Loads) != 2 || len(r.Checks) != 1 {
		t.Fatalf("results hold %d loads, %d checks: %+v", len(r.Loads), len(r.Checks), r.Loads)
	}
	// Every one of its 50 arrivals is accounted for: answered, or dropped
	// or unsent if the generator could not keep up.
	if l := r.Loads[0]; l.Name != "first" || l.Completed()+l.Dropped+l.Unsent != 50 || l.Completed() == 0 || len(l.Requests[0].Seconds) < 1 {
		t.Errorf("load %q: %d completed, %d dropped, %d unsent, %d seconds; want first, 50 in all, some completed, at least 1 second",
			l.Name, l.Completed(), l.Dropped, l.Unsent, len(l.Requests[0].Seconds))
	}
	if !strings.Contains(stderr.String(), "reslua: wrote "+results+" (") {
		t.Errorf("the log does not say the results were written:\n%s", stderr)
	}
	var doc junitDoc
	j, err := os.ReadFile(junit)
	if err != nil {
		t.Fatal(err)
	}
	if err := xml.Unmarshal(j, &doc); err != nil || doc.Errors != 1 {
		t.Errorf("junit: %v, %d errors\n%s", err, doc.Errors, j)
	}
}

// A script error after traffic started still writes the results, as a
// failed run with the error.
func TestScriptErrorWritesResults(t *testing.T) {
	path := writeScenario(t, `
local url = demo.mcp {}
local t = target { name = "demo", url = url }
local l = load { name = "l", target = t, rate = 20, duration = "10m", mix = { { 1, mcp.ping() } } }
if not url:find(":0/", 1, true) then error("boom") end
`)
	results := filepath.Join(filepath.Dir(path), "r.json")
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{path, "-q", "--out", results}, &stdout, &stderr); code != exitUsage {
		t.Fatalf("exit %d, want %d\nstderr:\n%s", code, exitUsage, stderr.String())
	}
	data, err := os.ReadFile(results)
	if err != nil {
		t.Fatal(err)
	}
	back, err := engine.ReadResults(data)
	if err != nil {
		t.Fatal(err)
	}
	if back.Status != "failed" || !strings.Contains(back.Reason, "s.lua:5: boom") || back.Meta.ExitCode != exitUsage {
		t.Errorf("status %q (%q), exit code %d", back.Status, back.Reason, back.Meta.ExitCode)
	}
}

// check takes no output flags: it writes nothing.
func TestCheckRefusesOutputs(t *testing.T) {
	path := writeScenario(t, `sla { { "p95", "< 1s" } }`)
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"check", path, "--out", "r.json"}, &stdout, &stderr); code != exitUsage {
		t.Errorf("exit %d, want %d", code, exitUsage)
	}
	if !strings.Contains(stderr.String(), "unknown flag: --out") {
		t.Errorf("stderr:\n%s", stderr.String())
	}
}

// jsonhas is a testscript command that reads a JSON file and asserts that
// a path in it exists, or holds a value:
//
//	jsonhas results.json schema reslua.results/v1
//	jsonhas results.json checks.0.passed true
//	jsonhas results.json loads.0.requests.1.histograms.latency
//	! jsonhas results.json checks.5
//
// A path is keys and array indexes separated by dots; "len()" as its last
// element stands for the length of the array or object. A value is
// compared with the JSON value's text: strings as they are, others as
// JSON.
func cmdJSONHas(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 && len(args) != 3 {
		ts.Fatalf("usage: jsonhas FILE PATH [VALUE]")
	}
	var v any
	if err := json.Unmarshal([]byte(ts.ReadFile(args[0])), &v); err != nil {
		ts.Fatalf("%s: %v", args[0], err)
	}
	found, text := true, ""
	for _, key := range strings.Split(args[1], ".") {
		switch x := v.(type) {
		case map[string]any:
			if key == "len()" {
				v = float64(len(x))
				continue
			}
			v, found = x[key]
		case []any:
			if key == "len()" {
				v = float64(len(x))
				continue
			}
			i, err := strconv.Atoi(key)
			found = err == nil && i >= 0 && i < len(x)
			if found {
				v = x[i]
			}
		default:
			found = false
		}
		if !found {
			break
		}
	}
	if found {
		if s, ok := v.(string); ok {
			text = s
		} else {
			b, _ := json.Marshal(v)
			text = string(b)
		}
	}
	ok := found && (len(args) == 2 || text == args[2])
	switch {
	case ok && neg:
		ts.Fatalf("%s: %s is %s", args[0], args[1], text)
	case !ok && !neg && !found:
		ts.Fatalf("%s: no %s", args[0], args[1])
	case !ok && !neg:
		ts.Fatalf("%s: %s is %s, want %s", args[0], args[1], text, args[2])
	}
}

// xmlwf is a testscript command that asserts a file is well-formed XML.
func cmdXMLWellFormed(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: xmlwf FILE")
	}
	d := xml.NewDecoder(strings.NewReader(ts.ReadFile(args[0])))
	var err error
	elements := 0
	for {
		var tok xml.Token
		if tok, err = d.Token(); err != nil {
			break
		}
		if _, ok := tok.(xml.StartElement); ok {
			elements++
		}
	}
	if err == io.EOF && elements == 0 {
		err = io.ErrUnexpectedEOF
	}
	switch {
	case err == io.EOF && neg:
		ts.Fatalf("%s is well-formed XML", args[0])
	case err != io.EOF && !neg:
		ts.Fatalf("%s: not well-formed XML: %v", args[0], err)
	}
}
