package engine

import "testing"

// BenchmarkMixPick measures the per-arrival cost of choosing a mix entry:
// from the table of a small mix, and from the cumulative weights of a
// mix too large for one.
func BenchmarkMixPick(b *testing.B) {
	for _, bc := range []struct {
		name    string
		weights []int
	}{
		{"table", []int{60, 30, 10}},
		{"cumulative", []int{2_000_000_000, 1_999_999_999, 7}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			p := newMixPicker(bc.weights)
			var sink int
			for n := range int64(b.N) {
				sink += p.pick(n)
			}
			_ = sink
		})
	}
}
