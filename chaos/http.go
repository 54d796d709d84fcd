package chaos

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"sync"
	"sync/atomic"
	"time"

	"github.com/reslua/reslua/internal/fwdbody"
)

// forwardedHeaders are passed to the target as the client sent them: the
// proxy is meant to be invisible, and httputil.ReverseProxy's Rewrite
// drops them by default.
var forwardedHeaders = [...]string{"Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto"}

func (p *Proxy) startHTTP() {
	transport := p.Transport
	if transport == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.Proxy = nil
		t.MaxIdleConns = 0
		t.MaxIdleConnsPerHost = 1024
		t.DisableCompression = true
		p.ownTransp = t
		transport = t
	}
	target := p.target
	p.rp = &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.Out.URL.Scheme = target.Scheme
			pr.Out.URL.Host = target.Host
			pr.Out.URL.RawQuery = pr.In.URL.RawQuery
			pr.Out.Host = ""
			for _, h := range forwardedHeaders {
				if v, ok := pr.In.Header[h]; ok {
					pr.Out.Header[h] = v
				}
			}
		},
		Transport:      transport,
		ErrorLog:       p.stdLog(),
		BufferPool:     bufferPool{},
		ModifyResponse: p.modifyResponse,
		ErrorHandler:   p.proxyError,
	}
	p.srv = &http.Server{
		Handler:     http.HandlerFunc(p.serveHTTP),
		BaseContext: func(net.Listener) context.Context { return p.life },
		ErrorLog:    p.stdLog(),
	}
	go func() { _ = p.srv.Serve(p.ln) }()
}

// serveHTTP is the proxy's handler. With no fault active it is the
// reverse proxy and nothing else.
func (p *Proxy) serveHTTP(w http.ResponseWriter, r *http.Request) {
	s := p.active.Load()
	if s == nil {
		// A streamed reply must not cut the request: see
		// internal/fwdbody.
		fwdbody.Prepare(w, r, true)
		p.rp.ServeHTTP(w, r)
		return
	}
	var rpc *rpcMessage
	if s.needRPC {
		rpc = peekRPC(r, p.peekLimit)
	}
	var pl plan
	hits := 0
	for _, e := range s.entries {
		if e.ctx.Err() != nil || !e.match.matchHTTP(r, rpc) {
			continue
		}
		if e.needCall && (rpc == nil || rpc.ID == nil) {
			continue
		}
		if e.decide(PerRequest, &pl) {
			hits++
			if pl.terminal() {
				break
			}
		}
	}
	if hits == 0 {
		fwdbody.Prepare(w, r, true)
		p.rp.ServeHTTP(w, r)
		return
	}
	ctx := r.Context()
	for i := range pl.before {
		if wait(ctx, p.clock, &pl.before[i]) != nil {
			// The client gave up or the proxy is closing: answer nothing.
			panic(http.ErrAbortHandler)
		}
	}
	switch {
	case pl.reset:
		resetHTTP(w)
	case pl.respond != nil:
		pl.respond(w, rpc)
	default:
		p.forward(w, r, &pl)
	}
}

// resetHTTP resets the request's connection.
func resetHTTP(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	resetConn(conn)
}

// resetConn closes c with a TCP RST.
func resetConn(c net.Conn) {
	if l, ok := c.(interface{ SetLinger(int) error }); ok {
		_ = l.SetLinger(0)
	}
	_ = c.Close()
}

// reqPlan is a plan on its way through the reverse proxy, which hands it
// to modifyResponse and proxyError in the request's context.
type reqPlan struct {
	*plan
	// cutByTime is set when a cut's After ran out.
	cutByTime atomic.Bool
}

type planKey struct{}

func planOf(r *http.Request) *reqPlan {
	rp, _ := r.Context().Value(planKey{}).(*reqPlan)
	return rp
}

// forward sends r to the target with the plan's response-side faults.
func (p *Proxy) forward(w http.ResponseWriter, r *http.Request, pl *plan) {
	rp := &reqPlan{plan: pl}
	ctx, cancel := context.WithCancel(context.WithValue(r.Context(), planKey{}, rp))
	defer cancel()
	start := p.clock.Now()
	for _, c := range pl.cuts {
		if c.after > 0 {
			go p.cutAfter(ctx, c, start.Add(c.after), func() {
				rp.cutByTime.Store(true)
				cancel()
			})
		}
	}
	down, up := newMeters(p.clock, pl)
	// A paced upload is read from the client at its pace, not first.
	fwdbody.Prepare(w, r, up.empty())
	if !up.empty() && r.Body != nil && r.Body != http.NoBody {
		r.Body = &pacedBody{ReadCloser: r.Body, ctx: ctx, m: &up}
	}
	rw := w
	if !down.empty() {
		rw = &meteredWriter{ResponseWriter: w, ctx: ctx, m: &down, flush: len(down.pacers) > 0}
	}
	p.rp.ServeHTTP(rw, r.WithContext(ctx))
	if len(pl.closing) > 0 {
		_ = http.NewResponseController(w).Flush()
		for i := range pl.closing {
			if wait(r.Context(), p.clock, &pl.closing[i]) != nil {
				panic(http.ErrAbortHandler)
			}
		}
	}
}

// cutAfter calls cut at t unless ctx ends or c's fault is removed first.
func (p *Proxy) cutAfter(ctx context.Context, c cut, t time.Time, cut func()) {
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(c.fault, cancel)
	defer stop()
	if p.clock.SleepUntil(wctx, t) == nil {
		cut()
	}
}

// modifyResponse applies response delays, and makes a slowly closed
// response open-ended so that the client waits for its end.
func (p *Proxy) modifyResponse(res *http.Response) error {
	rp := planOf(res.Request)
	if rp == nil {
		return nil
	}
	ctx := res.Request.Context()
	for i := range rp.response {
		if err := wait(ctx, p.clock, &rp.response[i]); err != nil {
			return err
		}
	}
	if len(rp.closing) > 0 {
		res.Header.Del("Content-Length")
		res.ContentLength = -1
	}
	return nil
}

// proxyError answers when the target cannot be reached (or a fault cut
// the exchange before the response).
func (p *Proxy) proxyError(w http.ResponseWriter, r *http.Request, err error) {
	if rp := planOf(r); rp != nil && rp.cutByTime.Load() {
		panic(http.ErrAbortHandler)
	}
	if errors.Is(err, context.Canceled) {
		// The client is gone, or the proxy is closing.
		panic(http.ErrAbortHandler)
	}
	p.logf("%s %s: %v", r.Method, r.URL.Path, err)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusBadGateway)
	_, _ = io.WriteString(w, "chaos proxy: target unreachable\n")
}

// errCut ends a response that a cut fault truncated; the reverse proxy
// then aborts the handler, which closes the connection.
var errCut = errors.New("chaos: connection cut by fault")

// meteredWriter paces and cuts a response body.
type meteredWriter struct {
	http.ResponseWriter
	ctx   context.Context
	m     *meter
	flush bool // flush every chunk, so that pacing shows on the wire
}

func (w *meteredWriter) Write(b []byte) (int, error) {
	n, cut, err := w.m.pass(w.ctx, b, func(c []byte) (int, error) {
		n, err := w.ResponseWriter.Write(c)
		if err == nil && w.flush {
			err = http.NewResponseController(w.ResponseWriter).Flush()
		}
		return n, err
	})
	if err != nil {
		return n, err
	}
	if cut {
		// Send what passed before the connection goes.
		_ = http.NewResponseController(w.ResponseWriter).Flush()
		return n, errCut
	}
	return n, nil
}

// FlushError flushes the underlying writer (for http.ResponseController).
func (w *meteredWriter) FlushError() error {
	return http.NewResponseController(w.ResponseWriter).Flush()
}

// Unwrap returns the underlying writer (for http.ResponseController).
func (w *meteredWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// pacedBody paces a request body.
type pacedBody struct {
	io.ReadCloser
	ctx context.Context
	m   *meter
}

func (b *pacedBody) Read(p []byte) (int, error) {
	for _, pc := range b.m.pacers {
		if pc.fault.Err() == nil {
			p = p[:min(len(p), pc.chunk())]
		}
	}
	n, err := b.ReadCloser.Read(p)
	if n > 0 {
		// The bytes are handed on at their turn.
		for _, pc := range b.m.pacers {
			if werr := pc.turn(b.ctx); werr != nil {
				return 0, werr
			}
			pc.sent += int64(n)
		}
	}
	return n, err
}

// bufferPool lends the reverse proxy its copy buffers.
type bufferPool struct{}

var copyBuffers = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

func (bufferPool) Get() []byte { return *copyBuffers.Get().(*[]byte) }

func (bufferPool) Put(b []byte) { copyBuffers.Put(&b) }
