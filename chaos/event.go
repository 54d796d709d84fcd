package chaos

import (
	"fmt"
	"sync"
	"time"
)

// EventType is what happened to a fault.
type EventType int

const (
	// EventAdded: Add accepted the fault.
	EventAdded EventType = iota + 1
	// EventActive: the fault began to match (at Add when Start is zero).
	EventActive
	// EventRemoved: the fault was removed; Event.Reason says why.
	EventRemoved
)

func (t EventType) String() string {
	switch t {
	case EventAdded:
		return "added"
	case EventActive:
		return "active"
	case EventRemoved:
		return "removed"
	}
	return fmt.Sprintf("EventType(%d)", int(t))
}

// RemoveReason says why a fault was removed.
type RemoveReason int

const (
	// ReasonNone is the Reason of events other than EventRemoved.
	ReasonNone RemoveReason = iota
	// ReasonRemoved: Remove or RemoveAll.
	ReasonRemoved
	// ReasonExpired: its Duration ran out.
	ReasonExpired
	// ReasonCanceled: the context given to Start was done.
	ReasonCanceled
	// ReasonClosed: the proxy was closed.
	ReasonClosed
)

func (r RemoveReason) String() string {
	switch r {
	case ReasonNone:
		return ""
	case ReasonRemoved:
		return "removed"
	case ReasonExpired:
		return "expired"
	case ReasonCanceled:
		return "canceled"
	case ReasonClosed:
		return "closed"
	}
	return fmt.Sprintf("RemoveReason(%d)", int(r))
}

// Event is a change in a proxy's faults, for the run's timeline.
type Event struct {
	// Time is when it happened, on the proxy's clock.
	Time time.Time
	// Proxy is the proxy's Name.
	Proxy string
	// FaultID and Kind name the fault.
	FaultID string
	Kind    string
	Type    EventType
	// Reason is set for EventRemoved.
	Reason RemoveReason
	// Stats are the fault's counts at the time of the event; for
	// EventRemoved, its final counts.
	Stats Stats
}

// dispatcher calls a callback with events in the order they were queued,
// never concurrently and never while the proxy's lock is held, so the
// callback may call the proxy (except Close).
type dispatcher struct {
	fn   func(Event)
	mu   sync.Mutex
	idle sync.Cond
	q    []Event
	busy bool
}

func (d *dispatcher) init(fn func(Event)) {
	d.fn = fn
	d.idle.L = &d.mu
}

// queue appends ev; callers hold the proxy's lock, so the queue's order is
// the order of the changes.
func (d *dispatcher) queue(ev Event) {
	if d.fn == nil {
		return
	}
	d.mu.Lock()
	d.q = append(d.q, ev)
	d.mu.Unlock()
}

// flush delivers queued events, unless another goroutine is delivering
// them already (it will deliver these too). Callers do not hold the
// proxy's lock.
func (d *dispatcher) flush() {
	if d.fn == nil {
		return
	}
	d.mu.Lock()
	if d.busy {
		d.mu.Unlock()
		return
	}
	d.busy = true
	for len(d.q) > 0 {
		batch := d.q
		d.q = nil
		d.mu.Unlock()
		for _, ev := range batch {
			d.fn(ev)
		}
		d.mu.Lock()
	}
	d.busy = false
	d.idle.Broadcast()
	d.mu.Unlock()
}

// drain waits until every queued event has been delivered.
func (d *dispatcher) drain() {
	if d.fn == nil {
		return
	}
	d.flush()
	d.mu.Lock()
	for d.busy || len(d.q) > 0 {
		d.idle.Wait()
	}
	d.mu.Unlock()
}
