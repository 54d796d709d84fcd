package demo

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log"
	"math"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// closeTimeout bounds how long Close waits for open connections to finish.
const closeTimeout = 5 * time.Second

// Server is a running demo MCP server. Its zero value is not usable; get
// one from Start. Its methods are safe for concurrent use.
type Server struct {
	opts   Options
	ln     net.Listener
	http   *http.Server
	origin string

	counts *counters
	posts  atomic.Int64 // POSTs to /mcp, for Options.ErrorRate

	// gen is the MCP side of the server. ForgetSessions replaces it, so a
	// request either reaches the old generation (and its sessions) or the
	// new one (which knows none of them).
	gen atomic.Pointer[generation]

	// fresh holds the connections that have not sent a request yet.
	// Shutdown would wait five seconds for them (clients dial spare
	// connections they may never use), so Close closes them itself.
	freshMu sync.Mutex
	fresh   map[net.Conn]struct{}

	served    chan struct{} // closed when http.Serve returns
	closeOnce sync.Once
	closeErr  error
}

// generation is one MCP server with its Streamable HTTP handler.
type generation struct {
	mcp     *mcp.Server
	handler http.Handler
	stop    chan struct{} // closed when the generation ends
	endOnce sync.Once
}

// Start listens on 127.0.0.1 on a free port and serves until Close. ctx
// bounds the listen only; cancelling it later does not stop the server.
func Start(ctx context.Context, opts Options) (*Server, error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Server{
		opts:   opts,
		ln:     ln,
		origin: "http://" + ln.Addr().String(),
		fresh:  make(map[net.Conn]struct{}),
		served: make(chan struct{}),
		counts: newCounters(),
	}
	s.gen.Store(s.newGeneration())

	health, err := json.Marshal(map[string]string{"status": "ok", "version": opts.version()})
	if err != nil {
		ln.Close()
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/mcp", func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && !s.misbehave(w, r) {
			return
		}
		s.gen.Load().handler.ServeHTTP(w, r)
	})
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(health)
	})
	s.http = &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          log.New(io.Discard, "", 0),
		ConnState:         s.trackFresh,
	}
	go func() {
		defer close(s.served)
		s.http.Serve(ln) // always returns an error; ErrServerClosed after Close
	}()
	return s, nil
}

// misbehave applies Options.Latency and Options.ErrorRate to one POST. It
// returns false when it answered the request itself.
func (s *Server) misbehave(w http.ResponseWriter, r *http.Request) bool {
	if d := s.opts.Latency; d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return false
		}
	}
	if rate := s.opts.ErrorRate; rate > 0 {
		n := float64(s.posts.Add(1))
		if math.Floor(n*rate) > math.Floor((n-1)*rate) {
			s.counts.add(func(st *Stats) { st.Failed++ })
			http.Error(w, "demo: failing on purpose (error_rate)", http.StatusServiceUnavailable)
			return false
		}
	}
	return true
}

// newGeneration builds a fresh MCP server and handler that know no sessions.
func (s *Server) newGeneration() *generation {
	g := &generation{stop: make(chan struct{})}
	g.mcp = mcp.NewServer(
		&mcp.Implementation{Name: s.opts.name(), Version: s.opts.version()},
		&mcp.ServerOptions{PageSize: s.opts.PageSize, SupportedProtocolVersions: s.opts.ProtocolVersions},
	)
	g.mcp.AddReceivingMiddleware(s.countMethods)
	tb := &toolbox{stop: g.stop, counts: s.counts, dependency: s.opts.Dependency}
	tb.register(g.mcp)
	registerContent(g.mcp)
	hopts := &mcp.StreamableHTTPOptions{
		Stateless:    s.opts.Stateless,
		JSONResponse: s.opts.JSON,
	}
	if s.opts.Resumable {
		hopts.EventStore = mcp.NewMemoryEventStore(nil)
	}
	g.handler = mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return g.mcp }, hopts)
	return g
}

// countMethods is receiving middleware that counts the messages Stats
// reports.
func (s *Server) countMethods(next mcp.MethodHandler) mcp.MethodHandler {
	return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
		switch method {
		case "initialize":
			s.counts.add(func(st *Stats) { st.Initializes++ })
		case "notifications/cancelled":
			s.counts.add(func(st *Stats) { st.Cancels++ })
		}
		return next(ctx, method, req)
	}
}

// end stops the generation's slow calls and closes its sessions. Calls
// after the first do nothing.
func (g *generation) end() {
	g.endOnce.Do(func() {
		close(g.stop)
		for ss := range g.mcp.Sessions() {
			ss.Close()
		}
	})
}

// trackFresh keeps s.fresh up to date and counts connections; it is the
// http.Server's ConnState hook.
func (s *Server) trackFresh(c net.Conn, state http.ConnState) {
	if state == http.StateNew {
		s.counts.add(func(st *Stats) { st.Connections++ })
	}
	s.freshMu.Lock()
	defer s.freshMu.Unlock()
	if state == http.StateNew {
		s.fresh[c] = struct{}{}
	} else {
		delete(s.fresh, c)
	}
}

// URL returns the MCP endpoint, "http://127.0.0.1:PORT/mcp".
func (s *Server) URL() string { return s.origin + "/mcp" }

// Origin returns "http://127.0.0.1:PORT", the base of /mcp and /health.
func (s *Server) Origin() string { return s.origin }

// ForgetSessions drops every session at once, as a restarted server would:
// later requests that carry an old Mcp-Session-Id get 404 and the client
// must initialize again. Calls in flight on old sessions end early.
func (s *Server) ForgetSessions() {
	old := s.gen.Swap(s.newGeneration())
	old.end()
}

// Close stops the server: it ends every session and in-flight call, then
// shuts the listener and connections down, waiting at most a few seconds
// for connections to go idle. Calling Close again returns the first result.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		s.gen.Load().end()
		s.ln.Close() // no new connections from here on
		s.freshMu.Lock()
		for c := range s.fresh {
			c.Close()
		}
		s.freshMu.Unlock()

		ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
		defer cancel()
		err := s.http.Shutdown(ctx)
		switch {
		case errors.Is(err, net.ErrClosed): // the listener, closed above
			err = nil
		case errors.Is(err, context.DeadlineExceeded):
			err = s.http.Close()
		}
		<-s.served
		s.closeErr = err
	})
	return s.closeErr
}
