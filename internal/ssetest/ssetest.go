package ssetest

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Server starts go-sdk's Streamable HTTP handler with SSE replies,
// serving one tool, "echo", that sends a progress notification when the
// call carries a progress token, then sleeps for ms milliseconds (as the
// demo server's "slow" does) before its result. It returns the server's
// URL, a counter of the calls the tool completed and one of the
// connections its clients closed.
func Server(t testing.TB, stateless bool) (url string, calls, closed *atomic.Int64) {
	t.Helper()
	calls, closed = new(atomic.Int64), new(atomic.Int64)
	s := mcp.NewServer(&mcp.Implementation{Name: "duplex", Version: "1"}, nil)
	type in struct {
		N   int    `json:"n"`
		Ms  int    `json:"ms,omitempty"`
		Pad string `json:"pad,omitempty"`
	}
	mcp.AddTool(s, &mcp.Tool{Name: "echo", Description: "Echoes n."},
		func(ctx context.Context, req *mcp.CallToolRequest, a in) (*mcp.CallToolResult, any, error) {
			if tok := req.Params.GetProgressToken(); tok != nil {
				_ = req.Session.NotifyProgress(ctx, &mcp.ProgressNotificationParams{ProgressToken: tok, Progress: 0, Total: 1})
			}
			if a.Ms > 0 {
				time.Sleep(time.Duration(a.Ms) * time.Millisecond)
			}
			calls.Add(1)
			return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: fmt.Sprint(a.N)}}}, nil, nil
		})
	h := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return s }, &mcp.StreamableHTTPOptions{Stateless: stateless})
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateClosed {
			closed.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv.URL, calls, closed
}

// Options shape a Load.
type Options struct {
	// Total is the most calls to send; Conc the number of clients, each
	// with its own session and keep-alive connection.
	Total, Conc int
	// Progress asks for a progress notification before each result (and
	// makes the tool take 2 ms after it, as the demo's "slow" does).
	Progress bool
	// Pad, when above zero, pads each call's arguments to make its
	// request body about that many bytes bigger.
	Pad int
}

// Result is what a Load saw.
type Result struct {
	// Sent counts the calls sent; Failed those that failed (a transport
	// error, a status other than 200, a stream that ended without the
	// call's result), with a few Samples.
	Sent, Failed int64
	Samples      []string
}

// Load sends up to o.Total tools/call requests for "echo" to url from
// o.Conc clients and reads each SSE reply to its end. It stops sending
// when ctx is done (the calls under way finish), which bounds a test's
// time on a slow machine; Result.Sent says how many went.
func Load(ctx context.Context, t testing.TB, url string, o Options) Result {
	t.Helper()
	tr := &http.Transport{MaxIdleConns: o.Conc, MaxIdleConnsPerHost: o.Conc, DisableCompression: true}
	t.Cleanup(tr.CloseIdleConnections)
	c := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	var next, sent, failed atomic.Int64
	var mu sync.Mutex
	var samples []string
	fail := func(format string, args ...any) {
		failed.Add(1)
		mu.Lock()
		if len(samples) < 5 {
			samples = append(samples, fmt.Sprintf(format, args...))
		}
		mu.Unlock()
	}
	// With progress, the reply is a notification at once and the result
	// a moment later, as from the demo server's "slow" tool.
	args, meta := `"n":%d`, ""
	if o.Progress {
		args, meta = `"n":%d,"ms":2`, `,"_meta":{"progressToken":"p"}`
	}
	if o.Pad > 0 {
		args += `,"pad":"` + strings.Repeat("x", o.Pad) + `"`
	}
	var wg sync.WaitGroup
	for range o.Conc {
		wg.Go(func() {
			sid, err := Initialize(c, url)
			if err != nil {
				fail("initialize: %v", err)
				return
			}
			for ctx.Err() == nil {
				n := next.Add(1)
				if n > int64(o.Total) {
					return
				}
				sent.Add(1)
				body := fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"echo","arguments":{`+args+`}%s}}`, n, n, meta)
				req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader([]byte(body)))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Accept", "application/json, text/event-stream")
				req.Header.Set("Mcp-Protocol-Version", "2025-06-18")
				if sid != "" {
					req.Header.Set("Mcp-Session-Id", sid)
				}
				resp, err := c.Do(req)
				if err != nil {
					fail("request %d: %v", n, err)
					continue
				}
				got, err := ReadResult(resp.Body, n)
				resp.Body.Close()
				switch {
				case resp.StatusCode != http.StatusOK:
					fail("request %d: status %d", n, resp.StatusCode)
				case err != nil:
					fail("request %d: %v", n, err)
				case !strings.Contains(got, fmt.Sprintf(`"text":"%d"`, n)):
					fail("request %d: result %s", n, got)
				}
			}
		})
	}
	wg.Wait()
	return Result{Sent: sent.Load(), Failed: failed.Load(), Samples: samples}
}

// BodyCheck is a RoundTripper for a reverse proxy under test: it passes
// each request on to Transport with its body wrapped, and counts the reads
// of a body that failed with anything but io.EOF: the proxy's transport
// reading a client's body that the proxy's server had already closed.
type BodyCheck struct {
	Transport *http.Transport
	errs      atomic.Int64
	mu        sync.Mutex
	first     error
}

// NewBodyCheck returns a BodyCheck over a transport set up as the proxies'
// own (1024 idle connections per host, no compression).
func NewBodyCheck(t testing.TB) *BodyCheck {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = nil
	tr.MaxIdleConns = 0
	tr.MaxIdleConnsPerHost = 1024
	tr.DisableCompression = true
	t.Cleanup(tr.CloseIdleConnections)
	return &BodyCheck{Transport: tr}
}

// RoundTrip implements http.RoundTripper.
func (b *BodyCheck) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil && req.Body != http.NoBody {
		r2 := req.Clone(req.Context())
		r2.Body = checkedBody{req.Body, b}
		req = r2
	}
	return b.Transport.RoundTrip(req)
}

// CloseIdleConnections closes the transport's idle connections.
func (b *BodyCheck) CloseIdleConnections() { b.Transport.CloseIdleConnections() }

// Errors returns the number of failed body reads and the first error.
func (b *BodyCheck) Errors() (int64, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.errs.Load(), b.first
}

type checkedBody struct {
	io.ReadCloser
	b *BodyCheck
}

func (c checkedBody) Read(p []byte) (int, error) {
	n, err := c.ReadCloser.Read(p)
	if err != nil && err != io.EOF {
		c.b.errs.Add(1)
		c.b.mu.Lock()
		if c.b.first == nil {
			c.b.first = err
		}
		c.b.mu.Unlock()
	}
	return n, err
}

// ReadResult reads an SSE stream to the data line that carries the
// result of call id.
func ReadResult(body io.Reader, id int64) (string, error) {
	sc := bufio.NewScanner(body)
	want := fmt.Sprintf(`"id":%d,`, id)
	var result string
	for sc.Scan() {
		line := sc.Text()
		if data, ok := strings.CutPrefix(line, "data: "); ok && strings.Contains(data, want) {
			result = data
		}
	}
	if err := sc.Err(); err != nil {
		return "", fmt.Errorf("reading the stream: %w", err)
	}
	if result == "" {
		return "", fmt.Errorf("stream ended without the result (%w)", io.ErrUnexpectedEOF)
	}
	return result, nil
}

// Initialize opens an MCP session at url and returns its id ("" from a
// stateless server).
func Initialize(c *http.Client, url string) (string, error) {
	post := func(sid, body string) (*http.Response, error) {
		req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		req.Header.Set("Mcp-Protocol-Version", "2025-06-18")
		if sid != "" {
			req.Header.Set("Mcp-Session-Id", sid)
		}
		return c.Do(req)
	}
	resp, err := post("", `{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`)
	if err != nil {
		return "", err
	}
	_, err = ReadResult(resp.Body, 0)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("status %d, %v", resp.StatusCode, err)
	}
	sid := resp.Header.Get("Mcp-Session-Id")
	resp, err = post(sid, `{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	if err != nil {
		return "", err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		return "", fmt.Errorf("notifications/initialized: status %d", resp.StatusCode)
	}
	return sid, nil
}

// Budget bounds the time a case of the full-duplex tests sends for.
const Budget = 4 * time.Second

// Cases are the loads of the full-duplex tests: up to ten thousand calls
// answered with SSE, with and without a progress notification first (as
// many as Budget lets a loaded machine send), and up to a thousand whose
// request bodies are too big for a proxy to read before forwarding.
var Cases = []struct {
	Name string
	Options
}{
	{"plain", Options{Total: 10_000, Conc: 8}},
	{"progress", Options{Total: 10_000, Conc: 8, Progress: true}},
	{"progress, 80 KiB requests", Options{Total: 1_000, Conc: 8, Progress: true, Pad: 80 << 10}},
}

// lockedWriter is a writer safe for concurrent use.
type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

// NewLogger returns a logger that writes to w under mu.
func NewLogger(mu *sync.Mutex, w io.Writer) *log.Logger {
	return log.New(lockedWriter{mu, w}, "", 0)
}
