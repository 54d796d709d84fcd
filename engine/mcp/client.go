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
	"strings"
	"sync"
	"sync/atomic"
	"time"

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

// Client is one MCP target. Set its fields before the first call and leave
// them alone after; then it is safe for concurrent use. It must not be
// copied after first use. The zero value has no URL and fails every call.
type Client struct {
	// URL is the MCP endpoint, e.g. "http://127.0.0.1:8080/mcp"; required.
	URL string
	// HTTP sends the requests; nil: a keep-alive transport of the Client's
	// own (no proxy, no redirects, up to 1024 idle connections), used
	// without http.Client's per-request header copies. A Pool that gives
	// each session its own connection clones HTTP's *http.Transport (or
	// the Client's own) per session; an HTTP with another RoundTripper
	// makes sessions share it.
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
	// Now is the clock that times handshakes, time to first byte and time
	// to the response; nil: time.Now.
	Now func() time.Time

	once   sync.Once
	url    *url.URL    // URL, parsed
	urlErr error       // why URL does not parse
	send   sender      // HTTP.Do or the own transport's RoundTrip
	header http.Header // Content-Type, Accept and Header, built once
	// base is the transport cloned for sessions with connections of their
	// own; nil when HTTP's RoundTripper is not an *http.Transport.
	base *http.Transport
	bufs buffers

	eraMu     sync.Mutex
	era       atomic.Pointer[era] // nil until known
	detecting *renewal            // the detection in flight, if any; guarded by eraMu
	probes    atomic.Int64        // server/discover probes sent

	cancels chan struct{} // a token per notifications/cancelled in flight
}

// setup fills the derived fields on first use.
func (c *Client) setup() {
	c.once.Do(func() {
		c.url, c.urlErr = url.Parse(c.URL)
		if c.urlErr == nil && (c.url.Scheme != "http" && c.url.Scheme != "https" || c.url.Host == "") {
			c.urlErr = fmt.Errorf("%w: %q", ErrURL, c.URL)
		}
		switch {
		case c.HTTP == nil:
			c.base = &http.Transport{
				DialContext:         (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
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
		c.header = http.Header{
			"Content-Type": {"application/json"},
			"Accept":       {"application/json, text/event-stream"},
		}
		for k, v := range c.Header {
			c.header[http.CanonicalHeaderKey(k)] = v
		}
		c.cancels = make(chan struct{}, maxCancelsSent)
		if v := c.ProtocolVersion; v != "" && v != VersionAuto {
			c.era.Store(c.newEra(v))
		}
	})
}

// sessionBufferSize is the size of the read and write buffers of a
// connection of a session's own (unless the Client's transport sets them),
// against net/http's default of 4 KiB each: an idle connection costs 6 KiB
// less, which counts at 10,000 sessions. Bodies larger than the buffer
// bypass it anyway.
const sessionBufferSize = 1 << 10

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
	s := &Session{c: c, send: c.send}
	if _, _, _, err := s.renew(ctx, 0); err != nil {
		return nil, err
	}
	return s, nil
}

// handshake opens a new server session with send and returns its state,
// how long the handshake took and whether there was one (there is none in
// the 2026-07-28 era). ids numbers the initialize request.
func (c *Client) handshake(ctx context.Context, send sender, ids *atomic.Int64) (st *sessionState, took time.Duration, shook bool, err error) {
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
	ex := c.post(ctx, send, nil, ids.Add(1), &init)
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
	st = newSessionState(ex.sessionID, res.ProtocolVersion)

	initialized := Request{Method: "notifications/initialized"}
	ex = c.post(ctx, send, st, -1, &initialized)
	if ex.Kind != outcome.OK {
		return nil, 0, true, &OpenError{Kind: ex.Kind, Status: ex.Status, Err: ex.Err}
	}
	return st, c.now().Sub(start), true, nil
}

// exchange is what one POST brought back.
type exchange struct {
	Response          // Kind is OK when a well-formed reply was read; Result is unset
	msg       message // the JSON-RPC response; for an HTTP error, the JSON-RPC error in its body if any
	sessionID string  // the reply's Mcp-Session-Id header
	forgot    bool    // the reply says the server no longer knows the session
	sent      bool    // the request went to the transport (it may have reached the server)
}

// post sends one JSON-RPC message with send and st's headers (st may be
// nil: no session) and reads the reply: the response to id for a request
// (id ≥ 0), a 2xx status for a notification (id < 0).
func (c *Client) post(ctx context.Context, send sender, st *sessionState, id int64, r *Request) exchange {
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
	bp := c.bufs.get()
	*bp = appendRequest((*bp)[:0], id, r, t, meta)
	req := c.newRequest(ctx, http.MethodPost, *bp, st, t)

	start := c.now()
	resp, err := send(req)
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
	switch code := resp.StatusCode; {
	case code >= 400:
		var text string
		ex.Kind, ex.Err, ex.msg.Error, text = readError(resp.Body, code)
		ex.Total = ex.FirstByte
		ex.forgot = st != nil && st.id != "" &&
			(code == http.StatusNotFound || code == http.StatusBadRequest && strings.Contains(strings.ToLower(text), "session"))
	case id < 0:
		ex.Kind = outcome.OK
		ex.Total = ex.FirstByte
		if code != http.StatusAccepted && code != http.StatusOK && code != http.StatusNoContent {
			ex.Kind, ex.Err = outcome.Protocol, fmt.Errorf("%w: status %d to a notification", ErrProtocol, code)
		}
	default:
		ex.msg, err = readResponse(resp.Body, resp.Header.Get("Content-Type"), id, maxReply, &c.bufs, &ex.Progress)
		ex.Kind = kindOf(ctx, err)
		if err != nil {
			ex.Err = fmt.Errorf("status %d: %w", code, err)
		} else {
			ex.Total = c.now().Sub(start)
		}
	}
	return ex
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
	b := buf[:0]
	b, _ = readAll(io.LimitReader(body, maxErrorBody), b)
	text = strings.TrimSpace(strings.ToValidUTF8(string(b[:min(len(b), 512)]), "?"))
	if t := bytes.TrimLeft(b, " \t\r\n"); code < 500 && len(t) > 0 && t[0] == '{' {
		var m message
		if json.Unmarshal(t, &m) == nil && m.Error != nil {
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

// delete ends the server session st with DELETE. 2xx, 404 (already gone)
// and 405 (the server does not allow it) count as done.
func (c *Client) delete(ctx context.Context, send sender, st *sessionState) error {
	c.setup()
	if c.urlErr != nil {
		return c.urlErr
	}
	resp, err := send(c.newRequest(ctx, http.MethodDelete, nil, st, nil))
	if err != nil {
		return err
	}
	defer drain(resp.Body)
	switch code := resp.StatusCode; {
	case code < 300, code == http.StatusNotFound, code == http.StatusMethodNotAllowed:
		return nil
	default:
		return fmt.Errorf("%w %d to DELETE: %s", ErrStatus, code, snippet(resp.Body))
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
	io.CopyN(io.Discard, body, 64<<10)
	body.Close()
}
