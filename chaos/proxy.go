package chaos

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync"
	"sync/atomic"
)

// Proxy is a fault-injecting proxy in front of one target. Set its fields,
// call Start, point clients at Addr (or URL) instead of the target, then
// Add and Remove faults while traffic flows. The exported fields are read
// by Start and must not change afterwards. A Proxy must not be copied
// after first use.
//
// With no fault active, a request takes a lock-free check of an empty
// list on its way through. Add, Remove and the expiry of a timed fault
// swap the list of active faults atomically, so they are safe while
// traffic flows; a request or connection already on its way keeps the
// faults it drew.
//
// A fault never outlives the proxy's run: Remove, RemoveAll, the end of
// its Duration, the cancellation of the context given to Start and Close
// each remove it, and removing a fault releases whatever it holds (a
// blackholed or delayed request goes on to the target, a paced or slowly
// closed stream goes on at full speed).
type Proxy struct {
	// Name names the proxy in events (and is mixed into the seed, so that
	// two proxies with the same faults draw independently). Zero: "".
	Name string

	// Scope says what the proxy decides on: PerRequest (an HTTP reverse
	// proxy) or PerConnection (a TCP proxy). Required: the zero value is
	// invalid.
	Scope Scope

	// Target is what the proxy forwards to. PerRequest: an http or https
	// URL, as in "http://127.0.0.1:8080/mcp"; only its scheme and host are
	// used to forward (each request keeps its own path and query), and
	// URL returns the proxy's address with the target's path, so it can
	// stand in for the target's URL. PerConnection: a host:port, as in
	// "127.0.0.1:5432". Required.
	Target string

	// Listen is the address to listen on. Zero: "127.0.0.1:0", a free
	// port on the loopback interface.
	Listen string

	// Seed seeds every random choice (the run's --seed). A fault's
	// choices depend only on Seed, Name, the fault's ID and the ordinal
	// of the request or connection, so equal seeds repeat a run exactly.
	// Zero: 0, a seed like any other.
	Seed uint64

	// Clock is the source of time for delays, pacing, cuts and timed
	// faults. Zero (nil): SystemClock.
	Clock Clock

	// Transport sends requests to the target (PerRequest only). Zero
	// (nil): a transport of the proxy's own, which keeps up to 1024 idle
	// connections to the target, ignores proxy environment variables and
	// passes Accept-Encoding through untouched.
	Transport http.RoundTripper

	// DialContext connects to the target (PerConnection only). Zero
	// (nil): a net.Dialer with a 30 s timeout.
	DialContext func(ctx context.Context, network, address string) (net.Conn, error)

	// PeekLimit is how many bytes of a request body the proxy reads to
	// find its JSON-RPC method, tool name and id, when a fault needs them;
	// a longer body never matches such a fault (and is forwarded intact).
	// Zero: 1 MiB.
	PeekLimit int64

	// OnEvent is called for every change to the proxy's faults (added,
	// active, removed), in order and never concurrently, outside the
	// proxy's lock: it may call Add, Remove and Faults, but not Close.
	// Close returns after every event has been delivered. Zero (nil):
	// none.
	OnEvent func(Event)

	// ErrorLog receives errors the proxy cannot report otherwise (a
	// target that cannot be reached, for instance). Zero (nil): they are
	// discarded.
	ErrorLog *log.Logger

	mu       sync.Mutex
	started  bool
	closed   bool
	canceled bool
	seq      int
	entries  []*entry // every fault held, pending or active, in Add order
	active   atomic.Pointer[snapshot]
	events   dispatcher

	clock     Clock
	peekLimit int64
	target    *url.URL
	run       context.Context // the context given to Start
	life      context.Context // done when the proxy closes
	stop      context.CancelFunc
	unhook    func() bool // stops watching the Start context
	ln        net.Listener
	wg        sync.WaitGroup // timed faults, the accept loop, TCP connections

	// PerRequest
	srv       *http.Server
	rp        *httputil.ReverseProxy
	ownTransp *http.Transport

	// PerConnection
	connMu sync.Mutex
	conns  map[net.Conn]struct{}
	dial   func(ctx context.Context, network, address string) (net.Conn, error)
}

// Validate reports every problem with the proxy's fields, as a
// *ValidationError naming each field, or nil.
func (p *Proxy) Validate() error {
	var pr problems
	if !p.Scope.valid() {
		pr.add("Scope", "missing; want PerRequest (HTTP, decides per request) or PerConnection (TCP, decides per connection)")
	}
	switch {
	case p.Target == "":
		pr.add("Target", "missing; want the URL (PerRequest) or host:port (PerConnection) to forward to")
	case p.Scope == PerRequest:
		u, err := url.Parse(p.Target)
		switch {
		case err != nil:
			pr.add("Target", fmt.Sprintf("%q is not a URL: %v", p.Target, err))
		case u.Scheme != "http" && u.Scheme != "https":
			pr.add("Target", fmt.Sprintf("%q is not an http or https URL", p.Target))
		case u.Host == "":
			pr.add("Target", fmt.Sprintf("%q has no host", p.Target))
		}
	case p.Scope == PerConnection:
		if _, port, err := net.SplitHostPort(p.Target); err != nil || port == "" {
			pr.add("Target", fmt.Sprintf("%q is not a host:port", p.Target))
		}
	}
	if p.Listen != "" {
		if _, _, err := net.SplitHostPort(p.Listen); err != nil {
			pr.add("Listen", fmt.Sprintf("%q is not a host:port", p.Listen))
		}
	}
	if p.PeekLimit < 0 {
		pr.add("PeekLimit", fmt.Sprintf("%d is negative; want zero (1 MiB) or more", p.PeekLimit))
	}
	return pr.err(fmt.Sprintf("proxy %q", p.Name))
}

// Start validates the proxy, listens, and serves in the background until
// Close. It returns once the proxy accepts connections. When ctx is done,
// the proxy removes every fault (ReasonCanceled) and refuses new ones, but
// goes on forwarding traffic until Close, so that a graceful stop passes
// in-flight requests through without faults.
func (p *Proxy) Start(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case p.closed:
		return ErrClosed
	case p.started:
		return ErrStarted
	}
	if err := p.Validate(); err != nil {
		return err
	}
	p.clock = p.Clock
	if p.clock == nil {
		p.clock = SystemClock
	}
	p.peekLimit = p.PeekLimit
	if p.peekLimit == 0 {
		p.peekLimit = 1 << 20
	}
	p.events.init(p.OnEvent)
	addr := p.Listen
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("chaos: proxy %q: %w", p.Name, err)
	}
	p.ln = ln
	p.run = ctx
	p.life, p.stop = context.WithCancel(context.WithoutCancel(ctx))
	p.started = true
	switch p.Scope {
	case PerRequest:
		p.target, _ = url.Parse(p.Target)
		p.startHTTP()
	case PerConnection:
		p.startTCP()
	}
	p.unhook = context.AfterFunc(ctx, p.cancelFaults)
	return nil
}

// Addr returns the address the proxy listens on, as in "127.0.0.1:43127";
// "" before Start.
func (p *Proxy) Addr() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln == nil {
		return ""
	}
	return p.ln.Addr().String()
}

// URL returns the URL clients use instead of the target's: for
// PerRequest, "http://" + Addr() + the target's path (so a target of
// "http://host:8080/mcp" gives "http://127.0.0.1:43127/mcp"); for
// PerConnection, "tcp://" + Addr(). "" before Start.
func (p *Proxy) URL() string {
	addr := p.Addr()
	switch {
	case addr == "":
		return ""
	case p.Scope == PerRequest:
		return "http://" + addr + p.target.EscapedPath()
	}
	return "tcp://" + addr
}

// Close removes every fault (ReasonClosed), drops whatever they hold,
// stops listening and closes every connection. It returns when every event
// has been delivered and the proxy's own goroutines (timed faults, TCP
// relays) have ended; an HTTP handler still running sees its request's
// context done and returns at once. It may be called more than once, and
// before Start.
func (p *Proxy) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	if !p.started {
		p.mu.Unlock()
		return nil
	}
	// Cancel first: held traffic sees the proxy closing, not its fault
	// ending, and is dropped instead of forwarded.
	p.stop()
	p.removeAllLocked(ReasonClosed)
	p.mu.Unlock()
	p.events.flush()
	p.unhook()

	var err error
	switch p.Scope {
	case PerRequest:
		err = p.srv.Close()
		if p.ownTransp != nil {
			p.ownTransp.CloseIdleConnections()
		}
	case PerConnection:
		err = p.ln.Close()
		p.closeConns()
	}
	p.wg.Wait()
	p.events.drain()
	return err
}

// logf logs to ErrorLog, if set.
func (p *Proxy) logf(format string, args ...any) {
	if p.ErrorLog != nil {
		p.ErrorLog.Printf("chaos: proxy %q: "+format, append([]any{p.Name}, args...)...)
	}
}

// discardLog is a logger for the standard library's error logs when
// ErrorLog is nil.
var discardLog = log.New(io.Discard, "", 0)

func (p *Proxy) stdLog() *log.Logger {
	if p.ErrorLog != nil {
		return p.ErrorLog
	}
	return discardLog
}
