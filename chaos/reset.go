package chaos

// Reset resets the connection: the proxy closes the client's connection
// with SO_LINGER 0, so the client reads ECONNRESET ("connection reset by
// peer"), and the target never sees the request (HTTP) or the connection
// (TCP). On an HTTP proxy this ends the kept-alive connection the request
// came on. The zero value is the only value.
type Reset struct{}

// Kind returns "reset".
func (Reset) Kind() string { return "reset" }

func (Reset) validate(Scope, *problems) {}

func (Reset) apply(h *hit) { h.plan.reset = true }
