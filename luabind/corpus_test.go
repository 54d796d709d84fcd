package luabind

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// corpusTimeout bounds each corpus script's check; the runaway one takes
// this long.
const corpusTimeout = time.Second

// directives reads the leading comment lines of a corpus file that start
// with prefix ("-- want: ").
func directives(t *testing.T, path, prefix string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimPrefix(sc.Text(), "\ufeff") // bom.lua
		if !strings.HasPrefix(line, "--") {
			break
		}
		if s, ok := strings.CutPrefix(line, prefix); ok {
			out = append(out, strings.TrimSpace(s))
		}
	}
	return out
}

// checkFile runs Load and Check on path and returns every problem's text.
// A "-- timeout: 10s" line gives the check's timeout instead of
// corpusTimeout: for a case that must be stopped by something else first.
func checkFile(t *testing.T, path string) []string {
	t.Helper()
	timeout := corpusTimeout
	if d := directives(t, path, "-- timeout: "); len(d) > 0 {
		var err error
		if timeout, err = time.ParseDuration(d[0]); err != nil {
			t.Fatal(err)
		}
	}
	s, err := Load(path, Options{CheckTimeout: timeout})
	if err != nil {
		return []string{err.Error()}
	}
	_, errs := s.Check(context.Background())
	var out []string
	for _, e := range errs {
		out = append(out, e.Error())
	}
	return out
}

// TestBadCorpus runs every broken scenario in testdata/bad and expects
// each "-- want: " substring among its problems and no "-- not: " one.
func TestBadCorpus(t *testing.T) {
	files, err := filepath.Glob("../testdata/bad/*.lua")
	if err != nil || len(files) < 14 {
		t.Fatalf("want at least 14 files in testdata/bad, got %d (%v)", len(files), err)
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			wants := directives(t, path, "-- want: ")
			if len(wants) == 0 {
				t.Fatal("no -- want: lines")
			}
			errs := checkFile(t, path)
			if len(errs) == 0 {
				t.Fatal("check reported no problems")
			}
			all := strings.Join(errs, "\n")
			for _, w := range wants {
				if !strings.Contains(all, w) {
					t.Errorf("missing %q in:\n%s", w, all)
				}
			}
			for _, n := range directives(t, path, "-- not: ") {
				if strings.Contains(all, n) {
					t.Errorf("unexpected %q in:\n%s", n, all)
				}
			}
			for _, e := range errs {
				if !strings.Contains(e, filepath.Base(path)) {
					t.Errorf("problem does not name the file: %s", e)
				}
			}
		})
	}
}

// TestGoodCorpus checks every scenario in testdata/good: no problems and
// a plan with at least one target, load and check.
func TestGoodCorpus(t *testing.T) {
	files, err := filepath.Glob("../testdata/good/*.lua")
	if err != nil || len(files) < 2 {
		t.Fatalf("want at least 2 files in testdata/good, got %d (%v)", len(files), err)
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			s, err := Load(path, Options{CheckTimeout: corpusTimeout})
			if err != nil {
				t.Fatal(err)
			}
			plan, errs := s.Check(context.Background())
			for _, e := range errs {
				t.Error(e)
			}
			if len(plan.Targets) == 0 || len(plan.Loads) == 0 || len(plan.Checks) == 0 || len(plan.Demos) == 0 {
				t.Errorf("plan is missing parts: %+v", plan)
			}
		})
	}
}
