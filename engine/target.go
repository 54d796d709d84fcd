package engine

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/reslua/reslua/breaker"
	"github.com/reslua/reslua/engine/httpc"
	"github.com/reslua/reslua/engine/mcp"
	"github.com/reslua/reslua/engine/outcome"
)

// Target is a system under test, made by Run.AddTarget. It owns one
// keep-alive connection pool shared by every load that targets it.
type Target struct {
	spec      TargetSpec
	origin    string // scheme://host of spec.URL
	transport *http.Transport
	http      *http.Client
	hc        *httpc.Client // plain HTTP to an http:// origin; nil for https
	header    http.Header   // spec.Headers for net/http senders; read-only
	fixed     [][2]string   // spec.Headers for httpc templates; read-only
	mcp       *mcp.Client
	breaker   *breaker.Breaker // nil without TargetSpec.Breaker
	fallback  bool             // the breaker's refusals are fallbacks
	proxy     *FaultProxy      // in front of the target; nil without chaos
	debug     *httpDebug       // logs plain HTTP exchanges; nil: none
}

// FaultProxy returns the fault proxy in front of the target, or nil when
// it has none (TargetSpec.Chaos, Config.Chaos).
func (t *Target) FaultProxy() *FaultProxy { return t.proxy }

// Name returns the target's name.
func (t *Target) Name() string { return t.spec.Name }

// URL returns the target's MCP endpoint.
func (t *Target) URL() string { return t.spec.URL }

func newTarget(spec TargetSpec, clientVersion string, clock Clock) *Target {
	if spec.Timeout == 0 {
		spec.Timeout = DefaultTimeout
	}
	if spec.ProtocolVersion == "" {
		spec.ProtocolVersion = DefaultProtocolVersion
	}
	u, _ := url.Parse(spec.URL) // validated by AddTarget
	tr := &http.Transport{
		Proxy:               nil, // load goes where the scenario says, never via HTTP_PROXY
		DialContext:         (&net.Dialer{Timeout: spec.Timeout, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        0,
		MaxIdleConnsPerHost: 4096,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
		ForceAttemptHTTP2:   false,
	}
	client := &http.Client{Transport: tr}
	header := http.Header{}
	fixed := make([][2]string, 0, len(spec.Headers))
	for k, v := range spec.Headers {
		header.Set(k, v)
		fixed = append(fixed, [2]string{k, v})
	}
	// http:// origins get the lean client: about half net/http's CPU per
	// request (bench/). https stays on net/http.
	var hc *httpc.Client
	if u.Scheme == "http" {
		addr := u.Host
		if u.Port() == "" {
			addr = net.JoinHostPort(u.Hostname(), "80")
		}
		hc = &httpc.Client{Addr: addr, Host: u.Host, DialTimeout: spec.Timeout, Timeout: spec.Timeout}
	}
	var br *breaker.Breaker
	if spec.Breaker != nil {
		s := *spec.Breaker
		s.Name, s.Clock = spec.Name, clock
		br, _ = breaker.New(s) // validated by AddTarget
	}
	return &Target{
		breaker:   br,
		fallback:  spec.Breaker != nil && spec.Breaker.Fallback != nil,
		hc:        hc,
		header:    header,
		fixed:     fixed,
		spec:      spec,
		origin:    u.Scheme + "://" + u.Host,
		transport: tr,
		http:      client,
		mcp: &mcp.Client{
			URL:             spec.URL,
			HTTP:            mcpHTTP(u.Scheme, client),
			Timeout:         spec.Timeout,
			ProtocolVersion: spec.ProtocolVersion,
			ClientName:      "reslua",
			ClientVersion:   clientVersion,
			Header:          header,
			Now:             clock.Now,
		},
	}
}

// mcpHTTP: MCP over httpc for http://, net/http for https.
func mcpHTTP(scheme string, c *http.Client) *http.Client {
	if scheme == "http" {
		return nil
	}
	return c
}

// connStats counts the connections of the target's lean HTTP clients
// (plain HTTP requests and MCP over httpc) so far.
// probes returns how many era probes (server/discover) the target's MCP
// client has sent; 0 for a target without one.
func (t *Target) probes() int64 {
	if t.mcp == nil {
		return 0
	}
	return t.mcp.Probes()
}

func (t *Target) connStats() httpc.Stats {
	var st httpc.Stats
	if t.mcp != nil {
		st = t.mcp.ConnStats()
	}
	if t.hc != nil {
		h := t.hc.Stats()
		st.Dials += h.Dials
		st.Reconnects += h.Reconnects
		st.Replays += h.Replays
	}
	return st
}

func (t *Target) close() {
	t.mcp.CloseIdleConnections()
	t.transport.CloseIdleConnections()
	if t.hc != nil {
		t.hc.Close()
	}
}

// sender sends one kind of request and classifies what came back; with
// keep set it also returns the reply for a check. A sender bounds the
// exchange by the target's timeout itself (ctx is the run's), and reports
// a timeout as outcome.Timeout.
type sender interface {
	send(ctx context.Context, keep bool) sendResult
}

// sendResult is what one send tells the load.
type sendResult struct {
	kind  outcome.Kind
	reply Reply // set when asked to keep it
	// firstByte is the time to the response's first byte; 0 when unknown.
	firstByte time.Duration
	// progress counts progress notifications before an MCP response.
	progress int
	// serverRequests counts the requests the MCP server sent during the
	// call (each answered by the client).
	serverRequests mcp.ServerRequests
	// fail is what the sender knows of a failure, for a sample; nil on
	// success (and where nothing more than the kind is known).
	fail *failureDetail
}

// withTimeout runs send under ctx bounded by d, and reports the bound
// firing as outcome.Timeout rather than a cancellation.
func withTimeout(ctx context.Context, d time.Duration, send func(context.Context) sendResult) sendResult {
	rctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	res := send(rctx)
	if res.kind == outcome.Canceled && ctx.Err() == nil && rctx.Err() == context.DeadlineExceeded {
		res.kind = outcome.Timeout
	}
	return res
}

// mcpSender sends a JSON-RPC request through a load's session pool. The
// target's timeout is the mcp.Client's Timeout, which bounds each exchange
// on either transport: no context per request here.
type mcpSender struct {
	pool     *mcp.Pool
	req      mcp.Request
	allPages bool // tools/list through every page
}

func (s mcpSender) send(ctx context.Context, keep bool) sendResult {
	var r mcp.Response
	if s.allPages {
		_, r = mcp.ListAllTools(ctx, s.pool)
	} else {
		req := s.req
		req.NoResult = !keep
		r = s.pool.Do(ctx, req)
	}
	res := sendResult{kind: r.Kind, firstByte: r.FirstByte, progress: r.Progress, serverRequests: r.ServerRequests}
	if r.Kind.IsFailure() {
		body := r.Result
		if body == nil {
			body = r.Body // what broke the framing
		}
		res.fail = &failureDetail{status: r.Status, err: r.Err, body: clipBody(body)}
	}
	if keep {
		res.reply = Reply{Kind: r.Kind, Status: r.Status, Body: r.Result}
	}
	return res
}

// httpSender sends a plain HTTP request to an https origin with net/http.
type httpSender struct {
	client  *http.Client
	method  string
	url     string
	body    []byte
	header  http.Header
	timeout time.Duration
	debug   *httpDebug // nil: not logged
	target  string     // the target's name, for debug
}

func (s httpSender) send(ctx context.Context, keep bool) sendResult {
	return withTimeout(ctx, s.timeout, func(ctx context.Context) sendResult { return s.do(ctx, keep) })
}

func (s httpSender) do(ctx context.Context, keep bool) sendResult {
	var body io.Reader
	if s.body != nil {
		body = bytes.NewReader(s.body)
	}
	req, err := http.NewRequestWithContext(ctx, s.method, s.url, body)
	if err != nil {
		return sendResult{kind: outcome.Other, fail: &failureDetail{err: err}}
	}
	for k, v := range s.header {
		req.Header[k] = v
	}
	var kept, head []byte // the body kept for a check, and its first bytes for a sample
	check := keep         // a check needs the body whole
	var ex *exchange
	if s.debug != nil {
		ex = s.debug.begin(s.target, s.method, req.URL.RequestURI(), append([][2]string{{"Host", req.URL.Host}}, sortedHeader(req.Header)...), s.body)
		defer ex.end()
		keep = keep || s.debug.full // the body is logged
	}
	resp, err := s.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			err = ctx.Err()
		}
		if ex != nil {
			ex.fail(err)
		}
		return sendResult{kind: outcome.Of(err), fail: &failureDetail{err: err}}
	}
	defer resp.Body.Close()
	if ex != nil {
		defer func() { ex.reply(resp.StatusCode, "", sortedHeader(resp.Header), kept) }()
	}
	kind := outcome.HTTPStatus(resp.StatusCode)
	switch {
	case keep:
		kept, err = io.ReadAll(io.LimitReader(resp.Body, maxCheckedBody+1))
		head = clipBody(kept)
		if len(kept) > maxCheckedBody {
			kept = kept[:maxCheckedBody]
			if err == nil && check {
				err = errTooLarge
			}
		}
	case kind != outcome.OK: // the first bytes, for a sample
		head = make([]byte, SampleBodyBytes)
		var n int
		n, err = io.ReadFull(resp.Body, head)
		head = head[:n]
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			err = nil
		}
	}
	if err == nil {
		_, err = io.Copy(io.Discard, io.LimitReader(resp.Body, 16<<20))
	}
	if err != nil {
		k := outcome.Of(err)
		if err == errTooLarge {
			k = outcome.TooLarge
		}
		return sendResult{kind: k, reply: Reply{Kind: k, Status: resp.StatusCode},
			fail: &failureDetail{status: resp.StatusCode, err: err, body: head}}
	}
	res := sendResult{kind: kind, reply: Reply{Kind: kind, Status: resp.StatusCode, Body: kept}}
	if kind != outcome.OK {
		res.fail = &failureDetail{status: resp.StatusCode, body: head}
	}
	return res
}

// newSender builds the sender for r against t; pool is nil when the mix has
// no MCP request (nor a built one, which may be MCP).
func (t *Target) newSender(r RequestSpec, pool *mcp.Pool) (sender, error) {
	if r.MCP != nil {
		req, err := mcp.NewRequest(r.MCP.Method, r.MCP.Params)
		if err != nil {
			return nil, err
		}
		req.Progress = r.MCP.Progress
		return mcpSender{pool: pool, req: req, allPages: r.MCP.AllPages}, nil
	}
	m := r.HTTP.Method
	if m == "" {
		m = http.MethodGet
	}
	if t.hc != nil {
		tpl, err := httpc.NewTemplate(m, r.HTTP.Path, t.fixed...)
		if err != nil {
			return nil, err
		}
		hs := &httpcSender{c: t.hc, req: httpc.Request{Template: tpl, Body: r.HTTP.Body}}
		if t.debug != nil {
			hs.debug = &httpcDebug{d: t.debug, target: t.spec.Name, method: m, path: r.HTTP.Path,
				header: append([][2]string{{"Host", t.hc.Host}}, t.fixed...)}
		}
		return hs, nil
	}
	return httpSender{client: t.http, method: m, url: t.origin + r.HTTP.Path, body: r.HTTP.Body, header: t.header, timeout: t.spec.Timeout,
		debug: t.debug, target: t.spec.Name}, nil
}

// httpcSender sends a plain HTTP request through the target's lean client,
// whose Timeout bounds the exchange: no context per request.
type httpcSender struct {
	c     *httpc.Client
	req   httpc.Request
	debug *httpcDebug // nil: not logged
}

// httpcDebug is what --http-debug logs of an httpc request: the head the
// template encodes.
type httpcDebug struct {
	d                    *httpDebug
	target, method, path string
	header               [][2]string
}

// responses recycles httpc responses and their buffers across requests.
var responses = sync.Pool{New: func() any { return new(httpc.Response) }}

func (s *httpcSender) send(ctx context.Context, keep bool) sendResult {
	resp := responses.Get().(*httpc.Response)
	defer responses.Put(resp)
	defer resp.Close()
	check := keep // a check needs the body whole
	var ex *exchange
	if s.debug != nil {
		ex = s.debug.d.begin(s.debug.target, s.debug.method, s.debug.path, s.debug.header, s.req.Body)
		defer ex.end()
		keep = keep || s.debug.d.full // the body is logged
	}
	if err := s.c.Do(ctx, &s.req, resp); err != nil {
		k := httpcKind(err)
		if ex != nil {
			ex.fail(err)
		}
		return sendResult{kind: k, fail: &failureDetail{err: err}}
	}
	res := sendResult{kind: outcome.HTTPStatus(resp.Status), firstByte: resp.FirstByte}
	if ex != nil {
		defer func() {
			var header [][2]string
			for k, v := range resp.Headers() {
				header = append(header, [2]string{string(k), string(v)})
			}
			ex.reply(resp.Status, string(resp.Reason()), header, res.reply.Body)
		}()
	}
	var err error
	var head []byte
	switch {
	case keep:
		var body []byte
		body, err = resp.ReadAll(nil, maxCheckedBody)
		res.reply = Reply{Kind: res.kind, Status: resp.Status, Body: body}
		head = clipBody(body)
	case res.kind != outcome.OK:
		// The first bytes, for a sample; the rest is discarded so that
		// the connection is kept.
		head = make([]byte, SampleBodyBytes)
		var n int
		n, err = io.ReadFull(&resp.Body, head)
		head = head[:n]
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			err = nil
		}
		if err == nil {
			err = resp.Discard(16 << 20)
		}
	default:
		err = resp.Discard(16 << 20)
	}
	// A body over the bound keeps its status: the reply arrived. One a
	// check needed whole is too large.
	if check && errors.Is(err, httpc.ErrTooLarge) {
		res.kind = outcome.TooLarge
		res.reply = Reply{Kind: res.kind, Status: resp.Status}
		res.fail = &failureDetail{status: resp.Status, err: errTooLarge, body: head}
	} else if err != nil && !errors.Is(err, httpc.ErrTooLarge) {
		res.kind = httpcKind(err)
		res.reply = Reply{Kind: res.kind, Status: resp.Status}
		res.fail = &failureDetail{status: resp.Status, err: err, body: head}
	} else if res.kind != outcome.OK {
		res.fail = &failureDetail{status: resp.Status, body: head}
	}
	return res
}

// errTooLarge is the error of an HTTP body over maxCheckedBody that a
// check needed whole: outcome.TooLarge.
var errTooLarge = errors.New("reply body too large to check (over 1 MiB)")

// httpcKind classifies an httpc error; a malformed reply breaks HTTP.
func httpcKind(err error) outcome.Kind {
	if errors.Is(err, httpc.ErrMalformed) {
		return outcome.Protocol
	}
	return outcome.Of(err)
}
