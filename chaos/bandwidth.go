package chaos

import "fmt"

// Bandwidth limits the bytes per second that flow through the proxy. On
// an HTTP proxy it paces the response body (Downstream), the request body
// (Upstream) or both; on a TCP proxy, the bytes of the connection. The
// first bytes go at once, then each chunk (a tenth of a second's worth)
// waits for its turn. A removed fault stops pacing at once.
type Bandwidth struct {
	// BytesPerSecond is the rate. It must be positive (to stop the
	// traffic altogether, use Blackhole).
	BytesPerSecond int64

	// Direction is the way the paced bytes flow, with a separate budget
	// for each way when it is Both. Zero: Downstream, the response.
	Direction Direction
}

// Kind returns "bandwidth".
func (Bandwidth) Kind() string { return "bandwidth" }

func (a Bandwidth) validate(_ Scope, p *problems) {
	switch {
	case a.BytesPerSecond < 0:
		p.add("Bandwidth.BytesPerSecond", fmt.Sprintf("%d is negative; want a positive rate", a.BytesPerSecond))
	case a.BytesPerSecond == 0:
		p.add("Bandwidth.BytesPerSecond", "missing; want a positive rate (use a blackhole to stop the traffic)")
	}
	if !a.Direction.valid() {
		p.add("Bandwidth.Direction", fmt.Sprintf("%v is not Downstream, Upstream or Both", a.Direction))
	}
}

func (a Bandwidth) apply(h *hit) {
	h.plan.limits = append(h.plan.limits, limit{fault: h.fault, dir: a.Direction, rate: a.BytesPerSecond})
}
