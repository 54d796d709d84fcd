package engine

import (
	"context"
	"testing"
	"time"
)

func TestConstantRateOffsets(t *testing.T) {
	for _, tc := range []struct {
		rate     float64
		duration time.Duration
		n        int64
		want     time.Duration
		ok       bool
	}{
		{1000, 10 * time.Second, 0, 0, true},
		{1000, 10 * time.Second, 1, time.Millisecond, true},
		{1000, 10 * time.Second, 9999, 9999 * time.Millisecond, true},
		{1000, 10 * time.Second, 10000, 10 * time.Second, false},
		{3, time.Second, 1, 333333333, true},
		{3, time.Second, 2, 666666666, true},
		{3, time.Second, 3, time.Second, false},
		{0.5, 10 * time.Second, 4, 8 * time.Second, true},
		{0.5, 10 * time.Second, 5, 10 * time.Second, false},
		{0, time.Second, 0, 0, false},
	} {
		got, ok := ConstantRate{Rate: tc.rate, Duration: tc.duration}.Offset(tc.n)
		if got != tc.want || ok != tc.ok {
			t.Errorf("ConstantRate{%g, %s}.Offset(%d) = %s, %v; want %s, %v", tc.rate, tc.duration, tc.n, got, ok, tc.want, tc.ok)
		}
	}
}

func TestConstantRateCounts(t *testing.T) {
	for _, tc := range []struct {
		rate     float64
		duration time.Duration
		want     int64
	}{
		{1000, 10 * time.Second, 10000},
		{300, 30 * time.Second, 9000},
		{7, 3 * time.Second, 21},
		{20000, 30 * time.Second, 600000},
		{0.5, 3 * time.Second, 2},
	} {
		p := ConstantRate{Rate: tc.rate, Duration: tc.duration}
		var n int64
		for ; ; n++ {
			if _, ok := p.Offset(n); !ok {
				break
			}
		}
		if n != tc.want {
			t.Errorf("%g/s for %s: %d arrivals, want %d", tc.rate, tc.duration, n, tc.want)
		}
	}
}

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

func TestPreciseClockHonoursContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := PreciseClock.SleepUntil(ctx, time.Now().Add(time.Hour)); err != context.Canceled {
		t.Fatalf("SleepUntil on a cancelled context = %v, want context.Canceled", err)
	}
	// A deadline in the past returns at once.
	if err := PreciseClock.SleepUntil(context.Background(), time.Now().Add(-time.Second)); err != nil {
		t.Fatalf("SleepUntil(past) = %v", err)
	}
}
