package mcp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/reslua/reslua/engine/httpc"
	"github.com/reslua/reslua/engine/outcome"
)

// Header names of the Streamable HTTP transport, in canonical form.
const (
	sessionHeader = "Mcp-Session-Id"
	versionHeader = "Mcp-Protocol-Version" // MCP-Protocol-Version in the spec; HTTP names ignore case
	methodHeader  = "Mcp-Method"           // 2026-07-28 era
	nameHeader    = "Mcp-Name"             // 2026-07-28 era
)

// Bounds of the notifications/cancelled the client sends when a call's
// context ends before its response (legacy era).
const (
	cancelTimeout  = 2 * time.Second // per notification
	maxCancelsSent = 64              // in flight per Client; more are not sent
)

// sender sends one HTTP request: http.Client.Do or a transport's RoundTrip.
type sender func(*http.Request) (*http.Response, error)

// via is how an exchange reaches the target: an httpc.Client, or a
// net/http sender when hc is nil.
type via struct {
	hc   *httpc.Client
	send sender
}

// dialTimeout bounds a dial within the context, for both transports.
const dialTimeout = 30 * time.Second

// Client is one MCP target. Set its fields before the first call and leave
// them alone after; then it is safe for concurrent use. It must not be
// copied after first use. The zero value has no URL and fails every call.
//
// Which HTTP client sends the requests:
//
//	URL http://, HTTP nil    engine/httpc, reslua's lean HTTP/1.1 client: request heads
//	                         encoded once per session, no goroutine per connection, no
//	                         allocation per exchange but the result's copy
//	URL https://, HTTP nil   net/http, a keep-alive transport of the Client's own
//	HTTP set                 net/http with HTTP, whatever the scheme: a caller who sets
//	                         it wants its transport (proxy, TLS, dial hooks)
type Client struct {
	// URL is the MCP endpoint, e.g. "http://127.0.0.1:8080/mcp"; required.
	URL string
	// HTTP, if set, sends every request through net/http with this
	// client (see above). nil: httpc for http:// URLs; for https:// a
	// keep-alive transport of the Client's own (no proxy, no redirects,
	// up to 1024 idle connections), used without http.Client's
	// per-request header copies. A Pool that gives each session its own
	// connection clones HTTP's *http.Transport (or the Client's own) per
	// session; an HTTP with another RoundTripper makes sessions share it.
	// On httpc such a pool gives each session an httpc.Client of its own.
	HTTP *http.Client
	// ProtocolVersion picks the protocol revision, and with it the era:
	//
	//	"" or VersionAuto  detect the era on first use and keep the answer (see Detect)
	//	"2026-07-28"       the stateless era: no handshake; _meta, MCP-Protocol-Version,
	//	                   Mcp-Method and Mcp-Name on every request
	//	"2025-03-26", "2025-06-18", "2025-11-25"
	//	                   the legacy era: the revision asked for in initialize; the
	//	                   server's answer is what the session then uses
	ProtocolVersion string
	// ClientName and ClientVersion are the clientInfo of initialize (and
	// of _meta in the 2026-07-28 era); zero: "reslua" and "dev".
	ClientName, ClientVersion string
	// Header holds extra headers sent on every request (an Authorization
	// token, say); nil: none.
	Header http.Header
	// Timeout bounds each HTTP exchange, from sending the request to the
	// end of its reply, within the context of the call; the failure is
	// outcome.Timeout (and, in the legacy era, the request is cancelled
	// with notifications/cancelled). A caller that sets it can pass a
	// long-lived context to Do instead of a context.WithTimeout per call,
	// which on httpc saves that context's allocations and its cancel
	// watch. A call that re-initializes its session makes several
	// exchanges, each bounded. Zero: only the context bounds them.
	Timeout time.Duration
	// Now is the clock that times handshakes and the time to the
	// response; nil: time.Now.
	Now func() time.Time

	once   sync.Once
	url    *url.URL // URL, parsed
	urlErr error    // why URL does not parse

	// httpc (native): the origin, the request target, the shared client
	// and what every POST carries.
	native     bool
	addr, path string
	hc         atomic.Pointer[httpc.Client] // the shared one; replaced by CloseIdleConnections
	postHeader [][2]string                  // Content-Type, Accept and Header
	initTpl    *httpc.Template              // POST without session state (initialize)
	initErr    error                        // why initTpl could not be made
	resps      sync.Pool                    // *httpc.Response, recycled

	// net/http.
	send   sender      // HTTP.Do or the own transport's RoundTrip
	header http.Header // Content-Type, Accept and Header, built once
	// base is the transport cloned for sessions with connections of their
	// own; nil when HTTP's RoundTripper is not an *http.Transport.
	base   *http.Transport
	bufs   buffers
	origin httpc.Origin // shared by the httpc clients of every session

	eraMu     sync.Mutex
	era       atomic.Pointer[era] // nil until known
	detecting *renewal            // the detection in flight, if any; guarded by eraMu
	probes    atomic.Int64        // server/discover probes sent

	cancels chan struct{} // a token per notifications/cancelled in flight

	// Connection counts of httpc.Clients closed so far (the shared ones
	// replaced by CloseIdleConnections, sessions' own); see ConnStats.
	retiredDials, retiredReconnects, retiredReplays atomic.Int64
}

// setup fills the derived fields on first use.
func (c *Client) setup() {
	c.once.Do(func() {
		c.url, c.urlErr = url.Parse(c.URL)
		if c.urlErr == nil && (c.url.Scheme != "http" && c.url.Scheme != "https" || c.url.Host == "") {
			c.urlErr = fmt.Errorf("%w: %q", ErrURL, c.URL)
		}
		c.header = http.Header{
			"Content-Type": {"application/json"},
			"Accept":       {"application/json, text/event-stream"},
		}
		for k, v := range c.Header {
			c.header[http.CanonicalHeaderKey(k)] = v
		}
		switch {
		case c.urlErr == nil && c.HTTP == nil && c.url.Scheme == "http":
			c.native = true
			c.addr = c.url.Host
			if c.url.Port() == "" {
				c.addr = net.JoinHostPort(c.url.Hostname(), "80")
			}
			c.path = c.url.RequestURI()
			c.hc.Store(c.newHTTPC(0))
			c.postHeader = sortedHeader(c.header)
			c.initTpl, c.initErr = httpc.NewTemplate(http.MethodPost, c.path, c.postHeader...)
		case c.HTTP == nil:
			c.base = &http.Transport{
				DialContext:         (&net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second}).DialContext,
				MaxIdleConns:        0, // no limit
				MaxIdleConnsPerHost: 1024,
				IdleConnTimeout:     90 * time.Second,
			}
			c.send = c.base.RoundTrip
		case c.HTTP.Transport == nil:
			c.base, _ = http.DefaultTransport.(*http.Transport)
			c.send = c.HTTP.Do
		default:
			c.base, _ = c.HTTP.Transport.(*http.Transport)
			c.send = c.HTTP.Do
		}
		c.cancels = make(chan struct{}, maxCancelsSent)
		if v := c.ProtocolVersion; v != "" && v != VersionAuto {
			c.era.Store(c.newEra(v))
		}
	})
}

// newHTTPC returns an httpc.Client to the Client's origin with read
// buffers of readSize bytes (0: httpc's default). It has no bound on
// connections: calls in flight at once each have one, as with any
// HTTP/1.1 client.
func (c *Client) newHTTPC(readSize int) *httpc.Client {
	return &httpc.Client{
		Addr:           c.addr,
		Host:           c.url.Host,
		DialTimeout:    dialTimeout,
		Timeout:        c.Timeout,
		ReadBufferSize: readSize,
		Origin:         &c.origin,
	}
}

// sortedHeader returns h's fields as httpc wants them: Content-Type and
// Accept first, then the others by name.
func sortedHeader(h http.Header) [][2]string {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	rank := func(k string) int {
		switch k {
		case "Content-Type":
			return 0
		case "Accept":
			return 1
		}
		return 2
	}
	slices.SortFunc(keys, func(a, b string) int {
		if ra, rb := rank(a), rank(b); ra != rb {
			return ra - rb
		}
		return strings.Compare(a, b)
	})
	var fields [][2]string
	for _, k := range keys {
		for _, v := range h[k] {
			fields = append(fields, [2]string{k, v})
		}
	}
	return fields
}

// shared returns how calls over the Client's shared connections go.
func (c *Client) shared() via {
	if c.native {
		return via{hc: c.hc.Load()}
	}
	return via{send: c.send}
}

// CloseIdleConnections closes the idle connections of the Client's own
// shared transport (httpc, or the net/http transport it made; never
// those of Client.HTTP), e.g. at the end of a run; the Client stays
// usable and dials anew. Sessions with connections of their own close
// them at Session.Close or Pool.Close. On httpc, a call that starts at
// the very moment of this call may fail with outcome.Canceled.
func (c *Client) CloseIdleConnections() {
	c.setup()
	switch {
	case c.native:
		old := c.hc.Swap(c.newHTTPC(0))
		old.Close()
		c.retire(old.Stats())
	case c.HTTP == nil && c.base != nil:
		c.base.CloseIdleConnections()
	}
}

// ConnStats counts the connections the Client's calls went over on httpc
// (http:// URLs without Client.HTTP): those of its shared connections and
// those of sessions with connections of their own, counted when the
// session closes. Reconnects are kept-alive connections the server had
// closed, found before writing on them and replaced (see httpc.Stats).
// On net/http it stays zero.
func (c *Client) ConnStats() httpc.Stats {
	c.setup()
	st := httpc.Stats{Dials: c.retiredDials.Load(), Reconnects: c.retiredReconnects.Load(), Replays: c.retiredReplays.Load()}
	if hc := c.hc.Load(); hc != nil {
		cur := hc.Stats()
		st.Dials += cur.Dials
		st.Reconnects += cur.Reconnects
		st.Replays += cur.Replays
	}
	return st
}

// retire adds the counts of an httpc.Client closed for good to ConnStats.
func (c *Client) retire(st httpc.Stats) {
	c.retiredDials.Add(st.Dials)
	c.retiredReconnects.Add(st.Reconnects)
	c.retiredReplays.Add(st.Replays)
}

// prepare builds st's request template when the Client sends over httpc:
// the Client's headers with st's Mcp-Session-Id and MCP-Protocol-Version
// (which replace any the Client's Header has, as they do on net/http). It
// is called once per state, before the state is shared.
func (c *Client) prepare(st *sessionState) *sessionState {
	if c.native {
		st.tpl, st.tplErr = httpc.NewTemplate(http.MethodPost, c.path, c.stateHeader(st)...)
	}
	return st
}

// stateHeader returns the headers of a request with session state st.
func (c *Client) stateHeader(st *sessionState) [][2]string {
	h := make([][2]string, 0, len(c.postHeader)+2)
	for _, f := range c.postHeader {
		switch k := http.CanonicalHeaderKey(f[0]); {
		case k == versionHeader, k == sessionHeader && st.id != "",
			st.modern && (k == methodHeader || k == nameHeader):
			continue
		}
		h = append(h, f)
	}
	if st.id != "" {
		h = append(h, [2]string{sessionHeader, st.id})
	}
	return append(h, [2]string{"MCP-Protocol-Version", st.versionValue[0]})
}

// sessionBufferSize is the size of the read buffer (and, on net/http,
// the write buffer) of a connection of a session's own (unless the
// Client's transport sets them), against 4 KiB by default: an idle
// connection costs less, which counts at 10,000 sessions. Bodies larger
// than the buffer bypass it anyway.
const sessionBufferSize = 1 << 10

// ownVia returns how a session with connections of its own sends: an
// httpc.Client of its own, or a net/http transport cloned from the
// Client's (see ownSender), returned too so that it can be closed.
func (c *Client) ownVia() (via, *http.Transport) {
	c.setup()
	if c.native {
		return via{hc: c.newHTTPC(sessionBufferSize)}, nil
	}
	send, tr := c.ownSender()
	return via{send: send}, tr
}

// ownSender returns a sender with a transport of its own, cloned from the
// Client's, that keeps at most one idle connection (with small buffers,
// see sessionBufferSize); and that transport, to close its connections
// when done. Without a transport to clone it returns the Client's sender
// and nil.
func (c *Client) ownSender() (sender, *http.Transport) {
	c.setup()
	if c.base == nil {
		return c.send, nil
	}
	tr := c.base.Clone()
	tr.MaxIdleConnsPerHost = 1
	if tr.ReadBufferSize == 0 {
		tr.ReadBufferSize = sessionBufferSize
	}
	if tr.WriteBufferSize == 0 {
		tr.WriteBufferSize = sessionBufferSize
	}
	if c.HTTP == nil {
		return tr.RoundTrip, tr
	}
	hc := &http.Client{Transport: tr, CheckRedirect: c.HTTP.CheckRedirect, Jar: c.HTTP.Jar, Timeout: c.HTTP.Timeout}
	return hc.Do, tr
}

type initializeParams struct {
	ProtocolVersion string         `json:"protocolVersion"`
	Capabilities    struct{}       `json:"capabilities"`
	ClientInfo      implementation `json:"clientInfo"`
}

type implementation struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

func or(s, zero string) string {
	if s == "" {
		return zero
	}
	return s
}

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// Open starts a session over the Client's shared connections: in the
// legacy era initialize, then notifications/initialized; in the 2026-07-28
// era nothing goes over the wire (but the era detection, once per
// Client). A failure is an *OpenError saying how the failing exchange
// ended.
func (c *Client) Open(ctx context.Context) (*Session, error) {
	c.setup()
	s := &Session{c: c}
	if _, _, _, err := s.renew(ctx, 0); err != nil {
		return nil, err
	}
	return s, nil
}

// handshake opens a new server session through v and returns its state,
// how long the handshake took and whether there was one (there is none in
// the 2026-07-28 era). ids numbers the initialize request.
func (c *Client) handshake(ctx context.Context, v via, ids *atomic.Int64) (st *sessionState, took time.Duration, shook bool, err error) {
	c.setup()
	e, err := c.detect(ctx)
	if err != nil {
		return nil, 0, false, err
	}
	if e.modern {
		st := *e.state // each session numbers its own generations
		return &st, 0, false, nil
	}
	start := c.now()
	init := Request{Method: "initialize", Params: e.initParams}
	ex := c.post(ctx, v, nil, ids.Add(1), &init, false)
	if ex.Kind != outcome.OK {
		return nil, 0, true, &OpenError{Kind: ex.Kind, Status: ex.Status, Err: ex.Err}
	}
	if e := ex.msg.Error; e != nil {
		return nil, 0, true, &OpenError{Kind: outcome.JSONRPC(e.Code), Status: ex.Status, Err: e}
	}
	var res struct {
		ProtocolVersion string `json:"protocolVersion"`
	}
	if err := json.Unmarshal(ex.msg.Result, &res); err != nil || res.ProtocolVersion == "" {
		err = fmt.Errorf("%w: initialize result without protocolVersion", ErrProtocol)
		return nil, 0, true, &OpenError{Kind: outcome.Protocol, Status: ex.Status, Err: err}
	}
	st = c.prepare(newSessionState(ex.sessionID, res.ProtocolVersion))

	initialized := Request{Method: "notifications/initialized"}
	ex = c.post(ctx, v, st, -1, &initialized, false)
	if ex.Kind != outcome.OK {
		return nil, 0, true, &OpenError{Kind: ex.Kind, Status: ex.Status, Err: ex.Err}
	}
	return st, c.now().Sub(start), true, nil
}

// exchange is what one POST brought back.
type exchange struct {
	// Response: for a call (see post), how it ended, Result included;
	// otherwise Kind is OK when a well-formed reply was read and Result is
	// unset.
	Response
	msg       message // not a call: the JSON-RPC response (Result a copy); for an HTTP error, the JSON-RPC error in its body if any
	sessionID string  // the reply's Mcp-Session-Id header (read for requests without session state only)
	forgot    bool    // the reply says the server no longer knows the session
	sent      bool    // the request went to the transport (it may have reached the server)
	answered  bool    // a JSON-RPC response (or an HTTP error status) came back
}

// post sends one JSON-RPC message through v with st's headers (st may be
// nil: no session) and reads the reply: the response to id for a request
// (id ≥ 0), a 2xx status for a notification (id < 0). With call set, the
// response is judged as a call's (see Session.Do) into ex.Response, whose
// Result is a copy unless r.NoResult; otherwise it is left in ex.msg.
func (c *Client) post(ctx context.Context, v via, st *sessionState, id int64, r *Request, call bool) exchange {
	c.setup()
	if c.urlErr != nil {
		return exchange{Response: Response{Kind: outcome.Other, Err: c.urlErr}}
	}
	if err := ctx.Err(); err != nil {
		return exchange{Response: Response{Kind: outcome.Of(err), Err: err}}
	}
	var (
		t    *template
		meta []byte
	)
	if st != nil {
		meta = st.meta
	}
	if len(meta) > 0 || r.Progress && id >= 0 {
		var err error
		if t, err = r.template(); err != nil {
			return exchange{Response: Response{Kind: outcome.Other, Err: err}}
		}
	}
	if v.hc != nil {
		return c.postHTTPC(ctx, v.hc, st, id, r, t, meta, call)
	}
	if c.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.Timeout)
		defer cancel()
	}
	bp := c.bufs.get()
	*bp = appendRequest((*bp)[:0], id, r, t, meta)
	req := c.newRequest(ctx, http.MethodPost, *bp, st, t)

	start := c.now()
	resp, err := v.send(req)
	if err != nil {
		// The transport may still be reading the body: do not recycle it.
		return exchange{Response: Response{Kind: kindOf(ctx, err), Err: err}, sent: !isDialError(err)}
	}
	defer func() {
		drain(resp.Body)
		c.bufs.put(bp) // the transport is done with the request once the body is closed
	}()

	ex := exchange{sessionID: resp.Header.Get(sessionHeader), sent: true}
	ex.Status = resp.StatusCode
	ex.FirstByte = c.now().Sub(start)
	readReply(c, ctx, v, &ex, st, id, r, call, resp.Body, resp.Header.Get("Content-Type"), start)
	return ex
}

// postHTTPC is post over httpc: the session state's Template, the
// JSON-RPC bytes as the body, Mcp-Method and Mcp-Name per request in the
// 2026-07-28 era, and a recycled Response whose body is read as it comes.
func (c *Client) postHTTPC(ctx context.Context, hc *httpc.Client, st *sessionState, id int64, r *Request, t *template, meta []byte, call bool) exchange {
	tpl, err := c.initTpl, c.initErr
	if st != nil {
		tpl, err = st.tpl, st.tplErr
	}
	if err != nil {
		return exchange{Response: Response{Kind: outcome.Other, Err: err}}
	}
	bp := c.bufs.get()
	defer c.bufs.put(bp) // httpc is done with the body when Do returns
	*bp = appendRequest((*bp)[:0], id, r, t, meta)
	req := httpc.Request{Template: tpl, Body: *bp, Replayable: replayable(r.Method)}
	if st != nil && st.modern && t != nil {
		req.Header = t.header
	}
	resp := c.response()
	defer c.recycle(resp)

	start := c.now()
	if err := hc.Do(ctx, &req, resp); err != nil {
		err = protocolError(err)
		return exchange{Response: Response{Kind: kindOf(ctx, err), Err: err}, sent: httpcSent(err)}
	}
	ex := exchange{sent: true}
	if st == nil {
		ex.sessionID = resp.Get(sessionHeader)
	}
	ex.Status = resp.Status
	ex.FirstByte = resp.FirstByte
	readReply(c, ctx, via{hc: hc}, &ex, st, id, r, call, &resp.Body, resp.Header("Content-Type"), start)
	return ex
}

// readReply reads the reply to r, a POST through v whose status and
// first-byte time are in ex, from body, whose Content-Type is contentType
// (a string from net/http, bytes from httpc), and sets the rest of ex; see
// post. Requests the server sends on the stream are answered through v.
func readReply[S ~string | ~[]byte](c *Client, ctx context.Context, v via, ex *exchange, st *sessionState, id int64, r *Request, call bool, body io.Reader, contentType S, start time.Time) {
	switch code := ex.Status; {
	case code >= 400:
		var text string
		ex.Kind, ex.Err, ex.msg.Error, text = readError(body, code)
		ex.Total = ex.FirstByte
		ex.answered = true
		ex.forgot = st != nil && st.id != "" &&
			(code == http.StatusNotFound || code == http.StatusBadRequest && strings.Contains(strings.ToLower(text), "session"))
	case id < 0:
		ex.Kind = outcome.OK
		ex.Total = ex.FirstByte
		if code != http.StatusAccepted && code != http.StatusOK && code != http.StatusNoContent {
			ex.Kind, ex.Err = outcome.Protocol, fmt.Errorf("%w: status %d to a notification", ErrProtocol, code)
		}
	default:
		rb := replyBufs{pool: &c.bufs}
		defer rb.release()
		sn := seen{c: c, ctx: ctx, v: v, st: st}
		m, err := readMessage(body, contentType, id, maxReply, call && r.NoResult, &rb, &sn)
		ex.Progress, ex.ServerRequests = sn.progress, sn.requests
		if err != nil {
			err = protocolError(err)
			ex.Kind, ex.Err = kindOf(ctx, err), fmt.Errorf("status %d: %w", code, err)
			if ex.Kind == outcome.Protocol {
				ex.Body = replyStart(&rb)
			}
			return
		}
		ex.Kind, ex.Total, ex.answered = outcome.OK, c.now().Sub(start), true
		switch {
		case !call:
			ex.msg = message{Result: bytes.Clone(m.Result), Error: m.Error}
		case m.Error != nil:
			ex.Kind, ex.Err = outcome.JSONRPC(m.Error.Code), m.Error
		default:
			ex.Kind, ex.Err = judge(m.Result, r.Method)
			if !r.NoResult {
				ex.Result = bytes.Clone(m.Result)
			}
		}
	}
}

// maxBodyShown bounds Response.Body.
const maxBodyShown = 256

// replyStart returns a copy of the start of what rb holds of a reply
// that broke the framing: the SSE event's data, else the body.
func replyStart(rb *replyBufs) []byte {
	for _, p := range [...]*[]byte{rb.data, rb.body} {
		if p != nil && len(*p) > 0 {
			return bytes.Clone((*p)[:min(len(*p), maxBodyShown)])
		}
	}
	return nil
}

// judge tells how a call whose response carries result ended: OK, or an
// input_required result, or a tools/call result with isError (or not an
// object).
func judge(result json.RawMessage, method string) (outcome.Kind, error) {
	if inputRequired(result) {
		return KindInputRequired, ErrInputRequired
	}
	if method == "tools/call" {
		if err := toolCallError(result); errors.Is(err, ErrToolError) {
			return outcome.ToolError, err
		} else if err != nil {
			return outcome.Protocol, err
		}
	}
	return outcome.OK, nil
}

// response returns a recycled httpc.Response.
func (c *Client) response() *httpc.Response {
	if r, ok := c.resps.Get().(*httpc.Response); ok {
		return r
	}
	return new(httpc.Response)
}

// recycle ends resp's exchange and keeps resp for another: the rest of
// the body is read (up to maxDrain) so that the connection can carry the
// next request, or the connection is closed.
func (c *Client) recycle(resp *httpc.Response) {
	resp.Discard(maxDrain)
	resp.Close()
	c.resps.Put(resp)
}

// maxDrain bounds what is read of a reply after its response, so that
// the connection can be reused; past it the connection is closed.
const maxDrain = 64 << 10

// replayable reports whether a request of method may be sent again on a
// fresh connection when a kept-alive one turns out closed by the server
// before any byte of the reply: the methods that only read. tools/call
// and the others may have effects; they are never sent twice.
func replayable(method string) bool {
	switch method {
	case "ping", "server/discover", "tools/list", "resources/list", "resources/templates/list", "prompts/list":
		return true
	}
	return false
}

// protocolError marks err as ErrProtocol when httpc found the reply
// malformed.
func protocolError(err error) error {
	if errors.Is(err, httpc.ErrMalformed) && !errors.Is(err, ErrProtocol) {
		return fmt.Errorf("%w: %w", ErrProtocol, err)
	}
	return err
}

// httpcSent reports whether an httpc error may have come after the
// request reached the server: not a dial, a wait for a connection, a
// closed Client or an invalid request.
func httpcSent(err error) bool {
	var he *httpc.Error
	if !errors.As(err, &he) || errors.Is(err, httpc.ErrInvalid) {
		return false
	}
	switch he.Op {
	case "dial", "wait for a connection":
		return false
	}
	return true
}

// isDialError reports whether err says the connection could not be made,
// so the request cannot have reached the server.
func isDialError(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// maxErrorBody bounds the part of an HTTP error body read for its
// JSON-RPC error.
const maxErrorBody = 64 << 10

// readError reads the body of an HTTP error status: a JSON-RPC error
// response for a 4xx whose body is one (kind outcome.JSONRPC(code), err
// wrapping both ErrStatus and the *RPCError), else plain text (kind
// outcome.HTTPStatus(code)). text is the start of the body, for messages
// and for telling a forgotten session. A 5xx is a server failure whatever
// its body says.
func readError(body io.Reader, code int) (kind outcome.Kind, err error, rpc *RPCError, text string) {
	var buf [4096]byte
	b, _ := readAll(body, buf[:0], maxErrorBody, nil)
	b = b[:min(len(b), maxErrorBody)]
	text = strings.TrimSpace(strings.ToValidUTF8(string(b[:min(len(b), 512)]), "?"))
	if t := bytes.TrimSpace(b); code < 500 && len(t) > 0 && t[0] == '{' && validJSON(t) {
		if m, err := parseMessage(t); err == nil && m.Error != nil {
			return outcome.JSONRPC(m.Error.Code), fmt.Errorf("%w %d: %w", ErrStatus, code, m.Error), m.Error, text
		}
	}
	return outcome.HTTPStatus(code), fmt.Errorf("%w %d: %s", ErrStatus, code, text), nil, text
}

// newRequest builds a request to c.url with the Client's headers, st's
// session headers (st may be nil) and t's Mcp-Method and Mcp-Name headers
// in the 2026-07-28 era (t may be nil). It is http.NewRequestWithContext
// without parsing the URL again.
func (c *Client) newRequest(ctx context.Context, method string, body []byte, st *sessionState, t *template) *http.Request {
	h := make(http.Header, len(c.header)+3)
	for k, v := range c.header {
		h[k] = v
	}
	if st != nil {
		if st.idValue != nil {
			h[sessionHeader] = st.idValue
		}
		h[versionHeader] = st.versionValue
		if st.modern && t != nil {
			h[methodHeader] = t.methodValue
			if t.nameValue != nil {
				h[nameHeader] = t.nameValue
			}
		}
	}
	req := &http.Request{
		Method: method, URL: c.url, Host: c.url.Host, Header: h,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
	}
	if body != nil {
		req.ContentLength = int64(len(body))
		req.Body = io.NopCloser(bytes.NewReader(body))
		// GetBody lets the transport resend the request on a fresh
		// connection when a kept-alive one turns out to be closed.
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	}
	return req.WithContext(ctx)
}

// delete ends the server session st with DELETE through v. 2xx, 404
// (already gone) and 405 (the server does not allow it) count as done.
func (c *Client) delete(ctx context.Context, v via, st *sessionState) error {
	c.setup()
	if c.urlErr != nil {
		return c.urlErr
	}
	if v.hc != nil {
		return c.deleteHTTPC(ctx, v.hc, st)
	}
	if c.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.Timeout)
		defer cancel()
	}
	resp, err := v.send(c.newRequest(ctx, http.MethodDelete, nil, st, nil))
	if err != nil {
		return err
	}
	defer drain(resp.Body)
	return deleteStatus(resp.StatusCode, resp.Body)
}

// deleteHTTPC is delete over httpc.
func (c *Client) deleteHTTPC(ctx context.Context, hc *httpc.Client, st *sessionState) error {
	tpl, err := httpc.NewTemplate(http.MethodDelete, c.path, c.stateHeader(st)...)
	if err != nil {
		return err
	}
	resp := c.response()
	defer c.recycle(resp)
	if err := hc.Do(ctx, &httpc.Request{Template: tpl}, resp); err != nil {
		return err
	}
	return deleteStatus(resp.Status, &resp.Body)
}

// deleteStatus judges the reply to DELETE.
func deleteStatus(code int, body io.Reader) error {
	switch {
	case code < 300, code == http.StatusNotFound, code == http.StatusMethodNotAllowed:
		return nil
	default:
		return fmt.Errorf("%w %d to DELETE: %s", ErrStatus, code, snippet(body))
	}
}

// snippet returns the start of an error body, for messages. The body may
// be anything: plain text, HTML, JSON.
func snippet(r io.Reader) string {
	var b [512]byte
	n, _ := io.ReadFull(r, b[:])
	return strings.TrimSpace(strings.ToValidUTF8(string(b[:n]), "?"))
}

// drain reads what is left of a body (up to a bound) and closes it, so
// that the connection can carry the next request.
func drain(body io.ReadCloser) {
	io.CopyN(io.Discard, body, maxDrain)
	body.Close()
}
