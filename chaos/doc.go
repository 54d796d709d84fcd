// Package chaos injects faults into the traffic between a client and a
// target: a fault-injecting proxy on 127.0.0.1 that stands in front of any
// HTTP service (deciding per request) or any TCP service, such as a
// database (deciding per connection).
//
// It is a Go library on its own: reslua's engine and Lua DSL drive it,
// but it knows nothing of either. It turns the reference chapter's
// ProductionChaosEngineer, which monkey-patched the client, into a real
// proxy, in the manner of Shopify's toxiproxy (a fault is a small type
// behind one interface, registered in one place) and of
// net/http/httputil.ReverseProxy (documented fields with sensible zero
// values).
//
// # Use
//
//	p := &chaos.Proxy{Name: "green", Scope: chaos.PerRequest, Target: greenURL, Seed: seed}
//	if err := p.Start(ctx); err != nil {
//		return err
//	}
//	defer p.Close()
//	// send traffic to p.URL() instead of greenURL, then:
//	id, err := p.Add(chaos.Fault{
//		Action:      chaos.Abort{Status: 503},
//		Probability: 0.2,
//		Match:       chaos.Match{RPCMethod: "tools/call"},
//		Duration:    15 * time.Second,
//	})
//
// # Scope
//
// A proxy's Scope is always explicit. A PerRequest proxy is an HTTP
// reverse proxy: every request is matched and decided on its own, also on
// a kept-alive connection; responses stream (Server-Sent Events pass
// through event by event), headers pass through, and connections to the
// target are kept alive. A PerConnection proxy relays the bytes of each
// accepted connection to a connection it dials to the target; it decides
// once per connection, and the decision holds for the connection's life.
//
// # Faults
//
// A Fault is an Action plus the rules that say which traffic it hits and
// when. The actions, by registry name (see Kinds and NewAction):
//
//	latency        Latency{Delay, Jitter, Response}   both scopes
//	abort          Abort{Status, Body, Header}        HTTP
//	jsonrpc_error  JSONRPCError{Code, Message, Data}  HTTP
//	reset          Reset{}                            both scopes
//	blackhole      Blackhole{}                        both scopes
//	bandwidth      Bandwidth{BytesPerSecond, Direction} both scopes
//	slow_close     SlowClose{Delay}                   both scopes
//	cut            Cut{Bytes, After, Direction}       both scopes
//
// Every fault has a Probability (the chapter's intensity), a Match (path,
// path prefix, HTTP method, JSON-RPC method, MCP tool name, headers),
// First and Every (for retry testing: fail the first N, or every N-th),
// and a Start and Duration counted from Add on the proxy's clock.
//
// The reference chapter's experiment types map onto them:
//
//	network_latency      Latency on the target's proxy
//	service_failure      Abort (or JSONRPCError) with Probability = intensity
//	resource_exhaustion  Blackhole on a PerConnection proxy in front of a
//	                     dependency: it accepts and stalls
//	dependency_failure   Abort or Reset on the dependency's proxy
//
// # Repeatable runs
//
// Random choices come from Proxy.Seed (the run's --seed). Each fault
// draws from its own stream, keyed by the seed, the proxy's Name and the
// fault's ID, and the n-th request (or connection) that matches a fault
// always gets the n-th draw of that stream, whichever goroutine serves it.
// The same seed and the same traffic give the same faults.
//
// # A fault never outlives its run
//
// Remove and RemoveAll remove faults; a fault with a Duration removes
// itself; the cancellation of the context given to Start removes them
// all and refuses new ones; Close removes them all and closes every
// connection. Removing a fault releases what it holds at once: a request
// held by a blackhole or a delay goes on to the target. Every change is
// reported through Proxy.OnEvent for the run's timeline.
//
// # Validation
//
// Fault.Validate and Proxy.Validate report every problem at once, each
// naming its field (a *ValidationError holding *FieldError values): an
// unknown kind (with the closest known name), a probability outside 0..1,
// a negative delay, jitter or rate, a match on a field the scope does not
// have (a JSON-RPC method on a TCP proxy), a negative window, a negative
// First or Every, an abort status outside 100..599.
//
// # Time
//
// A proxy reads time only from Proxy.Clock, so tests drive it on a fake
// clock (or under testing/synctest with SystemClock).
package chaos
