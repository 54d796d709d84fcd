package chaos

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync/atomic"
	"time"
)

// entry is a fault the proxy holds.
type entry struct {
	fault  Fault // as added, Action held by value, ID filled in
	kind   string
	action Action
	match  matcher
	// needRPC: matching needs the request body parsed.
	needRPC bool
	// needCall: the fault applies only to a JSON-RPC request with an id.
	needCall bool
	key      [2]uint64
	prob     float64 // 1 when Fault.Probability is zero
	first    uint64
	every    uint64
	added    time.Time
	ends     time.Time
	active   bool // guarded by Proxy.mu

	// ctx is done when the fault is removed.
	ctx    context.Context
	cancel context.CancelFunc

	matched  atomic.Uint64
	injected atomic.Uint64
}

// snapshot is the list of active faults that requests read without a
// lock; it is replaced, never changed.
type snapshot struct {
	entries []*entry
	needRPC bool
}

func (e *entry) stats() Stats {
	return Stats{Matched: int64(e.matched.Load()), Injected: int64(e.injected.Load())}
}

// decide counts one matching request or connection and reports whether
// the fault hits it; if so, it adds the fault's action to pl.
func (e *entry) decide(scope Scope, pl *plan) bool {
	n := e.matched.Add(1)
	if e.first > 0 && n > e.first {
		return false
	}
	if e.every > 1 && n%e.every != 0 {
		return false
	}
	rng := hitRNG(e.key, n)
	if e.prob < 1 && unitFloat(rng) >= e.prob {
		return false
	}
	e.injected.Add(1)
	e.action.apply(&hit{scope: scope, fault: e.ctx, rng: rng, plan: pl})
	return true
}

// Add validates f for the proxy's scope and adds it. It returns the
// fault's ID (f.ID, or the one Add made up). The fault begins after
// f.Start and is removed after f.Duration, both counted from now on the
// proxy's clock. Add fails with a *ValidationError (ErrInvalid),
// ErrDuplicateID, ErrNotStarted, ErrClosed, or the error of the context
// given to Start once it is done.
func (p *Proxy) Add(f Fault) (string, error) {
	p.mu.Lock()
	id, err := p.addLocked(f)
	p.mu.Unlock()
	p.events.flush()
	return id, err
}

func (p *Proxy) addLocked(f Fault) (string, error) {
	switch {
	case p.closed:
		return "", ErrClosed
	case !p.started:
		return "", ErrNotStarted
	case p.canceled:
		return "", fmt.Errorf("chaos: proxy %q: the run is over, faults are off: %w", p.Name, context.Cause(p.run))
	}
	if err := f.Validate(p.Scope); err != nil {
		return "", err
	}
	f = f.clone()
	p.seq++
	if f.ID == "" {
		for n := p.seq; ; n++ {
			f.ID = fmt.Sprintf("%s-%d", f.Action.Kind(), n)
			if p.find(f.ID) < 0 {
				break
			}
		}
	} else if p.find(f.ID) >= 0 {
		return "", fmt.Errorf("%w: %q is in use on proxy %q", ErrDuplicateID, f.ID, p.Name)
	}
	_, isCall := f.Action.(JSONRPCError)
	e := &entry{
		fault:    f,
		kind:     f.Action.Kind(),
		action:   f.Action,
		match:    newMatcher(f.Match),
		needRPC:  f.Match.needsRPC() || isCall,
		needCall: isCall,
		key:      faultKey(p.Seed, p.Name, f.ID),
		prob:     f.Probability,
		first:    uint64(f.First),
		every:    uint64(f.Every),
		added:    p.clock.Now(),
	}
	if e.prob == 0 {
		e.prob = 1
	}
	if f.Duration > 0 {
		e.ends = e.added.Add(f.Start + f.Duration)
	}
	// Not a child of p.life: when the proxy closes, held traffic must see
	// the proxy's context done before its fault's, and be dropped.
	e.ctx, e.cancel = context.WithCancel(context.Background())
	p.entries = append(p.entries, e)
	p.event(e, EventAdded, ReasonNone)
	if f.Start == 0 {
		e.active = true
		p.publishLocked()
		p.event(e, EventActive, ReasonNone)
	}
	if f.Start > 0 || f.Duration > 0 {
		p.wg.Add(1)
		go p.schedule(e)
	}
	return f.ID, nil
}

// clone returns f with its own copies of everything the caller could
// change after Add: the action (held by value) and the maps and slices.
func (f Fault) clone() Fault {
	f.Action = actionValue(f.Action)
	f.Match.Header = maps.Clone(f.Match.Header)
	switch a := f.Action.(type) {
	case Abort:
		a.Header = maps.Clone(a.Header)
		f.Action = a
	case JSONRPCError:
		a.Data = slices.Clone(a.Data)
		f.Action = a
	}
	return f
}

// schedule begins e after its Start and removes it after its Duration.
func (p *Proxy) schedule(e *entry) {
	defer p.wg.Done()
	if e.fault.Start > 0 {
		if p.clock.SleepUntil(e.ctx, e.added.Add(e.fault.Start)) != nil {
			return
		}
		p.mu.Lock()
		if e.ctx.Err() == nil && !e.active {
			e.active = true
			p.publishLocked()
			p.event(e, EventActive, ReasonNone)
		}
		p.mu.Unlock()
		p.events.flush()
	}
	if e.fault.Duration > 0 {
		if p.clock.SleepUntil(e.ctx, e.ends) != nil {
			return
		}
		p.mu.Lock()
		if i := slices.Index(p.entries, e); i >= 0 {
			p.removeLocked(i, ReasonExpired)
		}
		p.mu.Unlock()
		p.events.flush()
	}
}

// Remove removes the fault with the given ID and releases whatever it
// holds. It reports whether the proxy held such a fault.
func (p *Proxy) Remove(id string) bool {
	p.mu.Lock()
	i := p.find(id)
	if i >= 0 {
		p.removeLocked(i, ReasonRemoved)
	}
	p.mu.Unlock()
	p.events.flush()
	return i >= 0
}

// RemoveAll removes every fault, in the order they were added, and
// returns how many there were.
func (p *Proxy) RemoveAll() int {
	p.mu.Lock()
	n := p.removeAllLocked(ReasonRemoved)
	p.mu.Unlock()
	p.events.flush()
	return n
}

// Faults returns the faults the proxy holds, in the order they were
// added.
func (p *Proxy) Faults() []FaultStatus {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]FaultStatus, len(p.entries))
	for i, e := range p.entries {
		out[i] = FaultStatus{ID: e.fault.ID, Kind: e.kind, Active: e.active, Added: e.added, Ends: e.ends, Stats: e.stats(), Fault: e.fault}
	}
	return out
}

// Stats returns the counts of the fault with the given ID, and whether
// the proxy holds it. A removed fault's final counts are in its
// EventRemoved.
func (p *Proxy) Stats(id string) (Stats, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if i := p.find(id); i >= 0 {
		return p.entries[i].stats(), true
	}
	return Stats{}, false
}

// cancelFaults runs when the context given to Start is done.
func (p *Proxy) cancelFaults() {
	p.mu.Lock()
	p.canceled = true
	p.removeAllLocked(ReasonCanceled)
	p.mu.Unlock()
	p.events.flush()
}

func (p *Proxy) find(id string) int {
	return slices.IndexFunc(p.entries, func(e *entry) bool { return e.fault.ID == id })
}

func (p *Proxy) removeAllLocked(reason RemoveReason) int {
	n := len(p.entries)
	for len(p.entries) > 0 {
		p.removeLocked(0, reason)
	}
	return n
}

// removeLocked removes p.entries[i]: it leaves the active list first, so
// no new request draws it, then its context is cancelled, which releases
// what it holds.
func (p *Proxy) removeLocked(i int, reason RemoveReason) {
	e := p.entries[i]
	p.entries = slices.Delete(p.entries, i, i+1)
	if e.active {
		p.publishLocked()
	}
	e.cancel()
	p.event(e, EventRemoved, reason)
}

// publishLocked swaps in a new list of the active faults.
func (p *Proxy) publishLocked() {
	var s snapshot
	for _, e := range p.entries {
		if e.active {
			s.entries = append(s.entries, e)
			s.needRPC = s.needRPC || e.needRPC
		}
	}
	if len(s.entries) == 0 {
		p.active.Store(nil)
		return
	}
	p.active.Store(&s)
}

func (p *Proxy) event(e *entry, t EventType, r RemoveReason) {
	p.events.queue(Event{
		Time: p.clock.Now(), Proxy: p.Name, FaultID: e.fault.ID, Kind: e.kind,
		Type: t, Reason: r, Stats: e.stats(),
	})
}
