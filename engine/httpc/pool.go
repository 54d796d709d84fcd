package httpc

import (
	"context"
	"sync"
)

// pool holds a Client's connections: idle ones, most recently used first,
// and a count of all, bounded by max. Callers beyond the bound wait in
// line for a connection (or for the right to dial one).
type pool struct {
	mu      sync.Mutex
	max     int // 0: no bound
	total   int // idle + in use + being dialled
	idle    []*conn
	waiters []chan grant // FIFO
	closed  bool
}

// grant is what a waiter receives: a connection, the right to dial one
// (cn nil, err nil), or ErrClosed.
type grant struct {
	cn  *conn
	err error
}

// get returns an idle connection, or nil when the caller is to dial one
// (and then must call put, with nil on a failed dial). With fresh set it
// does not hand out an idle connection (a replay after a stale one wants a
// new one): at the bound it closes an idle one to make room. It waits
// while the pool is at its bound with nothing idle.
func (p *pool) get(ctx context.Context, fresh bool) (*conn, error) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, ErrClosed
	}
	if n := len(p.idle); n > 0 && (!fresh || p.max > 0 && p.total >= p.max) {
		cn := p.idle[n-1]
		p.idle[n-1] = nil
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		if fresh {
			cn.close() // its slot is the caller's to dial with
			return nil, nil
		}
		return cn, nil
	}
	if p.max <= 0 || p.total < p.max {
		p.total++
		p.mu.Unlock()
		return nil, nil
	}
	ch := make(chan grant, 1)
	p.waiters = append(p.waiters, ch)
	p.mu.Unlock()

	select {
	case g := <-ch:
		return g.cn, g.err
	case <-ctx.Done():
	}
	p.mu.Lock()
	for i, w := range p.waiters {
		if w == ch {
			p.waiters = append(p.waiters[:i], p.waiters[i+1:]...)
			p.mu.Unlock()
			return nil, &Error{Op: "wait for a connection", Err: ctx.Err()}
		}
	}
	p.mu.Unlock()
	// Granted while giving up: pass it on.
	if g := <-ch; g.err == nil {
		p.put(g.cn, g.cn != nil)
	}
	return nil, &Error{Op: "wait for a connection", Err: ctx.Err()}
}

// replace is for a connection taken by get and found closed by the
// server: it closes it and returns another idle connection in its place,
// or nil when the caller is to dial one with its slot (and then must call
// put, as after get).
func (p *pool) replace(dead *conn) *conn {
	dead.close()
	p.mu.Lock()
	defer p.mu.Unlock()
	if n := len(p.idle); n > 0 && !p.closed {
		cn := p.idle[n-1]
		p.idle[n-1] = nil
		p.idle = p.idle[:n-1]
		p.total-- // the dead one's slot is given back
		return cn
	}
	return nil
}

// put returns a connection taken by get: to the idle list (or the first
// waiter) when keep is set, else closed. cn nil gives back the right to
// dial after a failed dial.
func (p *pool) put(cn *conn, keep bool) {
	p.mu.Lock()
	keep = keep && !p.closed
	var w chan grant
	if len(p.waiters) > 0 && !p.closed {
		w = p.waiters[0]
		copy(p.waiters, p.waiters[1:])
		p.waiters[len(p.waiters)-1] = nil
		p.waiters = p.waiters[:len(p.waiters)-1]
	}
	switch {
	case keep && w != nil:
		p.mu.Unlock()
		w <- grant{cn: cn}
		return
	case keep:
		p.idle = append(p.idle, cn)
		p.mu.Unlock()
		return
	case w != nil: // the slot passes to the waiter, who dials
		p.mu.Unlock()
		w <- grant{}
	default:
		p.total--
		p.mu.Unlock()
	}
	if cn != nil {
		cn.close()
	}
}

// close closes the idle connections and fails the waiters; connections in
// use are closed when put back.
func (p *pool) close() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	idle, waiters := p.idle, p.waiters
	p.idle, p.waiters = nil, nil
	p.total -= len(idle)
	p.mu.Unlock()
	for _, cn := range idle {
		cn.close()
	}
	for _, w := range waiters {
		w <- grant{err: ErrClosed}
	}
}
