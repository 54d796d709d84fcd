package mcp

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
)

// maxParallelHandshakes bounds the handshakes NewPool and Close run at once.
const maxParallelHandshakes = 32

// Pool is a fixed set of sessions on one Client, shared by any number of
// callers: each call takes the next session in turn. It is safe for
// concurrent use. The zero value is not usable; get one from NewPool.
type Pool struct {
	sessions []*Session
	next     atomic.Uint64 // round-robin counter
	stats    *stats
}

// NewPool opens n sessions on c (several at once). A session that fails to
// open is not an error here: the first call that picks it opens it again,
// and fails with the open's Kind if that fails too. The only error is
// ErrPoolSize, for n <= 0.
func NewPool(ctx context.Context, c *Client, n int) (*Pool, error) {
	if n <= 0 {
		return nil, ErrPoolSize
	}
	p := &Pool{sessions: make([]*Session, n), stats: newStats()}
	for i := range p.sessions {
		p.sessions[i] = &Session{c: c, stats: p.stats}
	}
	p.each(func(s *Session) { s.renew(ctx, 0) }) // failures are retried lazily
	return p, nil
}

// Do sends r on the next session in turn; see Session.Do.
func (p *Pool) Do(ctx context.Context, r Request) Response {
	i := p.next.Add(1) - 1
	return p.sessions[i%uint64(len(p.sessions))].Do(ctx, r)
}

// Close closes every session (DELETE for those the server gave an id) and
// returns their errors joined. Later calls fail with ErrClosed.
func (p *Pool) Close(ctx context.Context) error {
	var (
		mu   sync.Mutex
		errs []error
	)
	p.each(func(s *Session) {
		if err := s.Close(ctx); err != nil {
			mu.Lock()
			errs = append(errs, err)
			mu.Unlock()
		}
	})
	return errors.Join(errs...)
}

// Stats returns the pool's handshake counts so far.
func (p *Pool) Stats() PoolStats { return p.stats.snapshot() }

// Len returns the number of sessions in the pool.
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
