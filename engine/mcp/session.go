package mcp

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"

	"github.com/reslua/reslua/engine/outcome"
)

// Session is one MCP session on a Client's target. It is safe for
// concurrent use; calls on it run in parallel over the Client's
// connections. The zero value is not usable; get one from Client.Open or
// use a Pool.
type Session struct {
	c     *Client
	stats *stats       // the pool's counters; nil outside a pool
	ids   atomic.Int64 // the last JSON-RPC id sent

	// state is the server session in use; nil until the first handshake.
	// Each handshake stores a new state with the next generation.
	state atomic.Pointer[sessionState]

	mu      sync.Mutex  // guards renewal and the writes of closed
	renewal *renewal    // the handshake in flight, if any
	closed  atomic.Bool // set by Close
}

// sessionState is what a handshake established. It never changes.
type sessionState struct {
	gen          uint64   // 1 for the first handshake, then +1 per re-initialization
	id           string   // Mcp-Session-Id; "" for a stateless server
	idValue      []string // {id}, or nil when id is ""; shared by every request's header
	versionValue []string // {negotiated protocol version}
}

func newSessionState(id, version string) *sessionState {
	st := &sessionState{id: id, versionValue: []string{version}}
	if id != "" {
		st.idValue = []string{id}
	}
	return st
}

// generation returns st's generation; 0 for nil (no session yet).
func (st *sessionState) generation() uint64 {
	if st == nil {
		return 0
	}
	return st.gen
}

// renewal is one handshake in flight, which other callers wait for.
type renewal struct {
	done    chan struct{} // closed when the handshake ends
	err     error         // the handshake's error; set before done is closed
	ctxDone bool          // the handshake failed because its caller's ctx ended
}

// ID returns the session's Mcp-Session-Id: "" for a stateless server or a
// session not open yet.
func (s *Session) ID() string {
	if st := s.state.Load(); st != nil {
		return st.id
	}
	return ""
}

// ProtocolVersion returns the protocol revision the server chose in
// initialize; "" for a session not open yet.
func (s *Session) ProtocolVersion() string {
	if st := s.state.Load(); st != nil {
		return st.versionValue[0]
	}
	return ""
}

// Do sends r on the session and returns how it ended; see Response. If
// the server has forgotten the session, Do initializes it again and
// retries r once. A session that is not open yet (in a Pool) is opened
// first; if that fails, the Response carries the open's Kind.
func (s *Session) Do(ctx context.Context, r Request) Response {
	if s.closed.Load() {
		return Response{Kind: outcome.Canceled, Err: ErrClosed}
	}
	st := s.state.Load()
	if st == nil {
		var err error
		if st, _, err = s.renew(ctx, 0); err != nil {
			return failure(ctx, err)
		}
	}
	res, forgot := s.call(ctx, st, r)
	if !forgot {
		return res
	}
	st, did, err := s.renew(ctx, st.gen)
	if err != nil {
		return failure(ctx, err)
	}
	res, _ = s.call(ctx, st, r)
	res.Reinitialized = did
	return res
}

// call sends r once with session state st. forgot reports that the server
// no longer knows the session.
func (s *Session) call(ctx context.Context, st *sessionState, r Request) (res Response, forgot bool) {
	ex := s.c.post(ctx, st, s.ids.Add(1), r.Method, r.Params)
	res = ex.Response
	switch {
	case res.Kind != outcome.OK:
		return res, ex.forgot
	case ex.msg.Error != nil:
		res.Kind, res.Err = outcome.JSONRPC(ex.msg.Error.Code), ex.msg.Error
		return res, false
	}
	res.Result = ex.msg.Result
	if r.Method == "tools/call" {
		if err := toolCallError(res.Result); errors.Is(err, ErrToolError) {
			res.Kind, res.Err = outcome.ToolError, err
		} else if err != nil {
			res.Kind, res.Err = outcome.Protocol, err
		}
	}
	return res, false
}

// renew makes sure the session has a generation newer than seen (0: no
// session yet) and returns its state. If no other caller has done so, it
// runs the handshake itself (did is then true); callers that arrive while
// a handshake is in flight wait for it and share its outcome, so
// concurrent callers cause one handshake.
func (s *Session) renew(ctx context.Context, seen uint64) (st *sessionState, did bool, err error) {
	for {
		s.mu.Lock()
		if s.closed.Load() {
			s.mu.Unlock()
			return nil, false, ErrClosed
		}
		if cur := s.state.Load(); cur.generation() != seen {
			s.mu.Unlock()
			return cur, false, nil // someone else renewed it
		}
		if r := s.renewal; r != nil {
			s.mu.Unlock()
			select {
			case <-r.done:
				if r.err != nil && !r.ctxDone {
					return nil, false, r.err
				}
				continue // renewed, or the renewer gave up: look again
			case <-ctx.Done():
				return nil, false, ctx.Err()
			}
		}
		r := &renewal{done: make(chan struct{})}
		s.renewal = r
		s.mu.Unlock()

		st, took, err := s.c.handshake(ctx, &s.ids)
		s.stats.handshake(took, err, seen != 0)

		s.mu.Lock()
		s.renewal = nil
		closed := s.closed.Load()
		if err == nil && !closed {
			st.gen = seen + 1
			s.state.Store(st)
		}
		s.mu.Unlock()
		r.err, r.ctxDone = err, ctx.Err() != nil
		close(r.done)

		switch {
		case err != nil:
			return nil, false, err
		case closed:
			// Close ran during the handshake: end the new server session too.
			s.c.delete(ctx, st)
			return nil, false, ErrClosed
		}
		return st, true, nil
	}
}

// Close ends the session with DELETE (skipped when the server gave no
// session id). 404 and 405 replies count as success. Later calls fail with
// ErrClosed; closing again does nothing and returns nil.
func (s *Session) Close(ctx context.Context) error {
	s.mu.Lock()
	if s.closed.Load() {
		s.mu.Unlock()
		return nil
	}
	s.closed.Store(true)
	st := s.state.Load()
	s.mu.Unlock()
	if st == nil || st.id == "" {
		return nil
	}
	return s.c.delete(ctx, st)
}

// failure is the Response of a call that could not be sent because its
// session could not be opened (err is an *OpenError) or was closed.
func failure(ctx context.Context, err error) Response {
	res := Response{Kind: kindOf(ctx, err), Err: err}
	var oe *OpenError
	if errors.As(err, &oe) {
		res.Status = oe.Status
	}
	return res
}
