package chaos

// Blackhole accepts and never answers, until the fault is removed or the
// client gives up: a hung dependency, or the reference chapter's
// resource_exhaustion experiment (a dependency that accepts connections
// and stalls). The zero value is the only value.
//
// When the fault is removed, held traffic goes on as if the fault had
// been a long delay: an HTTP request is forwarded, and a TCP connection
// is connected to the target and handed what the client sent meanwhile
// (the proxy keeps up to 64 KiB of it and then stops reading, so a client
// that keeps writing blocks as it would on a stalled peer). When the
// proxy is closed, held traffic is dropped instead.
//
// A client that gives up is let go at once, with two exceptions: an HTTP
// request whose body has not been read (the proxy cannot see the client
// leave before it reads the body), and a TCP client that closes its
// connection, which the proxy cannot tell from one that only half-closes
// it, so it keeps that connection until the fault goes.
type Blackhole struct{}

// Kind returns "blackhole".
func (Blackhole) Kind() string { return "blackhole" }

func (Blackhole) validate(Scope, *problems) {}

func (Blackhole) apply(h *hit) {
	h.plan.before = append(h.plan.before, delay{fault: h.fault, forever: true})
}
