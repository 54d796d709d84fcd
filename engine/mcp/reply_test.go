package mcp

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
)

func TestReadResponse(t *testing.T) {
	for _, tc := range []struct {
		name, contentType, body string
		result                  string // the result wanted, or "" for an error
		err                     error
	}{
		{"json", "application/json", `{"jsonrpc":"2.0","id":7,"result":{"a":1}}`, `{"a":1}`, nil},
		{"json with charset", "Application/JSON; charset=utf-8", ` {"jsonrpc":"2.0","id":"7","result":[]}`, `[]`, nil},
		{"json null result", "application/json", `{"jsonrpc":"2.0","id":7,"result":null}`, `null`, nil},
		{"json notification only", "application/json", `{"jsonrpc":"2.0","method":"x"}`, "", ErrProtocol},
		{"json empty", "application/json", ``, "", ErrProtocol},
		{"json batch without response", "application/json", `[{"jsonrpc":"2.0","id":8,"result":{}}]`, "", ErrProtocol},
		{"sse", "text/event-stream", "data: {\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{}}\n\n", `{}`, nil},
		{"sse no space after colon", "text/event-stream", "data:{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":1}\n\n", `1`, nil},
		{"sse CR only", "text/event-stream", ": hi\rdata: {\"jsonrpc\":\"2.0\",\"id\":7,\"result\":2}\r\r", `2`, nil},
		{"sse multi-line data", "text/event-stream", "data: {\"jsonrpc\":\"2.0\",\ndata:\"id\":7,\ndata: \"result\":3}\n\n", `3`, nil},
		{"sse empty data lines", "text/event-stream", "data\n\ndata:\n\ndata: \n\nid: 1\n\ndata: {\"jsonrpc\":\"2.0\",\"id\":7,\"result\":4}\n\n", `4`, nil},
		{"sse other event name", "text/event-stream", "event: ping\ndata: {\"jsonrpc\":\"2.0\",\"id\":7,\"result\":5}\n\n", "", ErrNoResponse},
		{"sse other id then ours", "text/event-stream", "data: {\"jsonrpc\":\"2.0\",\"id\":6,\"result\":5}\n\ndata: {\"jsonrpc\":\"2.0\",\"id\":7,\"result\":6}\n\n", `6`, nil},
		{"sse stops at the response", "text/event-stream", "data: {\"jsonrpc\":\"2.0\",\"id\":7,\"result\":7}\n\ndata: garbage\n\n", `7`, nil},
		{"sse empty", "text/event-stream", "", "", ErrNoResponse},
		{"sse bad json", "text/event-stream", "data: {\n\n", "", ErrProtocol},
		{"no content type", "", `{}`, "", ErrProtocol},
		{"html", "text/html", `<p>`, "", ErrProtocol},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := readResponse(strings.NewReader(tc.body), tc.contentType, 7, maxReply, nil, nil)
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("err = %v, want %v", err, tc.err)
				}
				return
			}
			if err != nil || string(m.Result) != tc.result {
				t.Fatalf("result %s, err %v; want %s", m.Result, err, tc.result)
			}
		})
	}
}

func TestReadResponseError(t *testing.T) {
	m, err := readResponse(strings.NewReader(`{"jsonrpc":"2.0","id":7,"error":{"code":-32601,"message":"no","data":{"x":1}}}`), "application/json", 7, maxReply, nil, nil)
	if err != nil || m.Error == nil || m.Error.Code != -32601 || m.Error.Message != "no" || string(m.Error.Data) != `{"x":1}` {
		t.Fatalf("%+v %v", m.Error, err)
	}
}

// TestReadResponseTooLarge uses a 64 KiB cap; TestBadReplies in
// failure_test.go sends a real reply past the 16 MiB one.
func TestReadResponseTooLarge(t *testing.T) {
	const limit = 64 << 10
	line := strings.Repeat("x", 1<<10)
	for _, tc := range []struct{ name, contentType, body string }{
		{"json", "application/json", `{"jsonrpc":"2.0","id":7,"result":"` + strings.Repeat(line, 65) + `"}`},
		{"sse one line", "text/event-stream", "data: " + strings.Repeat(line, 65)},
		{"sse many lines", "text/event-stream", strings.Repeat(": "+line+"\n", 65)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := readResponse(strings.NewReader(tc.body), tc.contentType, 7, limit, nil, nil)
			if !errors.Is(err, ErrTooLarge) {
				t.Fatalf("err = %v", err)
			}
		})
	}
}

func TestReadResponseReaderError(t *testing.T) {
	_, err := readResponse(io.MultiReader(strings.NewReader("data: x"), errReader{}), "text/event-stream", 7, maxReply, nil, nil)
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("err = %v", err)
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, io.ErrUnexpectedEOF }

func TestBuffersAreReused(t *testing.T) {
	var bufs buffers
	body := "data: {\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{\"k\":\"v\"}}\n\n"
	for range 3 {
		m, err := readResponse(strings.NewReader(body), "text/event-stream", 7, maxReply, &bufs, nil)
		if err != nil || string(m.Result) != `{"k":"v"}` {
			t.Fatalf("%s %v", m.Result, err)
		}
	}
}

func TestAppendRequest(t *testing.T) {
	meta := []byte(`"io.modelcontextprotocol/protocolVersion":"2026-07-28"`)
	for _, tc := range []struct {
		id       int64
		method   string
		params   string
		progress bool
		meta     []byte // nil: sent as is (no template)
		want     string
	}{
		{1, "ping", "", false, nil, `{"jsonrpc":"2.0","id":1,"method":"ping"}`},
		{-1, "notifications/initialized", "", false, nil, `{"jsonrpc":"2.0","method":"notifications/initialized"}`},
		{42, "tools/call", `{"name":"x"}`, false, nil, `{"jsonrpc":"2.0","id":42,"method":"tools/call","params":{"name":"x"}}`},
		{3, "we\"ird\n", "", false, nil, `{"jsonrpc":"2.0","id":3,"method":"we\"ird\n"}`},
		{4, "ping", "", false, meta, `{"jsonrpc":"2.0","id":4,"method":"ping","params":{"_meta":{` + string(meta) + `}}}`},
		{5, "ping", "", true, []byte{}, `{"jsonrpc":"2.0","id":5,"method":"ping","params":{"_meta":{"progressToken":5}}}`},
		{6, "tools/call", `{"name":"x","arguments":{"a":1}}`, true, meta,
			`{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"_meta":{"progressToken":6,` + string(meta) + `},"arguments":{"a":1},"name":"x"}}`},
		// The request's own _meta is kept, its progressToken wins, and the
		// client-owned keys are the client's.
		{7, "tools/list", `{"_meta":{"progressToken":"p","x.y/z":[1],"io.modelcontextprotocol/protocolVersion":"1999-01-01"},"cursor":"c"}`, true, meta,
			`{"jsonrpc":"2.0","id":7,"method":"tools/list","params":{"_meta":{"progressToken":"p","x.y/z":[1],` + string(meta) + `},"cursor":"c"}}`},
	} {
		r := Request{Method: tc.method, Params: json.RawMessage(tc.params), Progress: tc.progress}
		var tmpl *template
		if tc.meta != nil {
			var err error
			if tmpl, err = r.template(); err != nil {
				t.Fatal(err)
			}
		}
		got := appendRequest(nil, tc.id, &r, tmpl, tc.meta)
		if string(got) != tc.want || !json.Valid(got) {
			t.Errorf("got  %s\nwant %s", got, tc.want)
		}
	}
}

func TestTemplate(t *testing.T) {
	for _, tc := range []struct {
		r    Request
		name []string // the Mcp-Name value; nil: none
	}{
		{Ping(), nil},
		{ToolsList("c"), nil},
		{mustCall(t, "echo"), []string{"echo"}},
		{mustCall(t, "héllo"), []string{"=?base64?aMOpbGxv?="}},
		{mustCall(t, " padded "), []string{"=?base64?IHBhZGRlZCA=?="}},
		{mustCall(t, "=?base64?literal?="), []string{"=?base64?PT9iYXNlNjQ/bGl0ZXJhbD89?="}},
		{ResourcesRead("demo://readme"), []string{"demo://readme"}},
		{PromptsGet("greet", nil), []string{"greet"}},
	} {
		tmpl, err := tc.r.template()
		if err != nil {
			t.Fatal(err)
		}
		if tmpl != tc.r.t {
			t.Errorf("%s: template rebuilt", tc.r.Method)
		}
		if !slices.Equal(tmpl.nameValue, tc.name) || tmpl.methodValue[0] != tc.r.Method {
			t.Errorf("%s %s: name %q, want %q", tc.r.Method, tc.r.Params, tmpl.nameValue, tc.name)
		}
	}
	// Editing a built request is noticed.
	r := mustCall(t, "echo")
	r.Params = json.RawMessage(`{"name":"other"}`)
	if tmpl, err := r.template(); err != nil || tmpl == r.t || tmpl.nameValue[0] != "other" {
		t.Errorf("edited request: %+v %v", tmpl, err)
	}
	for _, bad := range []string{`[]`, `null`, `"x"`, `{`, `{"_meta":1}`} {
		if _, err := NewRequest("x", json.RawMessage(bad)); !errors.Is(err, ErrParams) {
			t.Errorf("NewRequest(%s): %v", bad, err)
		}
	}
}

func mustCall(t *testing.T, name string) Request {
	t.Helper()
	r, err := CallTool(name, nil)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestProgressCount(t *testing.T) {
	progress := `data: {"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":7,"progress":1}}` + "\n\n"
	body := progress + ": c\n\n" + progress + `data: {"jsonrpc":"2.0","method":"notifications/message"}` + "\n\n" +
		`data: {"jsonrpc":"2.0","id":7,"result":{}}` + "\n\n" + progress
	var sn seen
	if _, err := readResponse(strings.NewReader(body), "text/event-stream", 7, maxReply, nil, &sn); err != nil || sn.progress != 2 {
		t.Fatalf("%d progress notifications, err %v; want 2", sn.progress, err)
	}
}

// FuzzSSE feeds arbitrary streams to the SSE reader: it must not panic,
// and whatever it returns must be a response to the request.
func FuzzSSE(f *testing.F) {
	f.Add([]byte("data: {\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{}}\n\n"))
	f.Add([]byte(": c\r\n\r\nevent: prime\r\ndata:\r\n\r\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"n\"}\r\n\r\ndata: {\"jsonrpc\":\"2.0\",\"id\":\"7\",\"error\":{\"code\":1,\"message\":\"m\"}}\r\n\r\n"))
	f.Add([]byte("data: [{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":1}]\r\r"))
	f.Add([]byte("data: {\ndata: \"id\":7,\"result\":2}\n\n"))
	f.Add([]byte("event: x\ndata: {}\n\nretry: 5\nid\n\n"))
	f.Add([]byte("data: {\"id\":null,\"error\":{\"code\":-32700,\"message\":\"\"}}\n\n"))
	f.Fuzz(func(t *testing.T, stream []byte) {
		m, err := readResponse(bytes.NewReader(stream), "text/event-stream", 7, 4<<10, nil, nil)
		checkMessage(t, m, err)
	})
}

// FuzzJSONRPC feeds arbitrary bodies to the JSON-RPC envelope parser.
func FuzzJSONRPC(f *testing.F) {
	f.Add([]byte(`{"jsonrpc":"2.0","id":7,"result":{"content":[]}}`))
	f.Add([]byte(`{"jsonrpc":"2.0","id":"7","error":{"code":-32602,"message":"bad","data":null}}`))
	f.Add([]byte(`[{"jsonrpc":"2.0","method":"notifications/progress"},{"id":7,"result":null}]`))
	f.Add([]byte(`{"id":7}`))
	f.Add([]byte(`{"id":7.0,"result":1}`))
	f.Add([]byte(`   `))
	f.Fuzz(func(t *testing.T, body []byte) {
		m, err := readResponse(bytes.NewReader(body), "application/json", 7, 4<<10, nil, nil)
		checkMessage(t, m, err)
		if errors.Is(err, ErrNoResponse) {
			t.Fatalf("a JSON body reported %v", err)
		}
	})
}

// checkMessage checks the contract of readResponse's results.
func checkMessage(t *testing.T, m message, err error) {
	t.Helper()
	if err != nil {
		if !errors.Is(err, ErrProtocol) && !errors.Is(err, ErrNoResponse) {
			t.Fatalf("unexpected error class: %v", err)
		}
		return
	}
	if m.Method != "" {
		t.Fatalf("returned a request or notification: %+v", m)
	}
	if m.Error == nil && !json.Valid(m.Result) {
		t.Fatalf("result %q is not JSON", m.Result)
	}
	if m.Error == nil && !idEqual(m.ID, 7) {
		t.Fatalf("result for id %s, want 7", m.ID)
	}
}

func TestServerRequestCount(t *testing.T) {
	ev := func(msg string) string { return "data: " + msg + "\n\n" }
	body := ev(`{"jsonrpc":"2.0","id":1,"method":"ping"}`) +
		ev(`{"jsonrpc":"2.0","id":"s","method":"sampling/createMessage","params":{}}`) +
		ev(`{"jsonrpc":"2.0","id":2,"method":"roots/list"}`) +
		ev(`{"jsonrpc":"2.0","id":3,"method":"elicitation/create","params":{}}`) +
		ev(`{"jsonrpc":"2.0","id":4,"method":"x/unknown"}`) +
		ev(`{"jsonrpc":"2.0","method":"notifications/message","params":{}}`) + // a notification
		ev(`{"jsonrpc":"2.0","id":null,"method":"ping"}`) + // no id: nothing to answer
		ev(`[{"jsonrpc":"2.0","id":5,"method":"ping"},{"jsonrpc":"2.0","id":7,"result":{}}]`) +
		ev(`{"jsonrpc":"2.0","id":6,"method":"ping"}`) // after the response: not read
	var sn seen
	if _, err := readResponse(strings.NewReader(body), "text/event-stream", 7, maxReply, nil, &sn); err != nil {
		t.Fatal(err)
	}
	if want := (ServerRequests{Ping: 2, Sampling: 1, Roots: 1, Elicitation: 1, Other: 1}); sn.requests != want {
		t.Errorf("ServerRequests = %+v, want %+v", sn.requests, want)
	}
}

// bigReply streams a tools/call response whose text is n bytes (escapes
// and multi-byte characters included), with isError set, built as it is
// read: nothing of its size is held.
func bigReply(prefix string, n int, suffix string) io.Reader {
	unit := `ab\"c\u00e9\\d é` // 16 bytes of string content
	head := prefix + `{"jsonrpc":"2.0","id":7,"result":{"content":[{"type":"text","text":"tool failed: `
	tail := `"}],"isError":true}}` + suffix
	return io.MultiReader(strings.NewReader(head),
		io.LimitReader(repeatReader(unit), int64(n/len(unit)*len(unit))),
		strings.NewReader(tail))
}

// repeatReader repeats its text forever, in whole copies.
type repeatReader string

func (r repeatReader) Read(p []byte) (int, error) {
	if len(p) < len(r) {
		return copy(p, r[:len(p)]), nil // the LimitReader's last piece
	}
	p = p[:len(p)-len(p)%len(r)]
	for i := 0; i < len(p); i += copy(p[i:], r) {
	}
	return len(p), nil
}

// A reply read only to be judged is read to its end past the cap and
// still judged (its id, isError and the start of its text), holding a
// bounded buffer; one whose result is kept fails with ErrTooLarge.
func TestSkimmedReply(t *testing.T) {
	for _, tc := range []struct{ name, contentType, prefix, suffix string }{
		{"json", "application/json", "", ""},
		{"sse", "text/event-stream", ": c\n\ndata: ", "\n\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rb := replyBufs{}
			m, err := readMessage(bigReply(tc.prefix, 8<<20, tc.suffix), tc.contentType, 7, 64<<10, true, &rb, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(m.Result) > 1<<10 {
				t.Errorf("result of %d bytes held, want it skimmed", len(m.Result))
			}
			if err := toolCallError(m.Result); !errors.Is(err, ErrToolError) || !strings.Contains(err.Error(), `tool failed: ab"cé\d é`) {
				t.Errorf("judged %v", err)
			}
			if cap(*rb.body) > 256<<10 {
				t.Errorf("a buffer of %d bytes for a 64 KiB cap", cap(*rb.body))
			}
			rb.release()
			_, err = readMessage(bigReply(tc.prefix, 8<<20, tc.suffix), tc.contentType, 7, 64<<10, false, &rb, nil)
			if !errors.Is(err, ErrTooLarge) {
				t.Errorf("kept: %v, want ErrTooLarge", err)
			}
		})
	}
}

// Skimming a valid JSON value in pieces of any size leaves it valid.
func FuzzSkim(f *testing.F) {
	f.Add([]byte(`{"a":"`+strings.Repeat(`x\u00e9\"\\`, 100)+`","b":[1,"y"]}`), uint8(7))
	f.Fuzz(func(t *testing.T, b []byte, step uint8) {
		if !validJSON(b) || bytes.ContainsAny(b, "\r\n") {
			return
		}
		in := bytes.Clone(b)
		var s skimmer
		var out []byte
		for len(in) > 0 {
			n := min(len(in), int(step)+1)
			out = append(out, s.skim(in[:n])...)
			in = in[n:]
		}
		if !validJSON(out) {
			t.Fatalf("skimmed %q to %q", b, out)
		}
	})
}
