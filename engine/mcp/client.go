package mcp

import (
	"bytes"
	"context"
	"encoding/json"
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
)

// defaultVersion is the protocol revision asked for when
// Client.ProtocolVersion is empty.
const defaultVersion = "2025-06-18"

// Client is one MCP target. Set its fields before the first call and leave
// them alone after; then it is safe for concurrent use. It must not be
// copied after first use. The zero value has no URL and fails every call.
type Client struct {
	// URL is the MCP endpoint, e.g. "http://127.0.0.1:8080/mcp"; required.
	URL string
	// HTTP sends the requests; nil: a keep-alive transport of the Client's
	// own (no proxy, no redirects, up to 1024 idle connections), used
	// without http.Client's per-request header copies.
	HTTP *http.Client
	// ProtocolVersion is the revision asked for in initialize; the server's
	// answer is what the session then uses. Zero: "2025-06-18".
	ProtocolVersion string
	// ClientName and ClientVersion are the clientInfo of initialize;
	// zero: "reslua" and "dev".
	ClientName, ClientVersion string
	// Header holds extra headers sent on every request (an Authorization
	// token, say); nil: none.
	Header http.Header
	// Now is the clock that times handshakes and time to first byte;
	// nil: time.Now.
	Now func() time.Time

	once       sync.Once
	url        *url.URL                                    // URL, parsed
	urlErr     error                                       // why URL does not parse
	send       func(*http.Request) (*http.Response, error) // HTTP.Do or the own transport's RoundTrip
	header     http.Header                                 // Content-Type, Accept and Header, built once
	initParams json.RawMessage                             // initialize's params, built once
	bufs       buffers
}

// setup fills the derived fields on first use.
func (c *Client) setup() {
	c.once.Do(func() {
		c.url, c.urlErr = url.Parse(c.URL)
		if c.urlErr == nil && (c.url.Scheme != "http" && c.url.Scheme != "https" || c.url.Host == "") {
			c.urlErr = fmt.Errorf("%w: %q", ErrURL, c.URL)
		}
		if c.HTTP != nil {
			c.send = c.HTTP.Do
		} else {
			c.send = (&http.Transport{
				DialContext:         (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
				MaxIdleConns:        0, // no limit
				MaxIdleConnsPerHost: 1024,
				IdleConnTimeout:     90 * time.Second,
			}).RoundTrip
		}
		c.header = http.Header{
			"Content-Type": {"application/json"},
			"Accept":       {"application/json, text/event-stream"},
		}
		for k, v := range c.Header {
			c.header[http.CanonicalHeaderKey(k)] = v
		}
		c.initParams, _ = json.Marshal(initializeParams{ // cannot fail: strings only
			ProtocolVersion: or(c.ProtocolVersion, defaultVersion),
			Capabilities:    struct{}{},
			ClientInfo:      implementation{Name: or(c.ClientName, "reslua"), Version: or(c.ClientVersion, "dev")},
		})
	})
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

// Open starts a session: initialize, then notifications/initialized. A
// failure is an *OpenError saying how the failing exchange ended.
func (c *Client) Open(ctx context.Context) (*Session, error) {
	s := &Session{c: c}
	if _, _, err := s.renew(ctx, 0); err != nil {
		return nil, err
	}
	return s, nil
}

// handshake opens a new server session and returns its state and how long
// the handshake took. ids numbers the initialize request.
func (c *Client) handshake(ctx context.Context, ids *atomic.Int64) (*sessionState, time.Duration, error) {
	c.setup()
	start := c.now()
	ex := c.post(ctx, nil, ids.Add(1), "initialize", c.initParams)
	if ex.Kind != outcome.OK {
		return nil, 0, &OpenError{Kind: ex.Kind, Status: ex.Status, Err: ex.Err}
	}
	if e := ex.msg.Error; e != nil {
		return nil, 0, &OpenError{Kind: outcome.JSONRPC(e.Code), Status: ex.Status, Err: e}
	}
	var res struct {
		ProtocolVersion string `json:"protocolVersion"`
	}
	if err := json.Unmarshal(ex.msg.Result, &res); err != nil || res.ProtocolVersion == "" {
		err = fmt.Errorf("%w: initialize result without protocolVersion", ErrProtocol)
		return nil, 0, &OpenError{Kind: outcome.Protocol, Status: ex.Status, Err: err}
	}
	st := newSessionState(ex.sessionID, res.ProtocolVersion)

	ex = c.post(ctx, st, -1, "notifications/initialized", nil)
	if ex.Kind != outcome.OK {
		return nil, 0, &OpenError{Kind: ex.Kind, Status: ex.Status, Err: ex.Err}
	}
	return st, c.now().Sub(start), nil
}

// exchange is what one POST brought back.
type exchange struct {
	Response          // Kind is OK when a well-formed reply was read; Result is unset
	msg       message // the JSON-RPC response, for a request
	sessionID string  // the reply's Mcp-Session-Id header
	forgot    bool    // the reply says the server no longer knows the session
}

// post sends one JSON-RPC message with st's session headers (st may be
// nil) and reads the reply: the response to id for a request (id ≥ 0), a
// 2xx status for a notification (id < 0).
func (c *Client) post(ctx context.Context, st *sessionState, id int64, method string, params json.RawMessage) exchange {
	c.setup()
	if c.urlErr != nil {
		return exchange{Response: Response{Kind: outcome.Other, Err: c.urlErr}}
	}
	bp := c.bufs.get()
	*bp = appendRequest((*bp)[:0], id, method, params)
	req := c.newRequest(ctx, http.MethodPost, *bp, st)

	start := c.now()
	resp, err := c.send(req)
	if err != nil {
		// The transport may still be reading the body: do not recycle it.
		return exchange{Response: Response{Kind: kindOf(ctx, err), Err: err}}
	}
	defer func() {
		drain(resp.Body)
		c.bufs.put(bp) // the transport is done with the request once the body is closed
	}()

	ex := exchange{sessionID: resp.Header.Get(sessionHeader)}
	ex.Status = resp.StatusCode
	ex.FirstByte = c.now().Sub(start)
	switch code := resp.StatusCode; {
	case code >= 400:
		text := snippet(resp.Body)
		ex.Kind = outcome.HTTPStatus(code)
		ex.Err = fmt.Errorf("%w %d: %s", ErrStatus, code, text)
		ex.forgot = st != nil && st.id != "" &&
			(code == http.StatusNotFound || code == http.StatusBadRequest && strings.Contains(strings.ToLower(text), "session"))
	case id < 0:
		ex.Kind = outcome.OK
		if code != http.StatusAccepted && code != http.StatusOK && code != http.StatusNoContent {
			ex.Kind, ex.Err = outcome.Protocol, fmt.Errorf("%w: status %d to a notification", ErrProtocol, code)
		}
	default:
		ex.msg, err = readResponse(resp.Body, resp.Header.Get("Content-Type"), id, maxReply, &c.bufs)
		ex.Kind = kindOf(ctx, err)
		if err != nil {
			ex.Err = fmt.Errorf("status %d: %w", code, err)
		}
	}
	return ex
}

// newRequest builds a request to c.url with the Client's headers and st's
// session headers (st may be nil). It is http.NewRequestWithContext
// without parsing the URL again.
func (c *Client) newRequest(ctx context.Context, method string, body []byte, st *sessionState) *http.Request {
	h := make(http.Header, len(c.header)+2)
	c.setHeaders(h, st)
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

// setHeaders sets the headers of a POST: the Client's, then st's session
// id and protocol version if st is not nil.
func (c *Client) setHeaders(h http.Header, st *sessionState) {
	for k, v := range c.header {
		h[k] = v
	}
	if st == nil {
		return
	}
	if st.idValue != nil {
		h[sessionHeader] = st.idValue
	}
	h[versionHeader] = st.versionValue
}

// delete ends the server session st with DELETE. 2xx, 404 (already gone)
// and 405 (the server does not allow it) count as done.
func (c *Client) delete(ctx context.Context, st *sessionState) error {
	c.setup()
	if c.urlErr != nil {
		return c.urlErr
	}
	resp, err := c.send(c.newRequest(ctx, http.MethodDelete, nil, st))
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
