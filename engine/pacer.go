package engine

import "time"

// A Pacer decides when each arrival of a load is due. It is a pure function
// of the arrival's index, so it is tested with a table and no clock.
type Pacer interface {
	// Offset returns when arrival n (counting from 0) is due, relative to
	// the load's start, and false when the load has no arrival n.
	Offset(n int64) (time.Duration, bool)
}

// ConstantRate schedules Rate arrivals per second for Duration. The zero
// value schedules nothing.
type ConstantRate struct {
	Rate     float64
	Duration time.Duration
}

// Offset implements Pacer: arrival n is due at n/Rate seconds.
func (p ConstantRate) Offset(n int64) (time.Duration, bool) {
	if !(p.Rate > 0) {
		return 0, false
	}
	off := time.Duration(float64(n) * float64(time.Second) / p.Rate)
	return off, off < p.Duration
}
