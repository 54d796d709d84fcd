package mcp

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/reslua/reslua/engine/outcome"
)

// maxParallelHandshakes bounds the handshakes OpenPool and Close run at once.
const maxParallelHandshakes = 32

// freshCloseTimeout bounds the DELETE that ends each session of a pool
// with FreshSessions, which runs even when the call's context has ended.
const freshCloseTimeout = 5 * time.Second

// PoolOptions configure a Pool. The zero value is not valid (no sessions).
type PoolOptions struct {
	// Sessions is the number of sessions the pool keeps open and shares
	// among its callers; it must be > 0 unless FreshSessions is set.
	Sessions int
	// SharedConns makes the sessions share the Client's keep-alive
	// connections (HTTP/1.1: as many as calls in flight at once). Zero:
	// each session has connections of its own, so N sessions with a call
	// in flight each hold N connections, as N real clients would. On
	// httpc a session's own httpc.Client has no bound on connections and
	// keeps them all: a session with k calls in flight at once has k
	// connections, as a real client's connection pool would; the pool
	// closes them at Close. On net/http a session's own transport keeps
	// one idle connection (more in flight are closed after use).
	// Sessions share the Client's connections anyway when Client.HTTP's
	// RoundTripper is not an *http.Transport.
	SharedConns bool
	// KeepSessions leaves the sessions open on the server at Close (no
	// DELETE), to test how a server copes with session leaks;
	// PoolStats.LeftOpen counts them. Zero: Close sends DELETE.
	KeepSessions bool
	// FreshSessions gives every call a session of its own: each Do opens
	// a session (initialize, notifications/initialized), makes the call
	// and closes it (DELETE, unless KeepSessions), to measure the cost of
	// the handshake under load. The handshake's latency goes into
	// PoolStats.InitLatency and Response.Init; the call's into the
	// Response (FirstByte, Total). Sessions is ignored. In the 2026-07-28
	// era, which has no handshake, it only changes connections: with
	// per-session connections every call opens a connection of its own.
	FreshSessions bool
}

// Pool is a set of sessions on one Client, shared by any number of
// callers: each call takes the next session in turn (or, with
// FreshSessions, a new one). It is safe for concurrent use. The zero value
// is not usable; get one from OpenPool or NewPool.
type Pool struct {
	c        *Client
	opts     PoolOptions
	sessions []*Session
	next     atomic.Uint64 // round-robin counter
	stats    *stats
	closed   atomic.Bool
}

// NewPool opens n sessions on c, each with a connection of its own; it is
// OpenPool with PoolOptions{Sessions: n}.
func NewPool(ctx context.Context, c *Client, n int) (*Pool, error) {
	return OpenPool(ctx, c, PoolOptions{Sessions: n})
}

// OpenPool opens opts.Sessions sessions on c (several at once), or none
// with FreshSessions. A session that fails to open is not an error here:
// the first call that picks it opens it again, and fails with the open's
// Kind if that fails too. The only error is ErrPoolSize, for no sessions
// without FreshSessions.
func OpenPool(ctx context.Context, c *Client, opts PoolOptions) (*Pool, error) {
	if opts.FreshSessions {
		opts.Sessions = 0
	} else if opts.Sessions <= 0 {
		return nil, ErrPoolSize
	}
	c.setup()
	p := &Pool{c: c, opts: opts, sessions: make([]*Session, opts.Sessions), stats: newStats()}
	for i := range p.sessions {
		p.sessions[i] = p.newSession()
	}
	p.each(func(s *Session) { s.renew(ctx, 0) }) // failures are retried lazily
	return p, nil
}

// newSession returns a session not open yet, with a connection of its own
// unless the options say to share.
func (p *Pool) newSession() *Session {
	s := &Session{c: p.c, stats: p.stats}
	if !p.opts.SharedConns {
		s.own, s.ownTr = p.c.ownVia()
	}
	return s
}

// Do sends r on the next session in turn (or on a fresh session); see
// Session.Do.
func (p *Pool) Do(ctx context.Context, r Request) Response {
	if p.opts.FreshSessions {
		return p.doFresh(ctx, r)
	}
	i := p.next.Add(1) - 1
	return p.sessions[i%uint64(len(p.sessions))].Do(ctx, r)
}

// doFresh opens a session, sends r on it and closes it.
func (p *Pool) doFresh(ctx context.Context, r Request) Response {
	if p.closed.Load() {
		return Response{Kind: outcome.Canceled, Err: ErrClosed}
	}
	s := p.newSession()
	res := s.Do(ctx, r)
	if p.opts.KeepSessions {
		s.Abandon()
		return res
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), freshCloseTimeout)
	s.Close(cctx) // counted in the stats
	cancel()
	return res
}

// Close closes every session (DELETE for those the server gave an id,
// unless KeepSessions) and returns their errors joined. Later calls fail
// with ErrClosed.
func (p *Pool) Close(ctx context.Context) error {
	p.closed.Store(true)
	var (
		mu   sync.Mutex
		errs []error
	)
	p.each(func(s *Session) {
		if p.opts.KeepSessions {
			s.Abandon()
			return
		}
		if err := s.Close(ctx); err != nil {
			mu.Lock()
			errs = append(errs, err)
			mu.Unlock()
		}
	})
	return errors.Join(errs...)
}

// Stats returns the pool's handshake and close counts so far.
func (p *Pool) Stats() PoolStats { return p.stats.snapshot() }

// Len returns the number of sessions the pool keeps (0 with
// FreshSessions).
func (p *Pool) Len() int { return len(p.sessions) }

// each runs f on every session, a bounded number at a time, and returns
// when all are done.
func (p *Pool) each(f func(*Session)) {
	work := make(chan *Session)
	var wg sync.WaitGroup
	for range min(len(p.sessions), maxParallelHandshakes) {
		wg.Go(func() {
			for s := range work {
				f(s)
			}
		})
	}
	for _, s := range p.sessions {
		work <- s
	}
	close(work)
	wg.Wait()
}
