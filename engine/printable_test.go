package engine

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestProgressEscapesNames: a load named with a newline and an escape
// shows in the progress display (terminal block, log lines) quoted, not
// raw.
func TestProgressEscapesNames(t *testing.T) {
	r := NewRun(Config{DryRun: true})
	tg, err := r.AddTarget(TargetSpec{Name: "t\x1b[2J", URL: "http://127.0.0.1:1/mcp", Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.StartLoad(context.Background(), LoadSpec{Name: "a\nverdict: PASS", Target: tg, Rate: 1, Duration: time.Second,
		Mix: []MixEntry{{Weight: 1, Request: RequestSpec{HTTP: &HTTPRequest{Path: "/"}}}}}); err != nil {
		t.Fatal(err)
	}
	p := r.Progress()
	if len(p.Loads) != 1 || p.Loads[0].Name != `"a\nverdict: PASS"` {
		t.Errorf("progress loads: %+v", p.Loads)
	}
	for _, l := range p.Loads {
		if strings.ContainsAny(l.Name, "\n\x1b") {
			t.Errorf("raw name in progress: %q", l.Name)
		}
	}
}
