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

// Load sends total tools/call requests for "echo" to url from conc
// goroutines, each over its own keep-alive connection, and reads each SSE
// reply to its result. It returns the number of requests that failed (a
// transport error, a status other than 200, or a stream that ended
// without the call's result) and a sample of the failures.
// A pad of pad bytes in the arguments makes the request body that big.
func Load(t testing.TB, url string, total, conc int, progress bool, pad int) (int64, []string) {
	t.Helper()
	tr := &http.Transport{MaxIdleConns: conc, MaxIdleConnsPerHost: conc, DisableCompression: true}
	t.Cleanup(tr.CloseIdleConnections)
	c := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	var next, failed atomic.Int64
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
	if progress {
		args, meta = `"n":%d,"ms":2`, `,"_meta":{"progressToken":"p"}`
	}
	if pad > 0 {
		args += `,"pad":"` + strings.Repeat("x", pad) + `"`
	}
	var wg sync.WaitGroup
	for range conc {
		wg.Go(func() {
			sid, err := Initialize(c, url)
			if err != nil {
				fail("initialize: %v", err)
				return
			}
			for {
				n := next.Add(1)
				if n > int64(total) {
					return
				}
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
	return failed.Load(), samples
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

// Cases are the loads of the full-duplex tests: tens of thousands of
// calls answered with SSE, with and without a progress notification first,
// and a thousand whose request bodies are too big for a proxy to read
// before forwarding.
var Cases = []struct {
	Name     string
	Total    int
	Progress bool
	Pad      int
}{
	{"plain", 10_000, false, 0},
	{"progress", 10_000, true, 0},
	{"progress, 80 KiB requests", 1_000, true, 80 << 10},
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
