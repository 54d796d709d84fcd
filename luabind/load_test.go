package luabind

import (
	"context"
	"testing"
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
