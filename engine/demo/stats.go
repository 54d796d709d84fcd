package demo

import (
	"context"
	"sync"
)

// Stats counts what a demo server has seen since Start. The zero value
// counts nothing.
type Stats struct {
	// Connections counts TCP connections accepted on the listener.
	Connections int64
	// Sessions is the number of sessions the server holds now (stateful
	// servers; a stateless server holds one only while a request runs).
	// ForgetSessions drops them all.
	Sessions int
	// Initializes counts initialize requests received.
	Initializes int64
	// Cancels counts notifications/cancelled received.
	Cancels int64
	// SlowStarted counts calls of the slow tool that started;
	// SlowCanceled those of them that ended because their request was
	// cancelled (notifications/cancelled, or the client went away where the
	// SDK passes that on) rather than by sleeping their time out.
	SlowStarted, SlowCanceled int64
	// Failed counts POSTs answered 503 by Options.ErrorRate.
	Failed int64
}

// counters holds a server's Stats (but Sessions, which is read from the
// SDK) and wakes Await callers on every change.
type counters struct {
	mu      sync.Mutex
	s       Stats
	changed chan struct{} // closed and replaced on every change
}

func newCounters() *counters { return &counters{changed: make(chan struct{})} }

// add applies f to the counts and wakes the waiters.
func (c *counters) add(f func(*Stats)) {
	c.mu.Lock()
	f(&c.s)
	close(c.changed)
	c.changed = make(chan struct{})
	c.mu.Unlock()
}

// get returns the counts and a channel closed at the next change.
func (c *counters) get() (Stats, <-chan struct{}) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.s, c.changed
}

// Stats returns the server's counts now.
func (s *Server) Stats() Stats {
	st, _ := s.counts.get()
	st.Sessions = s.sessions()
	return st
}

// Await blocks until cond holds for the server's Stats or ctx ends (then
// it returns ctx.Err()). cond is evaluated now and after every change of
// the counters; Sessions is read afresh each time but its changes alone
// do not wake Await. It lets tests wait for the server side of an
// exchange without sleeping.
func (s *Server) Await(ctx context.Context, cond func(Stats) bool) error {
	for {
		st, changed := s.counts.get()
		st.Sessions = s.sessions()
		if cond(st) {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// sessions counts the current generation's sessions.
func (s *Server) sessions() int {
	n := 0
	for range s.gen.Load().mcp.Sessions() {
		n++
	}
	return n
}
