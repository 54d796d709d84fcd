package mcp

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/reslua/reslua/engine/httpc"
	"github.com/reslua/reslua/engine/outcome"
)

// Session is one MCP session on a Client's target. It is safe for
// concurrent use; calls on it run in parallel. The zero value is not
// usable; get one from Client.Open or use a Pool.
//
// In the 2026-07-28 era a Session has no server side: it is a channel of
// requests (with its own connection in a Pool that gives sessions one),
// and opening or closing it sends nothing.
type Session struct {
	c     *Client
	own   via             // connections of the session's own (an httpc.Client or a net/http sender); zero: the Client's
	ownTr *http.Transport // the session's own net/http transport, if any; closed with the session
	stats *stats          // the pool's counters; nil outside a pool
	ids   atomic.Int64    // the last JSON-RPC id sent

	// state is the server session in use; nil until the first handshake.
	// Each handshake stores a new state with the next generation.
	state atomic.Pointer[sessionState]

	mu      sync.Mutex  // guards renewal and the writes of closed
	renewal *renewal    // the handshake in flight, if any
	closed  atomic.Bool // set by Close and Abandon
}

// sessionState is what a handshake established. It never changes once
// stored.
type sessionState struct {
	gen          uint64   // 1 for the first handshake, then +1 per re-initialization
	id           string   // Mcp-Session-Id; "" for a stateless server or era
	idValue      []string // {id}, or nil when id is ""; shared by every request's header
	versionValue []string // {protocol version}
	modern       bool     // the 2026-07-28 era: _meta and Mcp-* headers on every request
	meta         []byte   // the client's _meta members (2026-07-28 era); nil otherwise

	// httpc: the head of every POST with this state (Client.prepare).
	tpl    *httpc.Template
	tplErr error
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

// renewal is one handshake (or era detection) in flight, which other
// callers wait for.
type renewal struct {
	done    chan struct{} // closed when the handshake ends
	err     error         // the handshake's error; set before done is closed
	ctxDone bool          // the handshake failed because its caller's ctx ended
}

// ID returns the session's Mcp-Session-Id: "" for a stateless server, the
// 2026-07-28 era or a session not open yet.
func (s *Session) ID() string {
	if st := s.state.Load(); st != nil {
		return st.id
	}
	return ""
}

// ProtocolVersion returns the protocol revision in use: the one the server
// chose in initialize, or 2026-07-28; "" for a session not open yet.
func (s *Session) ProtocolVersion() string {
	if st := s.state.Load(); st != nil {
		return st.versionValue[0]
	}
	return ""
}

// Do sends r on the session and returns how it ended; see Response. If
// the server has forgotten the session, Do initializes it again and
// retries r once. A session that is not open yet (in a Pool) is opened
// first; if that fails, the Response carries the open's Kind. If ctx ends
// before the response, a legacy-era session tells the server with
// notifications/cancelled (in the background, best effort); in the
// 2026-07-28 era closing the stream is the cancellation.
func (s *Session) Do(ctx context.Context, r Request) Response {
	if s.closed.Load() {
		return Response{Kind: outcome.Canceled, Err: ErrClosed}
	}
	var init time.Duration
	st := s.state.Load()
	if st == nil {
		var err error
		if st, _, init, err = s.renew(ctx, 0); err != nil {
			res := failure(ctx, err)
			res.Init = init
			return res
		}
	}
	res, forgot := s.call(ctx, st, &r)
	res.Init = init
	if !forgot {
		return res
	}
	st, did, took, err := s.renew(ctx, st.gen)
	init += took
	if err != nil {
		res := failure(ctx, err)
		res.Init = init
		return res
	}
	res, _ = s.call(ctx, st, &r)
	res.Reinitialized = did
	res.Init = init
	return res
}

// via returns how the session's exchanges go: over its own connections,
// or the Client's.
func (s *Session) via() via {
	if s.own.hc != nil || s.own.send != nil {
		return s.own
	}
	return s.c.shared()
}

// call sends r once with session state st. forgot reports that the server
// no longer knows the session.
func (s *Session) call(ctx context.Context, st *sessionState, r *Request) (res Response, forgot bool) {
	id := s.ids.Add(1)
	ex := s.c.post(ctx, s.via(), st, id, r, true)
	if ex.Kind != outcome.OK && ex.sent && !ex.answered && !st.modern {
		if err := ctx.Err(); err != nil {
			s.cancel(st, id, err)
		} else if ex.Kind == outcome.Timeout { // Client.Timeout
			s.cancel(st, id, ex.Err)
		}
	}
	return ex.Response, ex.forgot
}

// cancel tells the server, in the background, that the request numbered
// id on session st is abandoned (legacy era: notifications/cancelled).
// It is best effort: bounded in time, sent over the Client's shared
// connections, and not sent at all when too many are in flight already.
func (s *Session) cancel(st *sessionState, id int64, why error) {
	select {
	case s.c.cancels <- struct{}{}:
	default:
		return
	}
	s.stats.cancelSent()
	go func() {
		defer func() { <-s.c.cancels }()
		ctx, stop := context.WithTimeout(context.Background(), cancelTimeout)
		defer stop()
		p := strconv.AppendInt([]byte(`{"requestId":`), id, 10)
		p = append(p, `,"reason":`...)
		p = appendString(p, why.Error())
		p = append(p, '}')
		r := Request{Method: "notifications/cancelled", Params: p}
		s.c.post(ctx, s.c.shared(), st, -1, &r, false)
	}()
}

// renew makes sure the session has a generation newer than seen (0: no
// session yet) and returns its state. If no other caller has done so, it
// runs the handshake itself (did is then true, and took is how long it
// took); callers that arrive while a handshake is in flight wait for it
// and share its outcome, so concurrent callers cause one handshake.
func (s *Session) renew(ctx context.Context, seen uint64) (st *sessionState, did bool, took time.Duration, err error) {
	for {
		s.mu.Lock()
		if s.closed.Load() {
			s.mu.Unlock()
			return nil, false, 0, ErrClosed
		}
		if cur := s.state.Load(); cur.generation() != seen {
			s.mu.Unlock()
			return cur, false, 0, nil // someone else renewed it
		}
		if r := s.renewal; r != nil {
			s.mu.Unlock()
			select {
			case <-r.done:
				if r.err != nil && !r.ctxDone {
					return nil, false, 0, r.err
				}
				continue // renewed, or the renewer gave up: look again
			case <-ctx.Done():
				return nil, false, 0, ctx.Err()
			}
		}
		r := &renewal{done: make(chan struct{})}
		s.renewal = r
		s.mu.Unlock()

		st, took, shook, err := s.c.handshake(ctx, s.via(), &s.ids)
		if shook || err != nil {
			s.stats.handshake(took, err, seen != 0)
		}

		s.mu.Lock()
		s.renewal = nil
		closed := s.closed.Load()
		if err == nil && !closed {
			st.gen = seen + 1
			s.state.Store(st)
			s.stats.version(st)
		}
		s.mu.Unlock()
		r.err, r.ctxDone = err, ctx.Err() != nil
		close(r.done)

		if closed {
			// Close or Abandon ran during the handshake and left the
			// session's connections to this call: end the new server
			// session too, then close them.
			if err == nil && st.id != "" {
				s.stats.deleted(s.c.delete(ctx, s.via(), st))
			}
			s.closeConns()
			if err == nil {
				err = ErrClosed
			}
			return nil, false, took, err
		}
		if err != nil {
			return nil, false, took, err
		}
		return st, true, took, nil
	}
}

// Close ends the session with DELETE (skipped when the server gave no
// session id). 404 and 405 replies count as success. Later calls fail with
// ErrClosed; closing again does nothing and returns nil.
func (s *Session) Close(ctx context.Context) error {
	st, renewing, ok := s.markClosed()
	if !ok {
		return nil
	}
	if !renewing {
		defer s.closeConns()
	}
	if st == nil || st.id == "" {
		return nil
	}
	err := s.c.delete(ctx, s.via(), st)
	s.stats.deleted(err)
	return err
}

// Abandon closes the session without ending it on the server (no DELETE),
// leaving it behind the way a crashed or careless client does, to test
// how a server copes with session leaks. It returns the id of the session
// left open ("" if none: a stateless server or era, or a session not open
// yet). Later calls fail with ErrClosed; the server may still be sent
// requests with that id by other means.
func (s *Session) Abandon() string {
	st, renewing, ok := s.markClosed()
	if !ok {
		return ""
	}
	if !renewing {
		s.closeConns()
	}
	if st == nil || st.id == "" {
		return ""
	}
	s.stats.leftOpen()
	return st.id
}

// markClosed marks s closed and returns its state; ok is false if it was
// closed already. renewing reports a handshake in flight, which then
// closes the session's connections when it ends (see renew), so that
// its exchanges and the DELETE of the server session it opens can
// finish (a closed httpc.Client sends nothing more).
func (s *Session) markClosed() (st *sessionState, renewing, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed.Load() {
		return nil, false, false
	}
	s.closed.Store(true)
	return s.state.Load(), s.renewal != nil, true
}

// closeConns closes the connections of the session's own: its
// httpc.Client (connections in use close when their calls end) or the
// idle connections of its net/http transport.
func (s *Session) closeConns() {
	if s.own.hc != nil {
		s.own.hc.Close()
		s.c.retire(s.own.hc.Stats())
	}
	if s.ownTr != nil {
		s.ownTr.CloseIdleConnections()
	}
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
