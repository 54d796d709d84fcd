package engine

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"

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
	mcp       *mcp.Client
}

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
	for k, v := range spec.Headers {
		header.Set(k, v)
	}
	return &Target{
		spec:      spec,
		origin:    u.Scheme + "://" + u.Host,
		transport: tr,
		http:      client,
		mcp: &mcp.Client{
			URL:             spec.URL,
			HTTP:            client,
			ProtocolVersion: spec.ProtocolVersion,
			ClientName:      "reslua",
			ClientVersion:   clientVersion,
			Header:          header,
			Now:             clock.Now,
		},
	}
}

func (t *Target) close() { t.transport.CloseIdleConnections() }

// sender sends one kind of request and classifies what came back; with
// keep set it also returns the reply for a check.
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
}

// mcpSender sends a JSON-RPC request through a load's session pool.
type mcpSender struct {
	pool *mcp.Pool
	req  mcp.Request
}

func (s mcpSender) send(ctx context.Context, keep bool) sendResult {
	r := s.pool.Do(ctx, s.req)
	res := sendResult{kind: r.Kind, firstByte: r.FirstByte, progress: r.Progress}
	if keep {
		res.reply = Reply{Kind: r.Kind, Status: r.Status, Body: r.Result}
	}
	return res
}

// httpSender sends a plain HTTP request to the target's origin.
type httpSender struct {
	client *http.Client
	method string
	url    string
	body   []byte
	header http.Header
}

func (s httpSender) send(ctx context.Context, keep bool) sendResult {
	k, status, body := s.do(ctx, keep)
	return sendResult{kind: k, reply: Reply{Kind: k, Status: status, Body: body}}
}

func (s httpSender) do(ctx context.Context, keep bool) (outcome.Kind, int, []byte) {
	var body io.Reader
	if s.body != nil {
		body = bytes.NewReader(s.body)
	}
	req, err := http.NewRequestWithContext(ctx, s.method, s.url, body)
	if err != nil {
		return outcome.Other, 0, nil
	}
	for k, v := range s.header {
		req.Header[k] = v
	}
	resp, err := s.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return outcome.Of(ctx.Err()), 0, nil
		}
		return outcome.Of(err), 0, nil
	}
	defer resp.Body.Close()
	var kept []byte
	if keep {
		kept, err = io.ReadAll(io.LimitReader(resp.Body, maxCheckedBody))
	}
	if err == nil {
		_, err = io.Copy(io.Discard, io.LimitReader(resp.Body, 16<<20))
	}
	if err != nil {
		return outcome.Of(err), resp.StatusCode, nil
	}
	return outcome.HTTPStatus(resp.StatusCode), resp.StatusCode, kept
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
		return mcpSender{pool: pool, req: req}, nil
	}
	m := r.HTTP.Method
	if m == "" {
		m = http.MethodGet
	}
	h := http.Header{}
	for k, v := range t.spec.Headers {
		h.Set(k, v)
	}
	return httpSender{client: t.http, method: m, url: t.origin + r.HTTP.Path, body: r.HTTP.Body, header: h}, nil
}
