package engine

import (
	"runtime"
	"testing"
)

func TestMixOrder(t *testing.T) {
	for _, tc := range []struct {
		weights []int
		want    []int
	}{
		{[]int{1}, []int{0}},
		{[]int{60, 30, 10}, []int{0, 1, 0, 0, 1, 0, 2, 0, 1, 0}},
		{[]int{1, 1}, []int{0, 1}},
		{[]int{5, 5, 5}, []int{0, 1, 2}},
	} {
		p := newMixPicker(tc.weights)
		if len(p.order) != len(tc.want) {
			t.Fatalf("newMixPicker(%v).order = %v, want %v", tc.weights, p.order, tc.want)
		}
		for n := range int64(2 * len(tc.want)) {
			if got := p.pick(n); got != tc.want[n%int64(len(tc.want))] {
				t.Errorf("weights %v: pick(%d) = %d, want %v cycled", tc.weights, n, got, tc.want)
				break
			}
		}
	}
}

// TestMixPickerLargeCycle picks from a mix whose cycle is too long for a
// table: exact shares over a full cycle, and well spread within it.
func TestMixPickerLargeCycle(t *testing.T) {
	weights := []int{70001, 5000, 3}
	p := newMixPicker(weights)
	if p.order != nil {
		t.Fatalf("a cycle of %d has a table", p.total)
	}
	counts := make([]int, len(weights))
	first := make([]int, len(weights))
	for n := range int64(p.total) {
		i := p.pick(n)
		counts[i]++
		if n < 1000 {
			first[i]++
		}
	}
	for i, w := range weights {
		if counts[i] != w {
			t.Errorf("entry %d chosen %d times in a cycle, want %d", i, counts[i], w)
		}
	}
	// Entry 1's share is 6.67 %: within the first 1000 arrivals, 67 ± 3.
	if first[1] < 64 || first[1] > 70 {
		t.Errorf("entry 1 chosen %d times in the first 1000 arrivals, want about 67", first[1])
	}
}

// TestMixPickerHugeWeights is issue 11's mix: weights of 2,000,000,000
// and 1,999,999,999 once made a table of one slot per unit of weight
// (32 GB). The picker now takes a few bytes and shares stay exact.
func TestMixPickerHugeWeights(t *testing.T) {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	p := newMixPicker([]int{2_000_000_000, 1_999_999_999})
	runtime.ReadMemStats(&after)
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 1<<20 {
		t.Fatalf("the picker allocated %d bytes", grew)
	}
	if p.total != 3_999_999_999 || p.order != nil {
		t.Fatalf("picker = %+v", p)
	}
	var zero int
	for n := range int64(100_000) {
		if p.pick(n) == 0 {
			zero++
		}
	}
	if zero < 49_900 || zero > 50_100 {
		t.Errorf("entry 0 chosen %d times in the first 100,000 arrivals, want about 50,000", zero)
	}
	// The last arrivals of a cycle wrap to the first.
	for _, n := range []int64{0, 1, 12345} {
		if p.pick(n) != p.pick(n+int64(p.total)) {
			t.Errorf("pick(%d) differs from the next cycle's", n)
		}
	}
}
