package deploy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/reslua/reslua/breaker"
	"github.com/reslua/reslua/internal/fwdbody"
)

// DefaultSessionHeader is the request header that identifies a session
// for stickiness: MCP's session id.
const DefaultSessionHeader = "Mcp-Session-Id"

// maxRoutes bounds the number of routes (they are kept in 64-bit masks).
const maxRoutes = 64

// Router is a weighted reverse proxy over named routes. It listens on
// 127.0.0.1 (Start), or serves as an http.Handler (ServeHTTP), and sends
// each request to one route chosen by weight. Weights change at run time
// (SetWeights) without losing a request: the weights are swapped
// atomically, and a request keeps the route it was given when it arrived.
//
// Like httputil.ReverseProxy, a Router is configured by its fields, each
// of which has a usable zero value; set them before Start (or the first
// request) and do not change them afterwards. Its run-time state is
// changed through methods, which are safe for concurrent use.
//
// Each route may have a circuit breaker (Router.Breaker, Route.Breaker).
// While a route's breaker rejects calls, the requests the weights would
// have given it go to the other routes in proportion to their weights, as
// Envoy ejects an outlier; when every route with weight rejects, the router
// answers 503 with a body that says so. A 5xx reply or a transport error
// is a failure for the breaker, measured at the reply's headers (a long
// SSE stream is not a slow call); a request its client abandons says
// nothing about the backend and is ignored.
//
// The router streams: each chunk of a response with unknown length or of
// type text/event-stream is flushed to the client as it arrives. It keeps
// connections to backends alive, passes every end-to-end header both ways
// (Mcp-Session-Id included) and adds X-Forwarded-For, -Host and -Proto.
type Router struct {
	// Routes are the backends. Required: between 1 and 64, with distinct
	// names. They cannot change after the router starts.
	Routes []Route

	// Weights are the initial weights (see SetWeights). Zero (nil): the
	// first route gets all the traffic.
	Weights Weights

	// RequireSum100 makes the weights percentages: Validate and SetWeights
	// reject weights that do not sum to 100. Zero: any non-negative
	// weights with at least one above zero.
	RequireSum100 bool

	// Balance is how a route is chosen per request. Zero: RoundRobin
	// (smooth weighted round-robin).
	Balance Balance

	// Seed seeds the Random balance: the same seed gives the same
	// sequence of choices. Zero: the seed 0, which is as good as any.
	Seed uint64

	// Sticky keeps each session on one route: a request carrying
	// SessionHeader goes to the route that issued that session id (seen
	// in a reply) or that served the session before, for as long as that
	// route has weight and its breaker admits the request; otherwise the
	// session is balanced afresh and stays on its new route. SetSticky
	// changes it at run time, ForgetSessions drops every binding. Zero:
	// off, every request is balanced on its own.
	Sticky bool

	// SessionHeader names the header that carries the session id. Zero:
	// "Mcp-Session-Id".
	SessionHeader string

	// MaxSessions bounds the number of sticky sessions the router
	// remembers; beyond it, arbitrary sessions are forgotten (and
	// re-balanced on their next request). A DELETE that the backend
	// answers with a 2xx or 404 forgets its session. Zero: 100,000.
	MaxSessions int

	// Breaker configures a circuit breaker for every route whose own
	// Route.Breaker is nil. Each route gets its own breaker, named after
	// the route (Settings.Name + "/" + route name when Name is set); its
	// Clock defaults to the router's. Zero (nil): no breaker.
	Breaker *breaker.Settings

	// Classify maps a backend's reply status (0 with a transport error)
	// to the breaker outcome. It is not consulted for requests their
	// client abandoned, which are ignored. Zero (nil): a 5xx or a
	// transport error is a failure, a timeout error a timeout, anything
	// else a success. It does not change what Stats count as errors
	// (5xx replies and transport errors).
	Classify func(status int, err error) breaker.Outcome

	// Transport carries requests to the backends. Zero (nil): a clone of
	// http.DefaultTransport keeping up to 1024 idle connections per
	// backend, without transparent compression.
	Transport http.RoundTripper

	// Listen is the address Start listens on. Zero: "127.0.0.1:0" (a
	// free port on the loopback interface).
	Listen string

	// Clock dates breaker calls and times requests for the latencies in
	// Stats. Zero (nil): SystemClock.
	Clock Clock

	// ErrorLog receives errors the router cannot report otherwise
	// (failed accepts, aborted streams). Zero (nil): discarded; every
	// failed request is counted in Stats anyway.
	ErrorLog *log.Logger

	once    sync.Once
	initErr error
	routes  []*route
	byName  map[string]int
	table   atomic.Pointer[table]
	draws   atomic.Uint64
	sticky  atomic.Bool
	header  string
	sess    *sessions
	clock   Clock
	// unrouted counts requests answered 503 with every route ejected.
	unrouted atomic.Int64
	recs     sync.Pool

	mu     sync.Mutex
	ln     net.Listener
	srv    *http.Server
	closed bool
}

// Validate checks the router's fields and returns every problem, each
// naming its field.
func (r *Router) Validate() error {
	ps := problems{what: "router"}
	if len(r.Routes) == 0 {
		ps.add("Routes", "no routes: a router needs at least one")
	}
	if len(r.Routes) > maxRoutes {
		ps.add("Routes", fmt.Sprintf("%d routes, at most %d", len(r.Routes), maxRoutes))
	}
	seen := map[string]int{}
	names := make([]string, 0, len(r.Routes))
	for i, rt := range r.Routes {
		f := fmt.Sprintf("Routes[%d]", i)
		switch {
		case rt.Name == "":
			ps.add(f+".Name", "empty: every route needs a name")
		case seen[rt.Name] > 0:
			ps.add(f+".Name", fmt.Sprintf("%q is also the name of Routes[%d]", rt.Name, seen[rt.Name]-1))
		default:
			seen[rt.Name] = i + 1
		}
		names = append(names, rt.Name)
		if _, err := parseBackend(rt.URL); err != nil {
			ps.add(f+".URL", err.Error())
		}
		if rt.Breaker != nil {
			checkBreaker(&ps, f+".Breaker", *rt.Breaker)
		}
	}
	if r.Weights != nil {
		r.Weights.check(&ps, "Weights", names, r.RequireSum100)
	}
	if r.Balance > Random {
		ps.add("Balance", fmt.Sprintf("%v is not RoundRobin or Random", r.Balance))
	}
	if r.MaxSessions < 0 {
		ps.add("MaxSessions", fmt.Sprintf("%d is negative", r.MaxSessions))
	}
	if h := r.SessionHeader; h != "" && (strings.ContainsAny(h, " \t\r\n:") || !isASCII(h)) {
		ps.add("SessionHeader", fmt.Sprintf("%q is not a valid header name", h))
	}
	if r.Breaker != nil {
		checkBreaker(&ps, "Breaker", *r.Breaker)
	}
	if r.Listen != "" {
		if _, _, err := net.SplitHostPort(r.Listen); err != nil {
			ps.add("Listen", fmt.Sprintf("%q is not host:port: %v", r.Listen, err))
		}
	}
	return ps.err()
}

func isASCII(s string) bool {
	for i := range len(s) {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// checkBreaker reports breaker settings that breaker.New rejects.
func checkBreaker(ps *problems, field string, s breaker.Settings) {
	s.Registerer = nil
	s.Name = "check"
	if _, err := breaker.New(s); err != nil {
		ps.add(field, strings.TrimPrefix(err.Error(), `breaker "check": `))
	}
}

// parseBackend parses a route URL.
func parseBackend(raw string) (*url.URL, error) {
	if raw == "" {
		return nil, errors.New("empty: every route needs a backend URL")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%q is not a URL: %v", raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("%q: scheme %q, want http or https", raw, u.Scheme)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("%q has no host", raw)
	}
	return u, nil
}

// init validates the router and builds its run-time state, once.
func (r *Router) init() error {
	r.once.Do(func() { r.initErr = r.build() })
	return r.initErr
}

func (r *Router) build() error {
	if err := r.Validate(); err != nil {
		return err
	}
	r.clock = clockOr(r.Clock)
	r.header = r.SessionHeader
	if r.header == "" {
		r.header = DefaultSessionHeader
	}
	r.header = http.CanonicalHeaderKey(r.header)
	limit := r.MaxSessions
	if limit == 0 {
		limit = 100_000
	}
	r.sess = newSessions(limit)
	r.sticky.Store(r.Sticky)
	transport := r.Transport
	if transport == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConns = 0
		t.MaxIdleConnsPerHost = 1024
		t.DisableCompression = true
		transport = t
	}
	errorLog := r.ErrorLog
	if errorLog == nil {
		errorLog = log.New(io.Discard, "", 0)
	}
	bufs := &bufferPool{}
	r.byName = make(map[string]int, len(r.Routes))
	r.routes = make([]*route, len(r.Routes))
	for i, spec := range r.Routes {
		u, _ := parseBackend(spec.URL)
		rt := &route{name: spec.Name, url: u}
		rt.proxy = &httputil.ReverseProxy{
			Rewrite: func(pr *httputil.ProxyRequest) {
				pr.SetURL(u)
				pr.SetXForwarded()
			},
			Transport:    transport,
			BufferPool:   bufs,
			ErrorLog:     errorLog,
			ErrorHandler: r.proxyError,
		}
		settings := spec.Breaker
		name := spec.Name
		if settings == nil && r.Breaker != nil {
			settings = r.Breaker
			if settings.Name != "" {
				name = settings.Name + "/" + spec.Name
			}
		} else if settings != nil && settings.Name != "" {
			name = settings.Name
		}
		if settings != nil {
			s := *settings
			s.Name = name
			if s.Clock == nil {
				s.Clock = r.clock
			}
			b, err := breaker.New(s)
			if err != nil {
				return fmt.Errorf("deploy: route %q: %w", spec.Name, err)
			}
			rt.breaker = b
		}
		r.routes[i] = rt
		r.byName[spec.Name] = i
	}
	w := r.Weights
	if w == nil {
		w = Weights{r.Routes[0].Name: 100}
	}
	r.table.Store(newTable(r.weightSlice(w)))
	return nil
}

func (r *Router) weightSlice(w Weights) []int {
	ws := make([]int, len(r.routes))
	for name, v := range w {
		ws[r.byName[name]] = v
	}
	return ws
}

func (r *Router) routeNames() []string {
	names := make([]string, len(r.Routes))
	for i, rt := range r.Routes {
		names[i] = rt.Name
	}
	return names
}

// SetWeights replaces the weights at once: requests that arrive after it
// returns are balanced by w, requests already under way keep their route.
// A route w does not name gets weight zero. It returns a *ValidationError
// (and changes nothing) when a weight is negative, a name is unknown, no
// weight is above zero, or RequireSum100 is set and w does not sum to 100.
func (r *Router) SetWeights(w Weights) error {
	if err := r.init(); err != nil {
		return err
	}
	ps := problems{what: "weights"}
	w.check(&ps, "weights", r.routeNames(), r.RequireSum100)
	if err := ps.err(); err != nil {
		return err
	}
	r.table.Store(newTable(r.weightSlice(w)))
	return nil
}

// CurrentWeights returns the weights in force, every route named.
func (r *Router) CurrentWeights() Weights {
	if r.init() != nil {
		return nil
	}
	t := r.table.Load()
	w := make(Weights, len(r.routes))
	for i, rt := range r.routes {
		w[rt.name] = t.weights[i]
	}
	return w
}

// RouteBreaker returns the breaker of the route called name, or nil when
// the route has none or does not exist. Use it for the breaker's
// transitions and metrics.
func (r *Router) RouteBreaker(name string) *breaker.Breaker {
	if r.init() != nil {
		return nil
	}
	i, ok := r.byName[name]
	if !ok {
		return nil
	}
	return r.routes[i].breaker
}

// RouteURL returns the backend URL of the route called name, and whether
// there is such a route.
func (r *Router) RouteURL(name string) (string, bool) {
	for _, rt := range r.Routes {
		if rt.Name == name {
			return rt.URL, true
		}
	}
	return "", false
}

// SetSticky turns session stickiness on or off at run time. Turning it off
// keeps the bindings (turning it back on restores them); requests are
// balanced one by one meanwhile, which, against servers that keep session
// state, sends sessions to servers that do not know them: a re-initialize
// storm, on purpose.
func (r *Router) SetSticky(on bool) {
	if r.init() == nil {
		r.sticky.Store(on)
	}
}

// ForgetSessions drops every sticky binding, as a load balancer that
// restarts would, and returns how many there were. Each session is
// balanced afresh on its next request.
func (r *Router) ForgetSessions() int {
	if r.init() != nil {
		return 0
	}
	return r.sess.clear()
}

// Sessions returns the number of sticky sessions the router remembers.
func (r *Router) Sessions() int {
	if r.init() != nil {
		return 0
	}
	return r.sess.len()
}

// Start listens on Listen (127.0.0.1:0 by default) and serves in the
// background until Close or Shutdown. ctx bounds the start only. It
// returns the validation error, ErrStarted, ErrClosed or the listen
// error.
func (r *Router) Start(ctx context.Context) error {
	if err := r.init(); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return ErrClosed
	}
	if r.ln != nil {
		return ErrStarted
	}
	addr := r.Listen
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("deploy: router listen: %w", err)
	}
	errorLog := r.ErrorLog
	if errorLog == nil {
		errorLog = log.New(io.Discard, "", 0)
	}
	r.ln = ln
	r.srv = &http.Server{
		Handler:           r,
		ReadHeaderTimeout: 30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          errorLog,
	}
	go r.srv.Serve(ln) //nolint:errcheck // ends with Close or Shutdown
	return nil
}

// Addr returns the address the router listens on ("127.0.0.1:port"), or
// "" before Start.
func (r *Router) Addr() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ln == nil {
		return ""
	}
	return r.ln.Addr().String()
}

// URL returns the router's base URL ("http://127.0.0.1:port"), or ""
// before Start.
func (r *Router) URL() string {
	if a := r.Addr(); a != "" {
		return "http://" + a
	}
	return ""
}

// Close stops the router at once: it closes the listener and every
// connection, cutting requests under way. Requests the router served are
// all in Stats.
func (r *Router) Close() error {
	r.mu.Lock()
	srv := r.srv
	r.closed = true
	r.mu.Unlock()
	var err error
	if srv != nil {
		err = srv.Close()
	}
	r.closeIdle()
	return err
}

// Shutdown stops the router gracefully: it stops accepting, lets requests
// under way finish, and returns when they have or when ctx is done.
func (r *Router) Shutdown(ctx context.Context) error {
	r.mu.Lock()
	srv := r.srv
	r.closed = true
	r.mu.Unlock()
	var err error
	if srv != nil {
		err = srv.Shutdown(ctx)
	}
	r.closeIdle()
	return err
}

func (r *Router) closeIdle() {
	if r.init() != nil || len(r.routes) == 0 {
		return
	}
	if c, ok := r.routes[0].proxy.Transport.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// ServeHTTP sends req to a route chosen by weight and copies the reply
// back, counting and timing it.
func (r *Router) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if err := r.init(); err != nil {
		http.Error(w, "reslua router: "+err.Error(), http.StatusInternalServerError)
		return
	}
	begin := r.clock.Now()
	var sid string
	if r.sticky.Load() {
		sid = req.Header.Get(r.header)
	}
	idx, tok, ok := r.choose(r.table.Load(), sid)
	if !ok {
		r.unrouted.Add(1)
		r.ejected(w)
		return
	}
	rt := r.routes[idx]
	rt.counters.requests.Add(1)
	rec := r.recorder()
	rec.start(r, w, req, idx, tok, sid, begin)
	defer func() {
		if p := recover(); p != nil {
			rec.abort()
			panic(p)
		}
		rec.finish()
		r.recs.Put(rec)
	}()
	// A streamed reply must not cut the request: see internal/fwdbody.
	fwdbody.Prepare(w, req, true)
	rt.proxy.ServeHTTP(rec, req)
}

// choose picks the route for a request: the session's route when it is
// sticky and still eligible, else one drawn by weight among the routes
// whose breaker admits the request. It returns false when none does.
func (r *Router) choose(t *table, sid string) (int, breaker.Token, bool) {
	mask := t.positive
	if sid != "" {
		if i, ok := r.sess.get(sid); ok && mask&(1<<i) != 0 {
			tok, err := r.allow(i)
			if err == nil {
				return i, tok, true
			}
			mask &^= 1 << i
		}
	}
	first := true
	for mask != 0 {
		var i int
		switch {
		case r.Balance == Random:
			i = t.random(mask, splitmix64(r.Seed, r.draws.Add(1)))
		case first:
			// The full table's sequence keeps the exact split while no
			// route is ejected.
			i = t.sequence(t.positive).pick()
			if mask&(1<<i) == 0 {
				i = t.sequence(mask).pick()
			}
		default:
			i = t.sequence(mask).pick()
		}
		first = false
		tok, err := r.allow(i)
		if err == nil {
			if sid != "" {
				r.sess.bind(sid, i)
			}
			return i, tok, true
		}
		mask &^= 1 << i
	}
	return 0, breaker.Token{}, false
}

// allow asks route i's breaker, counting a rejection as a diversion.
func (r *Router) allow(i int) (breaker.Token, error) {
	b := r.routes[i].breaker
	if b == nil {
		return breaker.Token{}, nil
	}
	tok, err := b.Allow()
	if err != nil {
		r.routes[i].counters.diverted.Add(1)
	}
	return tok, err
}

// ejected answers a request no route could take.
func (r *Router) ejected(w http.ResponseWriter) {
	t := r.table.Load()
	var parts []string
	for i, rt := range r.routes {
		if t.weights[i] > 0 && rt.breaker != nil {
			parts = append(parts, fmt.Sprintf("%s (weight %d): circuit %v", rt.name, t.weights[i], rt.breaker.Stats().State))
		}
	}
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Reslua-Router", "all-routes-ejected")
	w.WriteHeader(http.StatusServiceUnavailable)
	fmt.Fprintf(w, "reslua router: %v; no backend can take this request: %s\n", ErrAllEjected, strings.Join(parts, "; "))
}

// proxyError answers a request whose backend could not be reached or
// failed before replying.
func (r *Router) proxyError(w http.ResponseWriter, req *http.Request, err error) {
	rec, ok := w.(*recorder)
	if ok {
		rec.err = err
	}
	name := "?"
	if ok {
		name = r.routes[rec.route].name + " (" + r.routes[rec.route].url.String() + ")"
	}
	h := w.Header()
	clear(h)
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Reslua-Router", "backend-error")
	w.WriteHeader(http.StatusBadGateway)
	fmt.Fprintf(w, "reslua router: route %s: %v\n", name, err)
}

// outcome classifies a reply for the breaker.
func (r *Router) outcome(status int, err error) breaker.Outcome {
	if r.Classify != nil {
		return r.Classify(status, err)
	}
	switch {
	case err != nil && (errors.Is(err, context.DeadlineExceeded) || isTimeout(err)):
		return breaker.OutcomeTimeout
	case err != nil || status >= 500:
		return breaker.OutcomeFailure
	}
	return breaker.OutcomeSuccess
}

func isTimeout(err error) bool {
	var te interface{ Timeout() bool }
	return errors.As(err, &te) && te.Timeout()
}

// bufferPool lends ReverseProxy its copy buffers.
type bufferPool struct{ p sync.Pool }

func (b *bufferPool) Get() []byte {
	if v := b.p.Get(); v != nil {
		return *v.(*[]byte)
	}
	return make([]byte, 32*1024)
}

func (b *bufferPool) Put(buf []byte) { b.p.Put(&buf) }
