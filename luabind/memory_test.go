package luabind

import (
	"context"
	"strings"
	"testing"

	"github.com/reslua/reslua/engine"
)

// TestMemoryLimit: a script that keeps concatenating a big string is
// stopped by its memory limit, named in the message, at the top level and
// in a hook; what it allocated stays within a few times the limit.
func TestMemoryLimit(t *testing.T) {
	const limit = 32 << 20
	// 40 concatenations of 4 MiB: 160 MiB kept and 3.3 GB copied if
	// nothing stops it.
	const grow = `local s = string.rep("x", 4 * 1024 * 1024)
local acc = ""
for i = 1, 40 do acc = acc .. s end
`
	s := newScript(t, grow, Options{MemoryLimit: limit})
	var err error
	n := allocatedBy(func() { err = s.Exec(context.Background(), engine.NewRun(engine.Config{DryRun: true})) })
	if err == nil || !strings.Contains(err.Error(), "scenario.lua:3: the script holds more than its memory limit of 32 MiB") {
		t.Errorf("Exec: %v", err)
	}
	t.Logf("the script allocated %d MiB", n>>20)
	if n > 40*limit {
		t.Errorf("allocated %d MiB, want at most %d", n>>20, 40*limit>>20)
	}

	_, h := hooksOfScript(t, newScript(t, hookPreamble+`load { name = "l", target = t, rate = 1, duration = "1s", mix = {
  { 1, function(n)
`+grow+`      return mcp.ping()
    end, name = "grow" },
} }
`, Options{MemoryLimit: limit}), "l")
	w := newWorker(t, h)
	n = allocatedBy(func() { _, err = w.Build(context.Background(), 0, 0) })
	if err == nil || !strings.Contains(err.Error(), "the script holds more than its memory limit of 32 MiB") {
		t.Errorf("Build: %v", err)
	}
	if n > 40*limit {
		t.Errorf("the builder allocated %d MiB, want at most %d", n>>20, 40*limit>>20)
	}
}

// TestMemoryLimitKeepsSmallScripts: a script well under its limit that
// allocates a lot of garbage runs to its end.
func TestMemoryLimitKeepsSmallScripts(t *testing.T) {
	mustExec(t, `local s = string.rep("x", 1024 * 1024)
for i = 1, 200 do local t = s .. i end
local big = {}
for i = 1, 100000 do big[i] = { i } end
`, Options{MemoryLimit: 32 << 20})
}
