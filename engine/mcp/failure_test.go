package mcp_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/reslua/reslua/engine/demo"
	"github.com/reslua/reslua/engine/mcp"
	"github.com/reslua/reslua/engine/outcome"
)

func TestConnectRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String() + "/mcp"
	ln.Close() // nothing listens there now

	c := &mcp.Client{URL: url}
	_, err = c.Open(t.Context())
	var oe *mcp.OpenError
	if !errors.As(err, &oe) || oe.Kind != outcome.ConnectRefused {
		t.Fatalf("Open: %v", err)
	}

	p, err := mcp.NewPool(t.Context(), c, 2)
	if err != nil {
		t.Fatal(err)
	}
	if res := p.Do(t.Context(), mcp.Ping()); res.Kind != outcome.ConnectRefused {
		t.Fatalf("Do: %+v", res)
	}
	if st := p.Stats(); st.OpenFailures != 3 || st.Opened != 0 {
		t.Errorf("stats %+v, want 3 open failures", st)
	}
}

func TestPlainText500(t *testing.T) {
	// The whole server fails: the handshake does.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "internal error", http.StatusInternalServerError)
	}))
	defer srv.Close()
	_, err := (&mcp.Client{URL: srv.URL}).Open(t.Context())
	var oe *mcp.OpenError
	if !errors.As(err, &oe) || oe.Kind != outcome.HTTPStatus(500) || oe.Status != 500 || !strings.Contains(err.Error(), "internal error") {
		t.Fatalf("Open: %v", err)
	}
}

// TestBadReplies sends a ping to targets that answer it in broken (and
// odd but valid) ways.
func TestBadReplies(t *testing.T) {
	sse := func(body string) replyFunc {
		return func(w http.ResponseWriter, _ *http.Request, id string) {
			w.Header().Set("Content-Type", "text/event-stream")
			io.WriteString(w, strings.ReplaceAll(body, "ID", id))
		}
	}
	reply := func(status int, contentType, body string) replyFunc {
		return func(w http.ResponseWriter, _ *http.Request, id string) {
			w.Header().Set("Content-Type", contentType)
			w.WriteHeader(status)
			io.WriteString(w, strings.ReplaceAll(body, "ID", id))
		}
	}
	for _, tc := range []struct {
		name  string
		reply replyFunc
		kind  outcome.Kind
		err   error // matched with errors.Is when not nil
	}{
		{"sse with extras", sse(": comment\n\nevent: prime\nid: x_0\ndata: \n\n" +
			"event: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{\"progressToken\":1,\"progress\":0}}\n\n" +
			"data: {\"jsonrpc\":\"2.0\",\"id\":\"srv-1\",\"method\":\"roots/list\"}\n\n" +
			"event: other\ndata: {\"jsonrpc\":\"2.0\",\"id\":ID,\"result\":{\"wrong\":true}}\n\n" +
			"data: {\"jsonrpc\":\"2.0\",\"id\":ID,\n" + "data: \"result\":{}}\n\n"), outcome.OK, nil},
		{"sse with CRLF", sse("retry: 10\r\n\r\ndata: {\"jsonrpc\":\"2.0\",\"id\":ID,\"result\":{}}\r\n\r\n"), outcome.OK, nil},
		{"sse without response", sse(": nothing\n\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\"}\n\n"), outcome.EOF, mcp.ErrNoResponse},
		{"sse cut before blank line", sse("data: {\"jsonrpc\":\"2.0\",\"id\":ID,\"result\":{}}"), outcome.EOF, mcp.ErrNoResponse},
		{"sse garbage event", sse("data: <html>\n\n"), outcome.Protocol, mcp.ErrProtocol},
		{"json garbage", reply(200, "application/json", "not json"), outcome.Protocol, mcp.ErrProtocol},
		{"json wrong id", reply(200, "application/json", `{"jsonrpc":"2.0","id":12345,"result":{}}`), outcome.Protocol, mcp.ErrProtocol},
		{"json neither result nor error", reply(200, "application/json", `{"jsonrpc":"2.0","id":ID}`), outcome.Protocol, mcp.ErrProtocol},
		{"json batch", reply(200, "application/json", `[{"jsonrpc":"2.0","method":"x"},{"jsonrpc":"2.0","id":ID,"result":{}}]`), outcome.OK, nil},
		{"json error null id", reply(200, "application/json", `{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"parse error"}}`), outcome.JSONRPC(-32700), nil},
		{"input required", reply(200, "application/json", `{"jsonrpc":"2.0","id":ID,"result":{"resultType":"input_required","inputRequests":{}}}`), mcp.KindInputRequired, mcp.ErrInputRequired},
		{"input_required in a text", reply(200, "application/json", `{"jsonrpc":"2.0","id":ID,"result":{"resultType":"complete","x":"input_required"}}`), outcome.OK, nil},
		{"json-rpc body on 404", reply(404, "application/json", `{"jsonrpc":"2.0","id":ID,"error":{"code":-32601,"message":"x"}}`), outcome.JSONRPC(-32601), mcp.ErrStatus},
		{"plain text 200", reply(200, "text/plain", "hello"), outcome.Protocol, mcp.ErrProtocol},
		{"202 to a request", reply(202, "", ""), outcome.Protocol, mcp.ErrProtocol},
		{"html 502", reply(502, "text/html", "<h1>Bad Gateway</h1>"), outcome.HTTPStatus(502), mcp.ErrStatus},
		{"json-rpc body on 500", reply(500, "application/json", `{"jsonrpc":"2.0","id":ID,"error":{"code":-32603,"message":"x"}}`), outcome.HTTPStatus(500), mcp.ErrStatus},
		{"body cut short", func(w http.ResponseWriter, _ *http.Request, id string) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Length", "1000")
			io.WriteString(w, `{"jsonrpc":"2.0","id":`+id)
			w.(http.Flusher).Flush()
			panic(http.ErrAbortHandler) // drops the connection
		}, outcome.EOF, nil},
		{"too large", func(w http.ResponseWriter, _ *http.Request, _ string) {
			w.Header().Set("Content-Type", "text/event-stream")
			line := ": " + strings.Repeat("x", 1<<10) + "\n"
			for range 17 << 10 { // 17 MiB of comments
				if _, err := io.WriteString(w, line); err != nil {
					return
				}
			}
		}, outcome.TooLarge, mcp.ErrTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bt := startBadTarget(t, tc.reply)
			s := open(t, &mcp.Client{URL: bt.URL})
			res := s.Do(t.Context(), mcp.Ping())
			if res.Kind != tc.kind || (tc.err != nil && !errors.Is(res.Err, tc.err)) || (tc.kind == outcome.OK) != (res.Err == nil) {
				t.Fatalf("got %s (%v), want %s (%v)", res.Kind, res.Err, tc.kind, tc.err)
			}
		})
	}
}

func TestTimeout(t *testing.T) {
	for _, f := range flavours() {
		t.Run(f.name, func(t *testing.T) {
			srv := startDemo(t, f.opts)
			s := open(t, f.client(srv.URL()))
			ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
			defer cancel()
			res := s.Do(ctx, callTool(t, "slow", map[string]int{"ms": 3_600_000}))
			if res.Kind != outcome.Timeout || res.Err == nil {
				t.Fatalf("slow call past its deadline: %+v", res)
			}
			// The session still works.
			if res := s.Do(t.Context(), cheap()); res.Kind != outcome.OK {
				t.Fatalf("ping after a timeout: %+v", res)
			}
		})
	}
}

func TestCanceled(t *testing.T) {
	srv := startDemo(t, demo.Options{})
	s := open(t, &mcp.Client{URL: srv.URL()})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if res := s.Do(ctx, mcp.Ping()); res.Kind != outcome.Canceled {
		t.Fatalf("ping with a cancelled context: %+v", res)
	}
}
