package main

import (
	"bytes"
	"math"
	"strings"
	"testing"
)

// FuzzParseFlags feeds run's and check's flag parsing any arguments
// (separated by NUL in the fuzzed string): it accepts them with options in
// range, or refuses them with exit 2 and a message naming the command,
// never a panic.
func FuzzParseFlags(f *testing.F) {
	for _, args := range []string{
		"s.lua", "-q\x00s.lua", "--out\x00r.json\x00--junit=j.xml\x00--report\x00r.html\x00s.lua",
		"--fail-on-errors\x00s.lua", "--fail-on-errors=5%\x00s.lua", "--fail-on-errors=NaN\x00s.lua", "--fail-on-errors=1e400%\x00s.lua",
		"--metrics-linger=-1s\x00s.lua", "--metrics-linger=9999999999h\x00s.lua", "--testid=a b\x00s.lua", "--testid=\x00s.lua",
		"-e\x00K=V\x00-e\x00=V\x00s.lua", "--http-debug=full\x00s.lua", "--http-debug=x\x00s.lua", "--seed=-1\x00s.lua",
		"-h", "--\x00-q", "-qe\x00A=1\x00s.lua", "--lib-path\x00\x00s.lua", "a.lua\x00b.lua", "",
	} {
		f.Add(true, args)
		f.Add(false, args)
	}
	f.Fuzz(func(t *testing.T, run bool, joined string) {
		name := "check"
		if run {
			name = "run"
		}
		var args []string
		if joined != "" {
			args = strings.Split(joined, "\x00")
		}
		var stdout, stderr bytes.Buffer
		o, code, ok := parseFlags(name, args, &stdout, &stderr)
		if !ok {
			switch code {
			case exitUsage:
				if !strings.HasPrefix(stderr.String(), "reslua "+name+": ") {
					t.Fatalf("%q: exit 2 with %q", args, stderr.String())
				}
			case exitPassed:
				if !strings.Contains(stdout.String(), "reslua") {
					t.Fatalf("%q: exit 0 without the help: %q", args, stdout.String())
				}
			default:
				t.Fatalf("%q: exit %d", args, code)
			}
			return
		}
		switch {
		case o.file == "" && !contains(args, ""):
			t.Fatalf("%q: no scenario file", args)
		case o.failOnErrors != -1 && (math.IsNaN(o.failOnErrors) || o.failOnErrors < 0 || o.failOnErrors > 1):
			t.Fatalf("%q: --fail-on-errors %v", args, o.failOnErrors)
		case o.metricsLinger < 0 || o.metricsLinger > maxMetricsLinger:
			t.Fatalf("%q: --metrics-linger %v", args, o.metricsLinger)
		case run && checkTestID(o.testID) != nil:
			t.Fatalf("%q: --testid %q: %v", args, o.testID, checkTestID(o.testID))
		case !run && (o.results != "" || o.junit != "" || o.report != "" || o.metricsAddr != ""):
			t.Fatalf("%q: check took run's flags: %+v", args, o)
		}
		for k := range o.env {
			if k == "" {
				t.Fatalf("%q: an empty env key", args)
			}
		}
	})
}

func contains(xs []string, x string) bool {
	for _, s := range xs {
		if s == x {
			return true
		}
	}
	return false
}
