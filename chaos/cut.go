package chaos

import (
	"fmt"
	"time"
)

// Cut closes the connection in the middle of an exchange: after Bytes
// bytes have been passed on, or After has passed since forwarding began
// (after any request-side delay), whichever comes first. The client sees
// a truncated response: an unexpected EOF. On an HTTP proxy it counts
// response body bytes and ends the request's connection; on a TCP proxy it
// counts the connection's bytes in Direction and closes both sides. A
// removed fault no longer cuts.
type Cut struct {
	// Bytes is how many bytes are passed on before the cut. Zero: no byte
	// limit (After alone).
	Bytes int64

	// After is how long after forwarding began the cut happens. Zero: no
	// time limit (Bytes alone). Bytes and After may not both be zero.
	After time.Duration

	// Direction is the way the counted bytes flow: on a TCP proxy, one
	// way or the sum of both; an HTTP proxy counts the response only.
	// Zero: Downstream, the response.
	Direction Direction
}

// Kind returns "cut".
func (Cut) Kind() string { return "cut" }

func (a Cut) validate(scope Scope, p *problems) {
	if a.Bytes < 0 {
		p.add("Cut.Bytes", fmt.Sprintf("%d is negative; want zero or more", a.Bytes))
	}
	checkDuration(p, "Cut.After", a.After)
	if a.Bytes == 0 && a.After == 0 {
		p.add("Cut.Bytes", "missing; set Bytes, After or both")
	}
	switch {
	case !a.Direction.valid():
		p.add("Cut.Direction", fmt.Sprintf("%v is not Downstream, Upstream or Both", a.Direction))
	case scope == PerRequest && a.Direction != Downstream && a.Bytes > 0:
		p.add("Cut.Direction", fmt.Sprintf("%v is not available on a per-request (HTTP) proxy, which counts response bytes only", a.Direction))
	}
}

func (a Cut) apply(h *hit) {
	h.plan.cuts = append(h.plan.cuts, cut{fault: h.fault, dir: a.Direction, bytes: a.Bytes, after: a.After})
}
