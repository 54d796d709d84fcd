package chaos

import (
	"context"
	"math/bits"
	"math/rand/v2"
	"net/http"
	"time"
)

// hit is one decision to inject a fault into a request or a connection:
// what an Action's apply sees. Actions add to the plan; the proxy carries
// the plan out.
type hit struct {
	scope Scope
	// fault is done when the fault is removed; whatever the fault holds
	// or slows down is released then.
	fault context.Context
	// rng is this hit's own random stream, seeded from the proxy's seed,
	// the fault's id and the hit's ordinal, so that what it yields does
	// not depend on goroutine scheduling.
	rng  *rand.PCG
	plan *plan
}

// plan is what the faults that hit one request or connection do to it, in
// the order the faults were added.
type plan struct {
	// before are waited out in order before the request is forwarded
	// (HTTP) or the target dialled (TCP).
	before []delay
	// reset answers with a TCP RST instead of forwarding.
	reset bool
	// respond answers an HTTP request locally instead of forwarding it.
	respond func(w http.ResponseWriter, rpc *rpcMessage)
	// response delays are waited out before the response headers (HTTP)
	// or before each chunk from the target (TCP).
	response []delay
	// limits pace the bytes, each with its own budget.
	limits []limit
	// cuts end the exchange after some bytes or some time.
	cuts []cut
	// closing delays are waited out before the client side is closed.
	closing []delay
}

// terminal reports whether the plan answers without forwarding; later
// faults are not consulted.
func (p *plan) terminal() bool { return p.reset || p.respond != nil }

// delay is a wait: base plus a uniform draw in [0, jitter], or until the
// fault is removed when forever is set. A removed fault's delays end at
// once.
type delay struct {
	fault   context.Context
	base    time.Duration
	jitter  time.Duration
	rng     *rand.PCG
	forever bool
}

// draw returns the length of the next wait.
func (d *delay) draw() time.Duration {
	if d.jitter <= 0 {
		return d.base
	}
	return d.base + uniform(d.rng, d.jitter)
}

// limit is a bandwidth cap in one direction.
type limit struct {
	fault context.Context
	dir   Direction
	rate  int64 // bytes per second
}

// cut ends the exchange after bytes in dir (when bytes > 0), or after
// a time (when after > 0).
type cut struct {
	fault context.Context
	dir   Direction
	bytes int64
	after time.Duration
}

// wait waits d out on clock. It returns nil when the wait ended or the
// fault was removed, ctx.Err() when ctx ended first.
func wait(ctx context.Context, clock Clock, d *delay) error {
	if d.fault.Err() != nil {
		return ctx.Err()
	}
	if d.forever {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-d.fault.Done():
			return ctx.Err()
		}
	}
	n := d.draw()
	if n <= 0 {
		return ctx.Err()
	}
	wctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(d.fault, cancel)
	err := clock.SleepUntil(wctx, clock.Now().Add(n))
	stop()
	cancel()
	if err != nil {
		return ctx.Err()
	}
	return nil
}

// uniform returns a draw in [0, n] from rng.
func uniform(rng *rand.PCG, n time.Duration) time.Duration {
	hi, _ := bits.Mul64(rng.Uint64(), uint64(n)+1)
	return time.Duration(hi)
}

// unitFloat returns a draw in [0, 1) from rng.
func unitFloat(rng *rand.PCG) float64 {
	return float64(rng.Uint64()>>11) / (1 << 53)
}

// faultKey derives a fault's random stream key from the run's seed, the
// proxy's name and the fault's id, so that two faults (or the same fault
// id on two proxies) draw independent streams, and the same run draws the
// same ones.
func faultKey(seed uint64, proxy, id string) [2]uint64 {
	h := uint64(14695981039346656037)
	for _, s := range [...]string{proxy, "\x00", id} {
		for i := 0; i < len(s); i++ {
			h ^= uint64(s[i])
			h *= 1099511628211
		}
	}
	return [2]uint64{mix64(seed ^ h), mix64(h + 0x9e3779b97f4a7c15)}
}

// hitRNG is the stream of the n-th (1-based) matching request or
// connection of the fault with key k.
func hitRNG(k [2]uint64, n uint64) *rand.PCG {
	return rand.NewPCG(k[0], k[1]^mix64(n))
}

// mix64 is the SplitMix64 finaliser.
func mix64(z uint64) uint64 {
	z += 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}
