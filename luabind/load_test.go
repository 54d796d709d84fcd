package luabind

import (
	"context"
	"testing"
	"time"

	"github.com/reslua/reslua/engine"
)

// The shipped scenarios/ramp.lua ramps from rate 0: every arrival of its
// planned schedule is due within the load (the first was once due at 0/0,
// reported as a latency of 3600.8s). engine's TestShippedRampShape runs
// the same shape, set_rate and ramp_to included, and checks its latency.
func TestShippedRampIsDueWithinTheLoad(t *testing.T) {
	s, err := Load("../scenarios/ramp.lua", Options{Env: map[string]string{"RATE": "100"}})
	if err != nil {
		t.Fatal(err)
	}
	plan, errs := s.Check(context.Background())
	for _, e := range errs {
		t.Fatal(e)
	}
	if len(plan.Loads) != 1 || plan.Loads[0].Spec.Rate != 0 {
		t.Fatalf("want one load that ramps from rate 0, got %+v", plan.Loads)
	}
	sch := plan.Loads[0].Spec.Schedule()
	for n := int64(0); n < sch.Total(); n++ {
		if off, ok := sch.Offset(n); !ok || off < 0 || off >= sch.Length() {
			t.Fatalf("arrival %d due at %s, %v; want within [0, %s)", n, off, ok, sch.Length())
		}
	}
}

// graceful_stop reaches the load's spec: absent is the engine's default,
// "0s" is no grace at all (not the default), and a closed load takes it too.
func TestGracefulStopKey(t *testing.T) {
	plan := mustCheck(t, preamble+`load { name = "a", target = t, rate = 10, duration = "1s", mix = { { 1, mcp.ping() } } }
load { name = "b", target = t, rate = 10, duration = "1s", graceful_stop = "0s", mix = { { 1, mcp.ping() } } }
load { name = "c", target = t, vus = 2, duration = "1s", graceful_stop = "2m", mix = { { 1, mcp.ping() } } }
`, Options{})
	want := []time.Duration{engine.DefaultGracefulStop, 0, 2 * time.Minute}
	for i, pl := range plan.Loads {
		if got := pl.Spec.Grace(); got != want[i] {
			t.Errorf("load %s: graceful stop %s, want %s", pl.Spec.Name, got, want[i])
		}
	}
}

// Issue 11: weights of 2,000,000,000 and 1,999,999,999 once made check
// allocate a 32 GB table (one slot per unit of weight) and crash. They
// are valid: check reports nothing and keeps them.
func TestCheckHugeMixWeights(t *testing.T) {
	plan := mustCheck(t, preamble+`load { target = t, rate = 10, duration = "2s",
  mix = { { 2000000000, mcp.ping() }, { 1999999999, mcp.tools_list() } } }
`, Options{})
	if len(plan.Loads) != 1 || plan.Loads[0].Spec.Mix[0].Weight != 2_000_000_000 || plan.Loads[0].Spec.Mix[1].Weight != 1_999_999_999 {
		t.Errorf("plan = %+v", plan.Loads)
	}
}
