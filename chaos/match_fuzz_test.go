package chaos

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
)

// FuzzMatch matches any valid Match against any request net/http parses:
// never a panic; the body reaches the target unchanged after the peek; a
// header name matches whatever its case; what matches satisfies every
// field set.
func FuzzMatch(f *testing.F) {
	call := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo"}}`
	req := func(method, path, header, body string) []byte {
		return []byte(method + " " + path + " HTTP/1.1\r\nHost: h\r\n" + header + "Content-Length: " + itoa(len(body)) + "\r\n\r\n" + body)
	}
	for _, s := range []struct {
		path, prefix, method, rpc, tool, hname, hvalue string
		raw                                            []byte
	}{
		{"/mcp", "", "POST", "", "echo", "", "", req("POST", "/mcp", "", call)},
		{"", "/api/", "", "tools/call", "", "x-tenant", "a", req("POST", "/api/x", "X-Tenant: a\r\nX-Tenant: b\r\n", call)},
		{"", "", "post", "tools/list", "", "", "", req("POST", "/mcp?x=1", "", `[{"method":"tools/list"}]`)},
		{"/a%2Fb", "/a", "GET", "", "", "Mcp-Session-Id", "", req("GET", "/a%2Fb", "Mcp-Session-Id: \r\n", "")},
		{"", "", "", "", "", "", "", []byte("POST /mcp HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"met\r\n0\r\n\r\n")},
	} {
		f.Add(s.path, s.prefix, s.method, s.rpc, s.tool, s.hname, s.hvalue, s.raw)
	}
	f.Fuzz(func(t *testing.T, path, prefix, method, rpcMethod, tool, hname, hvalue string, raw []byte) {
		m := Match{Path: path, PathPrefix: prefix, Method: method, RPCMethod: rpcMethod, Tool: tool}
		if hname != "" {
			m.Header = map[string]string{hname: hvalue}
		}
		var p problems
		m.validate(PerRequest, &p)
		if p.err("fuzz") != nil {
			return
		}
		read := func() *http.Request {
			r, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(raw)))
			if err != nil {
				return nil
			}
			return r
		}
		r, fresh := read(), read()
		if r == nil {
			return
		}
		want, wantErr := io.ReadAll(fresh.Body)
		rpc := peekRPC(r, 1<<10)
		mt := newMatcher(m)
		got := mt.matchHTTP(r, rpc)
		if body, err := io.ReadAll(r.Body); !bytes.Equal(body, want) || (err == nil) != (wantErr == nil) {
			t.Fatalf("body after the peek %q (%v), want %q (%v)", body, err, want, wantErr)
		}
		if m.Header != nil {
			for _, name := range []string{strings.ToLower(hname), strings.ToUpper(hname)} {
				m2 := m
				m2.Header = map[string]string{name: hvalue}
				if mt2 := newMatcher(m2); mt2.matchHTTP(r, rpc) != got {
					t.Fatalf("header %q matches %v, %q %v", hname, got, name, !got)
				}
			}
		}
		if !got {
			return
		}
		switch {
		case path != "" && r.URL.Path != path:
			t.Fatalf("path %q matched Path %q", r.URL.Path, path)
		case prefix != "" && !strings.HasPrefix(r.URL.Path, prefix):
			t.Fatalf("path %q matched PathPrefix %q", r.URL.Path, prefix)
		case method != "" && !strings.EqualFold(r.Method, method):
			t.Fatalf("method %q matched Method %q", r.Method, method)
		case (rpcMethod != "" || tool != "") && rpc == nil:
			t.Fatalf("a request without a JSON-RPC message matched RPCMethod %q, Tool %q", rpcMethod, tool)
		case tool != "" && (rpc.Method != "tools/call" || rpc.Tool != tool):
			t.Fatalf("%+v matched Tool %q", rpc, tool)
		case hname != "" && !contains(r.Header.Values(hname), hvalue):
			t.Fatalf("headers %v matched %q: %q", r.Header, hname, hvalue)
		}
	})
}

func contains(vs []string, v string) bool {
	for _, x := range vs {
		if x == v {
			return true
		}
	}
	return false
}

func itoa(n int) string {
	var b []byte
	for {
		b = append([]byte{byte('0' + n%10)}, b...)
		if n /= 10; n == 0 {
			return string(b)
		}
	}
}

// A body cut short reaches the target cut short after the peek, not as a
// complete one: the peek used to swallow the read error, and the next read
// of the original body gave a clean EOF (found by FuzzMatch, seed
// truncated_body).
func TestPeekRPCKeepsReadError(t *testing.T) {
	r, err := http.ReadRequest(bufio.NewReader(strings.NewReader("POST /mcp HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\n{\"method\":")))
	if err != nil {
		t.Fatal(err)
	}
	if m := peekRPC(r, 1<<10); m != nil {
		t.Fatalf("peekRPC of a cut body = %+v", m)
	}
	body, err := io.ReadAll(r.Body)
	if string(body) != `{"method":` || err != io.ErrUnexpectedEOF {
		t.Fatalf("body after the peek %q, %v; want the bytes and %v", body, err, io.ErrUnexpectedEOF)
	}
}
