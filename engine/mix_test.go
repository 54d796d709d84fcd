package engine

import "testing"

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
		got := mixOrder(tc.weights)
		if len(got) != len(tc.want) {
			t.Fatalf("mixOrder(%v) = %v, want %v", tc.weights, got, tc.want)
		}
		counts := map[int]int{}
		for i := range got {
			counts[got[i]]++
		}
		for i, w := range tc.weights {
			g := 0
			for _, x := range tc.weights {
				g = gcd(g, x)
			}
			if counts[i] != w/g {
				t.Errorf("mixOrder(%v): entry %d appears %d times, want %d", tc.weights, i, counts[i], w/g)
			}
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("mixOrder(%v) = %v, want %v", tc.weights, got, tc.want)
				break
			}
		}
	}
}
