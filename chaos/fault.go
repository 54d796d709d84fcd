package chaos

import (
	"fmt"
	"math"
	"strings"
	"time"
	"unicode"
)

// Fault is one fault to inject: an Action, which traffic it applies to
// (Match, Probability, First, Every) and when (Start, Duration). Add it to
// a proxy with (*Proxy).Add. The zero values of all fields but Action
// give a fault that hits every request or connection, at once, until it
// is removed.
//
// Deciding whether a matching request (or connection) is hit goes in
// this order: it is counted (the n-th matching one), First and Every are
// applied to n, then Probability is drawn. The draw for the n-th matching
// one depends only on the proxy's Seed and Name, the fault's ID and n, so
// a run with the same seed and the same traffic injects the same faults
// into the same requests, however goroutines are scheduled.
//
// When several faults match one request they apply in the order they were
// added: delays add up, limits all apply, and the first fault that answers
// by itself (abort, jsonrpc_error, reset) ends the chain; later faults do
// not see, and do not count, that request.
type Fault struct {
	// ID names the fault in Remove, Stats and events, and keys its random
	// stream. It must be unique among the proxy's faults. Zero: the kind
	// and the proxy's count of Add calls, as in "latency-3", which is
	// repeatable for a given script.
	ID string

	// Action is what the fault does. Required.
	Action Action

	// Probability is the chance, in 0..1, that a matching request (or
	// connection) the other rules select is hit: the reference chapter's
	// intensity. Zero means 1 (every one): to turn a fault off, remove
	// it.
	Probability float64

	// Match selects the requests the fault applies to. Zero: all. A
	// PerConnection proxy accepts only the zero Match.
	Match Match

	// First limits the fault to the first First matching requests (or
	// connections), for retry testing: First = 2 fails two attempts and
	// lets the third through. Zero: no limit.
	First int

	// Every limits the fault to every Every-th matching request (or
	// connection): the Every-th, 2·Every-th, and so on. Zero (or 1):
	// every one.
	Every int

	// Start is how long after Add the fault begins, on the proxy's
	// clock. Until then it matches nothing. Zero: at once.
	Start time.Duration

	// Duration is how long the fault lasts once it has begun; then the
	// proxy removes it (an EventRemoved with ReasonExpired). Zero: until
	// it is removed.
	Duration time.Duration
}

// Validate reports every problem with f for a proxy of the given scope,
// as a *ValidationError naming each field, or nil.
func (f Fault) Validate(scope Scope) error {
	var p problems
	f.validate(scope, &p)
	id := f.ID
	if a := actionValue(f.Action); id == "" && a != nil {
		id = a.Kind()
	}
	return p.err(fmt.Sprintf("fault %q", id))
}

func (f *Fault) validate(scope Scope, p *problems) {
	if !scope.valid() {
		p.add("Scope", fmt.Sprintf("%v is not PerRequest or PerConnection", scope))
	}
	if strings.IndexFunc(f.ID, unicode.IsControl) >= 0 {
		p.add("ID", fmt.Sprintf("%q holds a control character", f.ID))
	}
	a := actionValue(f.Action)
	switch {
	case a == nil:
		p.add("Action", "missing; want one of "+strings.Join(Kinds(), ", "))
	case lookupKind(a.Kind()) == nil:
		p.add("Action", fmt.Sprintf("%T has kind %q, which is not registered", a, a.Kind()))
	case scope.valid() && !Supports(a.Kind(), scope):
		p.add("Action", fmt.Sprintf("%s is not available on a %v (TCP) proxy, which has no requests to answer; use reset, blackhole or cut", a.Kind(), scope))
	}
	if math.IsNaN(f.Probability) || f.Probability < 0 || f.Probability > 1 {
		p.add("Probability", fmt.Sprintf("%v is outside 0..1", f.Probability))
	}
	f.Match.validate(scope, p)
	if f.First < 0 {
		p.add("First", fmt.Sprintf("%d is negative; want zero (no limit) or more", f.First))
	}
	if f.Every < 0 {
		p.add("Every", fmt.Sprintf("%d is negative; want zero (every one) or more", f.Every))
	}
	if f.Start < 0 {
		p.add("Start", fmt.Sprintf("%v is negative; the window would begin before the fault is added", f.Start))
	}
	if f.Duration < 0 {
		p.add("Duration", fmt.Sprintf("%v is negative; the window would end before it begins", f.Duration))
	}
	if a != nil {
		a.validate(scope, p)
	}
}

// Stats counts what a fault did.
type Stats struct {
	// Matched counts the requests (or connections) that matched the
	// fault while it was active.
	Matched int64
	// Injected counts those the fault was applied to.
	Injected int64
}

// FaultStatus describes a fault the proxy holds.
type FaultStatus struct {
	ID   string
	Kind string
	// Active is false while the fault waits for its Start.
	Active bool
	// Added is when the fault was added, on the proxy's clock.
	Added time.Time
	// Ends is when the fault will be removed; zero when it has no
	// Duration.
	Ends time.Time
	Stats
	// Fault is the fault as added (with its ID filled in).
	Fault Fault
}
