package chaos

import "time"

// Latency delays traffic by Delay plus a uniform random draw in
// [0, Jitter]: the reference chapter's network_latency experiment. A
// removed fault's delays end at once (the traffic then goes on).
//
// On an HTTP proxy the draw is made once per request. On a TCP proxy a
// request-side delay is waited out once per connection, before the target
// is dialled; a response-side delay is drawn afresh for every chunk the
// target sends and holds that chunk back, which also slows a bulk
// transfer.
type Latency struct {
	// Delay is the fixed part of the delay. Zero: none (Jitter alone).
	Delay time.Duration

	// Jitter is the width of the uniform random part. Zero: none (Delay
	// alone). Delay and Jitter may not both be zero.
	Jitter time.Duration

	// Response delays the response instead of the request. HTTP: the
	// request is forwarded at once and the target's response headers are
	// held back. TCP: each chunk from the target is held back. Zero
	// (false): the request is held back before it is forwarded (HTTP),
	// the target dialled after the delay (TCP).
	Response bool
}

// Kind returns "latency".
func (Latency) Kind() string { return "latency" }

func (a Latency) validate(_ Scope, p *problems) {
	checkDuration(p, "Latency.Delay", a.Delay)
	checkDuration(p, "Latency.Jitter", a.Jitter)
	if a.Delay == 0 && a.Jitter == 0 {
		p.add("Latency.Delay", "missing; set Delay, Jitter or both to a positive duration")
	}
}

func (a Latency) apply(h *hit) {
	d := delay{fault: h.fault, base: a.Delay, jitter: a.Jitter, rng: h.rng}
	if a.Response {
		h.plan.response = append(h.plan.response, d)
	} else {
		h.plan.before = append(h.plan.before, d)
	}
}
