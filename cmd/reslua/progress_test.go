package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/reslua/reslua/engine"
)

var sample = engine.Progress{
	Elapsed: 21 * time.Second, Length: 45 * time.Second,
	Loads: []engine.LoadProgress{{Name: "traffic", Completed: 4200, Failures: 9, Target: 200,
		Last: engine.SecondProgress{Offset: 20 * time.Second, Count: 199, Failures: 3, P95: 2510 * time.Microsecond}}},
	Routes: []engine.RouteProgress{{Router: "mcp", Route: "blue", Weight: 50, Breaker: "closed"},
		{Router: "mcp", Route: "green", Weight: 50, Breaker: "open"}},
	Faults: []engine.FaultProgress{{Proxy: "green", Label: "green trouble", Kind: "abort"},
		{Proxy: "green", Label: "green trouble", Kind: "latency"}},
	Step: "green 50%",
}

func TestProgressBlock(t *testing.T) {
	got := strings.Join(progressBlock(sample), "\n")
	want := strings.Join([]string{
		"── 21s / 45s ──",
		"  traffic: 199/s of 200/s planned, p95 2.51ms, 3 errors/s; 4200 done, 9 failed, 0 dropped",
		"  routes mcp: blue=50 green=50 (open)",
		"  faults green trouble (abort, latency) on green",
		"  rollout step green 50%",
	}, "\n")
	if got != want {
		t.Errorf("block:\n%s\nwant:\n%s", got, want)
	}
	line := progressLine(sample)
	if want := "     21s  traffic: 4200 done, 199/s of 200/s planned, 9 failed, 0 dropped | faults: green trouble (abort, latency) on green | step: green 50%"; line != want {
		t.Errorf("line:\n%q\nwant:\n%q", line, want)
	}
}

// TestProgressSaysWhichSecond: when the last second whose requests have
// all ended is not the one just finished (a slow target), the figures
// name their second.
func TestProgressSaysWhichSecond(t *testing.T) {
	p := sample
	p.Loads = []engine.LoadProgress{sample.Loads[0]}
	p.Loads[0].Last.Offset = 12 * time.Second
	const tag = "(second +12s: later ones have requests in flight)"
	if got := progressBlock(p)[1]; !strings.Contains(got, "3 errors/s "+tag+"; 4200 done") {
		t.Errorf("block line %q does not name its second", got)
	}
	if got := progressLine(p); !strings.Contains(got, "200/s planned "+tag+", 9 failed") {
		t.Errorf("log line %q does not name its second", got)
	}
	p.Loads[0].Last.Offset = 19 * time.Second // the second before the one just finished: fresh enough
	if got := progressLine(p); strings.Contains(got, "second +") {
		t.Errorf("log line %q names a fresh second", got)
	}
}

// Other output goes above the block: the block is erased (cursor up, clear
// to the end), the line written, and the block drawn again.
func TestLiveBlockKeepsOutputAbove(t *testing.T) {
	var buf bytes.Buffer
	b := newLiveBlock(&buf)
	b.set([]string{"one", "two"})
	b.Write([]byte("log line\n"))
	b.set(nil)
	want := "one\ntwo\n" + "\x1b[2A\r\x1b[J" + "log line\n" + "one\ntwo\n" + "\x1b[2A\r\x1b[J"
	if buf.String() != want {
		t.Errorf("wrote %q, want %q", buf.String(), want)
	}
}
