package chaos

import (
	"fmt"
	"time"
)

// SlowClose delays the end of the exchange: the toxiproxy slow_close. On a
// TCP proxy, when the target closes its side, the proxy waits Delay before
// closing the client's. On an HTTP proxy the response is streamed as it
// comes (without a Content-Length, so the client cannot tell it is
// complete), and its end is sent Delay after the target finished. A
// removed fault closes at once.
type SlowClose struct {
	// Delay is how long the close is held back. It must be positive.
	Delay time.Duration
}

// Kind returns "slow_close".
func (SlowClose) Kind() string { return "slow_close" }

func (a SlowClose) validate(_ Scope, p *problems) {
	switch {
	case a.Delay < 0:
		p.add("SlowClose.Delay", fmt.Sprintf("%v is negative; want a positive duration", a.Delay))
	case a.Delay == 0:
		p.add("SlowClose.Delay", "missing; want a positive duration")
	}
}

func (a SlowClose) apply(h *hit) {
	h.plan.closing = append(h.plan.closing, delay{fault: h.fault, base: a.Delay})
}
