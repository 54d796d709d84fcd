package luabind

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/reslua/reslua/engine"
)

// newScript writes src as scenario.lua in a fresh working directory and
// loads it.
func newScript(t *testing.T, src string, opts Options) *Script {
	t.Helper()
	t.Chdir(t.TempDir())
	writeFile(t, "scenario.lua", src)
	s, err := Load("scenario.lua", opts)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return s
}

func writeFile(t testing.TB, name, src string) {
	t.Helper()
	if i := strings.LastIndex(name, "/"); i > 0 {
		if err := os.MkdirAll(name[:i], 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(name, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
}

// check runs Check on src and returns the plan and each problem's text.
func check(t *testing.T, src string, opts Options) (engine.Plan, []string) {
	t.Helper()
	plan, errs := newScript(t, src, opts).Check(context.Background())
	msgs := make([]string, len(errs))
	for i, e := range errs {
		msgs[i] = e.Error()
	}
	return plan, msgs
}

// mustCheck fails the test when src has problems.
func mustCheck(t *testing.T, src string, opts Options) engine.Plan {
	t.Helper()
	plan, msgs := check(t, src, opts)
	for _, m := range msgs {
		t.Errorf("unexpected problem: %s", m)
	}
	return plan
}

// preamble declares a valid target t for scripts that need one.
const preamble = `local t = target { name = "blue", url = "http://127.0.0.1:1/mcp" }
`

// mustExec runs src for real on a run that it then finishes; src must send
// no traffic of its own.
func mustExec(t *testing.T, src string, opts Options) {
	t.Helper()
	s := newScript(t, src, opts)
	r := engine.NewRun(engine.Config{})
	if err := s.Exec(context.Background(), r); err != nil {
		t.Fatalf("Exec: %v", err)
	}
	if _, err := r.Finish(context.Background()); err != nil {
		t.Fatalf("Finish: %v", err)
	}
}
