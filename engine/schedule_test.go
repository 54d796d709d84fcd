package engine

import (
	"math"
	"testing"
	"time"
)

const s = time.Second

func count(sch Schedule) int64 {
	var n int64
	for ; ; n++ {
		if _, ok := sch.Offset(n); !ok {
			return n
		}
	}
}

func TestScheduleCounts(t *testing.T) {
	for _, tc := range []struct {
		name string
		sch  Schedule
		want int64
	}{
		{"constant 1000/s for 10s", Constant(1000, 10*s), 10000},
		{"constant 300/s for 30s", Constant(300, 30*s), 9000},
		{"constant 20000/s for 30s", Constant(20000, 30*s), 600000},
		{"ramp 0→100 over 10s", Ramping(0, []Stage{{100, 10 * s}}), 500},
		{"ramp 100→0 over 10s", Ramping(100, []Stage{{0, 10 * s}}), 500},
		{"ramp up, hold, down", Ramping(0, []Stage{{100, 10 * s}, {100, 10 * s}, {0, 10 * s}}), 2000},
		{"zero rate stage", Ramping(0, []Stage{{0, 5 * s}, {10, 0}, {10, 5 * s}}), 50},
		{"empty", Schedule{}, 0},
	} {
		if got := count(tc.sch); got != tc.want {
			t.Errorf("%s: %d arrivals, want %d", tc.name, got, tc.want)
		}
		if got := tc.sch.Total(); got != tc.want {
			t.Errorf("%s: Total() = %d, want %d", tc.name, got, tc.want)
		}
	}
}

func TestScheduleOffsets(t *testing.T) {
	ramp := Ramping(0, []Stage{{100, 10 * s}}) // integral 5t²: arrival n at √(n/5) s
	for _, tc := range []struct {
		name string
		sch  Schedule
		n    int64
		want time.Duration
	}{
		{"constant first", Constant(1000, 10*s), 0, 0},
		{"constant", Constant(1000, 10*s), 9999, 9999 * time.Millisecond},
		{"constant thirds", Constant(3, s), 2, 666666666},
		{"ramp first", ramp, 0, 0},
		{"ramp 5", ramp, 5, time.Second},
		{"ramp 20", ramp, 20, 2 * time.Second},
		{"ramp 499", ramp, 499, time.Duration(math.Sqrt(499.0/5) * 1e9)},
		{"after a zero stage", Ramping(0, []Stage{{0, 5 * s}, {10, 0}, {10, 5 * s}}), 1, 5*s + 100*time.Millisecond},
		// A segment that starts at rate 0 has its first arrival at its
		// start (the integral is 0 there), not at 0/0.
		{"ramp from 0 after 0", Ramping(0, []Stage{{0, 5 * s}, {100, 10 * s}}), 0, 5 * s},
		{"ramp from 0 after 0, 5", Ramping(0, []Stage{{0, 5 * s}, {100, 10 * s}}), 5, 6 * s},
		{"ramp from 0 after a ramp down", Ramping(10, []Stage{{0, 2 * s}, {10, 2 * s}}), 10, 2 * s},
		{"ramp from 0 by ramp_to", Constant(10, 10*s).Retarget(2*s, 0, 0).Retarget(4*s, 100, 2*s), 20, 4 * s},
		{"ramp from 0 by ramp_to, 21", Constant(10, 10*s).Retarget(2*s, 0, 0).Retarget(4*s, 100, 2*s), 21,
			4*s + time.Duration(math.Sqrt(1.0/25)*1e9)},
	} {
		got, ok := tc.sch.Offset(tc.n)
		// A difference, not its absolute value: |MinInt64| overflows.
		if d := got - tc.want; !ok || d < -time.Microsecond || d > time.Microsecond {
			t.Errorf("%s: Offset(%d) = %s, %v; want %s", tc.name, tc.n, got, ok, tc.want)
		}
	}
}

// TestScheduleOffsetsInRange: every offset of every schedule lies within
// the schedule and never goes backwards, whatever rates it starts from.
func TestScheduleOffsetsInRange(t *testing.T) {
	for _, tc := range []struct {
		name string
		sch  Schedule
	}{
		{"up, down, hold", Ramping(10, []Stage{{500, 3 * s}, {50, 2 * s}, {50, time.Second}})},
		{"ramp from 0", Ramping(0, []Stage{{100, 10 * s}})},
		{"scenarios/ramp.lua at RATE=100", Ramping(0, []Stage{{100, 10 * s}, {100, 20 * s}}).
			Retarget(15*s, 200, 0).Retarget(20*s, 50, 5*s)},
		{"0, up, 0, up", Ramping(0, []Stage{{0, s}, {20, s}, {0, s}, {0, s}, {20, s}})},
		{"tiny rate from 0", Ramping(0, []Stage{{0.001, 1000 * s}})},
		{"stepped to 0 and back", Constant(10, 10*s).Retarget(3*s, 0, 0).Retarget(5*s, 10, 0)},
	} {
		var last time.Duration
		for n := int64(0); ; n++ {
			off, ok := tc.sch.Offset(n)
			if !ok {
				if n != tc.sch.Total() {
					t.Errorf("%s: %d offsets, Total() = %d", tc.name, n, tc.sch.Total())
				}
				break
			}
			if off < last || off < 0 || off >= tc.sch.Length() {
				t.Fatalf("%s: Offset(%d) = %s after %s (length %s)", tc.name, n, off, last, tc.sch.Length())
			}
			last = off
		}
	}
}

func TestScheduleRetarget(t *testing.T) {
	base := Constant(100, 10*s) // 1000 arrivals
	for _, tc := range []struct {
		name  string
		sch   Schedule
		want  int64
		rates map[time.Duration]float64
	}{
		// 100/s for 4 s, then 200/s for 6 s.
		{"set_rate at 4s", base.Retarget(4*s, 200, 0), 400 + 1200, map[time.Duration]float64{3 * s: 100, 5 * s: 200}},
		// 100/s for 2 s, ramp to 300 over 4 s (800), hold 300 for 4 s.
		{"ramp_to at 2s", base.Retarget(2*s, 300, 4*s), 200 + 800 + 1200, map[time.Duration]float64{4 * s: 200, 7 * s: 300}},
		// A ramp longer than what is left is cut at the end: 100→150 over 5s
		// (at 9 s: 100 + 100·4/10 = 140).
		{"ramp cut by the end", base.Retarget(5*s, 200, 10*s), 500 + 625, map[time.Duration]float64{9 * s: 140}},
		{"stop by rate 0", base.Retarget(3*s, 0, 0), 300, map[time.Duration]float64{4 * s: 0}},
		{"after the end", base.Retarget(11*s, 500, 0), 1000, nil},
		{"twice", base.Retarget(2*s, 50, 0).Retarget(4*s, 150, 0), 200 + 100 + 900, map[time.Duration]float64{3 * s: 50, 5 * s: 150}},
	} {
		if got := count(tc.sch); got != tc.want {
			t.Errorf("%s: %d arrivals, want %d", tc.name, got, tc.want)
		}
		if tc.sch.Length() != 10*s {
			t.Errorf("%s: length %s, want the original 10s", tc.name, tc.sch.Length())
		}
		for at, want := range tc.rates {
			if got := tc.sch.At(at); math.Abs(got-want) > 1e-9 {
				t.Errorf("%s: rate at %s = %g, want %g", tc.name, at, got, want)
			}
		}
		// What was due before the change keeps its time.
		for n := int64(0); n < 100; n++ {
			a, _ := base.Offset(n)
			b, _ := tc.sch.Offset(n)
			if a != b {
				t.Fatalf("%s: arrival %d moved from %s to %s", tc.name, n, a, b)
			}
		}
	}
}

func TestScheduleSteps(t *testing.T) {
	for _, tc := range []struct {
		name string
		sch  Schedule
		want []step
	}{
		{"constant 3", Constant(3, 10*s), []step{{0, 3}, {10 * s, 0}}},
		{"ramp 0→4 over 4s", Ramping(0, []Stage{{4, 4 * s}}), []step{{0, 0}, {s, 1}, {2 * s, 2}, {3 * s, 3}, {4 * s, 0}}},
		{"ramp 2→0 over 2s", Ramping(2, []Stage{{0, 2 * s}}), []step{{0, 2}, {1, 1}, {s + 1, 0}}},
		{"up, hold, down", Ramping(0, []Stage{{2, 2 * s}, {2, 2 * s}, {0, 2 * s}}),
			[]step{{0, 0}, {s, 1}, {2 * s, 2}, {4*s + 1, 1}, {5*s + 1, 0}}},
	} {
		got := tc.sch.steps()
		if len(got) != len(tc.want) {
			t.Errorf("%s: steps %v, want %v", tc.name, got, tc.want)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("%s: steps %v, want %v", tc.name, got, tc.want)
				break
			}
		}
	}
}

func TestLifetimes(t *testing.T) {
	// Up to 3 users, down to 1, up to 2, end: the last started stops first.
	steps := []step{{0, 1}, {s, 3}, {2 * s, 1}, {3 * s, 2}, {4 * s, 0}}
	want := []lifetime{{0, 4 * s}, {s, 2 * s}, {s, 2 * s}, {3 * s, 4 * s}}
	got := lifetimes(steps)
	if len(got) != len(want) {
		t.Fatalf("lifetimes = %v, want %v", got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("lifetimes = %v, want %v", got, want)
		}
	}
}
