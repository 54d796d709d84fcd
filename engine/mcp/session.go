package mcp

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

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
	send  sender          // the Client's, or that of a transport of the session's own
	own   *http.Transport // the session's own transport, if any; closed with the session
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

// call sends r once with session state st. forgot reports that the server
// no longer knows the session.
func (s *Session) call(ctx context.Context, st *sessionState, r *Request) (res Response, forgot bool) {
	id := s.ids.Add(1)
	ex := s.c.post(ctx, s.send, st, id, r)
	res = ex.Response
	switch {
	case res.Kind != outcome.OK:
		if ex.sent && ctx.Err() != nil && !st.modern {
			s.cancel(st, id, ctx.Err())
		}
		return res, ex.forgot
	case ex.msg.Error != nil:
		res.Kind, res.Err = outcome.JSONRPC(ex.msg.Error.Code), ex.msg.Error
		return res, false
	}
	res.Result = ex.msg.Result
	if inputRequired(res.Result) {
		res.Kind, res.Err = KindInputRequired, ErrInputRequired
	} else if r.Method == "tools/call" {
		if err := toolCallError(res.Result); errors.Is(err, ErrToolError) {
			res.Kind, res.Err = outcome.ToolError, err
		} else if err != nil {
			res.Kind, res.Err = outcome.Protocol, err
		}
	}
	return res, false
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
		s.c.post(ctx, s.c.send, st, -1, &r)
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

		st, took, shook, err := s.c.handshake(ctx, s.send, &s.ids)
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

		switch {
		case err != nil:
			return nil, false, took, err
		case closed:
			// Close ran during the handshake: end the new server session too.
			if st.id != "" {
				s.stats.deleted(s.c.delete(ctx, s.send, st))
				s.closeConns()
			}
			return nil, false, took, ErrClosed
		}
		return st, true, took, nil
	}
}

// Close ends the session with DELETE (skipped when the server gave no
// session id). 404 and 405 replies count as success. Later calls fail with
// ErrClosed; closing again does nothing and returns nil.
func (s *Session) Close(ctx context.Context) error {
	st, ok := s.markClosed()
	if !ok {
		return nil
	}
	defer s.closeConns()
	if st == nil || st.id == "" {
		return nil
	}
	err := s.c.delete(ctx, s.send, st)
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
	st, ok := s.markClosed()
	if !ok {
		return ""
	}
	s.closeConns()
	if st == nil || st.id == "" {
		return ""
	}
	s.stats.leftOpen()
	return st.id
}

// markClosed marks s closed and returns its state; ok is false if it was
// closed already.
func (s *Session) markClosed() (st *sessionState, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed.Load() {
		return nil, false
	}
	s.closed.Store(true)
	return s.state.Load(), true
}

// closeConns closes the idle connections of the session's own transport.
func (s *Session) closeConns() {
	if s.own != nil {
		s.own.CloseIdleConnections()
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
