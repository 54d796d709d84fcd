package outcome

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestOfRealErrors(t *testing.T) {
	// A port that was just listening and is now closed refuses.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, refused := net.Dial("tcp", addr)

	// A peer that resets: linger 0 makes Close send RST.
	ln, err = net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			accepted <- c
		}
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s := <-accepted
	s.(*net.TCPConn).SetLinger(0)
	s.Close()
	_, reset := c.Read(make([]byte, 1))

	// A read deadline in the past times out.
	c2, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	c2.SetReadDeadline(time.Now().Add(-time.Second))
	_, timeout := c2.Read(make([]byte, 1))

	for _, tc := range []struct {
		name string
		err  error
		want Kind
	}{
		{"nil", nil, OK},
		{"refused", refused, ConnectRefused},
		{"reset", reset, Reset},
		{"deadline", timeout, Timeout},
		{"ctx deadline", fmt.Errorf("post: %w", context.DeadlineExceeded), Timeout},
		{"ctx canceled", fmt.Errorf("post: %w", context.Canceled), Canceled},
		{"eof", fmt.Errorf("read: %w", io.ErrUnexpectedEOF), EOF},
		{"other", errors.New("something else"), Other},
	} {
		if got := Of(tc.err); got != tc.want {
			t.Errorf("%s: Of(%v) = %q, want %q", tc.name, tc.err, got, tc.want)
		}
	}
}

func TestStatusAndCodes(t *testing.T) {
	for code, want := range map[int]Kind{200: OK, 202: OK, 302: OK, 404: "http_4xx", 429: "http_4xx", 500: "http_5xx", 503: "http_5xx"} {
		if got := HTTPStatus(code); got != want {
			t.Errorf("HTTPStatus(%d) = %q, want %q", code, got, want)
		}
	}
	if got := JSONRPC(-32601); got != "jsonrpc_-32601" {
		t.Errorf("JSONRPC(-32601) = %q", got)
	}
	if OK.IsFailure() || Canceled.IsFailure() || !Interrupted.IsFailure() || !Timeout.IsFailure() || !ToolError.IsFailure() {
		t.Error("IsFailure: OK and Canceled are not failures; the rest, Interrupted among them, are")
	}
}

// A real TLS server on 127.0.0.1 with a self-signed certificate fails
// verification; trusted, it still fails for a host name its certificate
// does not name. Both are TLS failures, not "other" (issue 10).
func TestOfTLS(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the handshakes fail on purpose
	srv.StartTLS()
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	_, untrusted := client.Get(srv.URL)
	trusting := srv.Client()
	_, wrongName := trusting.Get(strings.Replace(srv.URL, "127.0.0.1", "localhost", 1))
	for name, tc := range map[string]struct {
		err  error
		text string
	}{
		"self-signed": {untrusted, "x509: certificate signed by unknown authority"},
		"host name":   {wrongName, "x509: certificate is valid for"},
	} {
		if got := Of(tc.err); got != TLS {
			t.Errorf("%s: Of(%v) = %q, want %q", name, tc.err, got, TLS)
		}
		if tc.err == nil || !strings.Contains(tc.err.Error(), tc.text) {
			t.Errorf("%s: %v, want %q", name, tc.err, tc.text)
		}
	}
	if !TLS.IsFailure() || TLS.IsReply() {
		t.Error("a TLS failure is a failure and no reply")
	}
}

// A reply is what the target answered; a check sees every one.
func TestIsReply(t *testing.T) {
	for k, want := range map[Kind]bool{OK: true, "http_4xx": true, "http_5xx": true, JSONRPC(-32601): true, ToolError: true,
		Timeout: false, Reset: false, EOF: false, TLS: false, ConnectRefused: false, Protocol: false,
		CheckFailed: false, ScriptError: false, Rejected: false, Canceled: false, Other: false, "http_xyz": false} {
		if got := k.IsReply(); got != want {
			t.Errorf("%q.IsReply() = %v, want %v", k, got, want)
		}
	}
}
