package deploy

import (
	"bufio"
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/reslua/reslua/breaker"
)

// recorder is the ResponseWriter the router hands its route's proxy. It
// sees the reply's status as the proxy writes it, and then counts the
// request, reports the outcome to the route's breaker (at the headers,
// so a long stream is not a slow call) and binds the reply's session id.
// When the proxy is done (finish, abort) it records the request's
// latency, unless its client abandoned it. Flush, Hijack and the rest
// reach the client's writer through Unwrap (http.ResponseController).
type recorder struct {
	http.ResponseWriter
	r      *Router
	req    *http.Request
	route  int
	tok    breaker.Token
	sid    string    // the request's session id when sticky, else ""
	begin  time.Time // when the router received the request
	err    error     // the transport error the proxy reported
	status int       // the final status written, 0 before
	failed bool      // counted as an error
	gone   bool      // counted as canceled
}

func (r *Router) recorder() *recorder {
	if v := r.recs.Get(); v != nil {
		return v.(*recorder)
	}
	return &recorder{}
}

func (rec *recorder) start(r *Router, w http.ResponseWriter, req *http.Request, route int, tok breaker.Token, sid string, begin time.Time) {
	*rec = recorder{ResponseWriter: w, r: r, req: req, route: route, tok: tok, sid: sid, begin: begin}
}

func (rec *recorder) Unwrap() http.ResponseWriter { return rec.ResponseWriter }

func (rec *recorder) WriteHeader(code int) {
	if rec.status == 0 && (code >= 200 || code == http.StatusSwitchingProtocols) {
		rec.settle(code)
	}
	rec.ResponseWriter.WriteHeader(code)
}

func (rec *recorder) Write(b []byte) (int, error) {
	if rec.status == 0 {
		rec.settle(http.StatusOK)
	}
	return rec.ResponseWriter.Write(b)
}

// FlushError flushes the client's writer; ReverseProxy's
// http.ResponseController finds it before Flush and Unwrap.
func (rec *recorder) FlushError() error {
	switch f := rec.ResponseWriter.(type) {
	case interface{ FlushError() error }:
		return f.FlushError()
	case http.Flusher:
		f.Flush()
		return nil
	}
	return http.NewResponseController(rec.ResponseWriter).Flush()
}

// Flush and Hijack are here for callers that type-assert instead of
// using http.ResponseController.
func (rec *recorder) Flush() { _ = rec.FlushError() }

func (rec *recorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return http.NewResponseController(rec.ResponseWriter).Hijack()
}

// canceled reports whether the client abandoned the request.
func (rec *recorder) canceled() bool {
	return rec.req.Context().Err() != nil
}

// settle records the reply's status (or transport error): counters,
// breaker, session binding.
func (rec *recorder) settle(code int) {
	rec.status = code
	r, rt := rec.r, rec.r.routes[rec.route]
	defer rt.counters.answered.Add(1) // after errors or canceled
	if rec.err != nil && rec.canceled() {
		rec.gone = true
		rt.counters.canceled.Add(1)
		if rt.breaker != nil {
			rt.breaker.Record(rec.tok, breaker.OutcomeIgnored, 0)
		}
		return
	}
	if rec.err != nil || code >= 500 {
		rec.failed = true
		rt.counters.errors.Add(1)
	}
	if rt.breaker != nil {
		st := code
		if rec.err != nil {
			st = 0
		}
		end := r.clock.Now()
		rt.breaker.RecordAt(rec.tok, r.outcome(st, rec.err), end.Sub(rec.begin), end)
	}
	if !r.sticky.Load() || rec.err != nil {
		return
	}
	if rec.req.Method == http.MethodDelete && rec.sid != "" && (code < 300 || code == http.StatusNotFound) {
		r.sess.forget(rec.sid)
		return
	}
	if id := rec.Header().Get(r.header); id != "" && id != rec.sid {
		r.sess.bind(id, rec.route)
	}
}

// finish is called when the proxy returned, the reply copied to the
// client's writer: a request that wrote nothing is answered 200 by
// net/http.
func (rec *recorder) finish() {
	if rec.status == 0 {
		rec.settle(http.StatusOK)
	}
	rec.measure()
	*rec = recorder{}
}

// abort is called when the proxy panicked, which it does to cut a reply
// whose body it could not copy (http.ErrAbortHandler): the client saw a
// truncated reply, an error, unless it left first.
func (rec *recorder) abort() {
	rt := rec.r.routes[rec.route]
	switch {
	case rec.status == 0:
		rec.err = errors.New("reply aborted")
		rec.settle(http.StatusBadGateway)
	case rec.failed, rec.gone:
	case rec.canceled():
		rec.gone = true
		rt.counters.canceled.Add(1)
	default:
		rec.failed = true
		rt.counters.errors.Add(1)
	}
	rec.measure()
}

// measure records the request's latency in its route's histogram, from its
// arrival to now, unless it was counted as canceled: an abandoned request
// ends when its client leaves, which says nothing of the backend.
func (rec *recorder) measure() {
	if !rec.gone {
		rec.r.routes[rec.route].latency.record(rec.r.clock.Now().Sub(rec.begin))
	}
}
