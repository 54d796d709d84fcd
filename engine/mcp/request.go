package mcp

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Request is one JSON-RPC request to send. The builders (CallTool, Ping,
// ToolsList, ...) and NewRequest encode it once, ready for both protocol
// eras, so a load mix does not re-encode it on every call; do not change
// Method or Params of such a Request afterwards (build a new one — an edit
// is noticed and costs a re-encoding per call). A Request written as a
// literal works too but is encoded per call in the 2026-07-28 era. The zero
// value has no method; servers refuse it.
type Request struct {
	// Method is the JSON-RPC method, e.g. "tools/call".
	Method string
	// Params is the encoded params object; nil: the request has no params
	// (in the 2026-07-28 era it still carries params with their _meta).
	Params json.RawMessage
	// Progress asks the server for progress notifications: the request
	// carries _meta.progressToken, set to its JSON-RPC id (so it is unique
	// among the session's requests in flight). Response.Progress counts
	// the notifications that arrive before the response. A progressToken
	// already in Params' _meta is kept instead.
	Progress bool
	// NoResult leaves Response.Result nil: the caller only wants to know
	// how the call ended. The result is read and judged all the same
	// (isError, input_required), but not copied out of the reply, which
	// saves the one allocation a call otherwise costs.
	NoResult bool

	t *template // Method and Params taken apart; nil: done per call when needed
}

// template is a Request taken apart for the 2026-07-28 era (and for
// progress tokens), where the client adds members to params._meta and
// mirrors the method and name in headers. It never changes once built.
type template struct {
	method      string
	params      json.RawMessage // as built from, to notice later edits
	methodValue []string        // {method}: the Mcp-Method header
	nameValue   []string        // {name or URI, encoded}: the Mcp-Name header; nil when the method has none
	header      [][2]string     // Mcp-Method and (if any) Mcp-Name, for httpc
	meta        []byte          // members of Params' own _meta, without braces and without the client-owned keys; nil if none
	hasToken    bool            // Params' own _meta carries a progressToken
	rest        []byte          // members of Params but _meta, without braces; nil if none
}

// Keys of _meta that the client fills in itself in the 2026-07-28 era; a
// Request's own values for them are dropped.
const (
	metaProtocolVersion    = "io.modelcontextprotocol/protocolVersion"
	metaClientInfo         = "io.modelcontextprotocol/clientInfo"
	metaClientCapabilities = "io.modelcontextprotocol/clientCapabilities"
)

// NewRequest returns a Request for method with params (nil: none), checked
// (params must be a JSON object) and encoded once. Use it for requests not
// covered by a builder.
func NewRequest(method string, params json.RawMessage) (Request, error) {
	t, err := newTemplate(method, params)
	if err != nil {
		return Request{}, err
	}
	return Request{Method: method, Params: params, t: t}, nil
}

// build returns a Request from a builder, whose params are known to be a
// JSON object.
func build(method string, params json.RawMessage) Request {
	r, err := NewRequest(method, params)
	if err != nil {
		panic("mcp: builder made bad params: " + err.Error())
	}
	return r
}

// template returns r taken apart: the one built with r if Method and Params
// have not changed since, else a new one.
func (r *Request) template() (*template, error) {
	if t := r.t; t != nil && t.method == r.Method && sameBytes(t.params, r.Params) {
		return t, nil
	}
	return newTemplate(r.Method, r.Params)
}

// sameBytes reports whether a and b are the same slice (not just equal).
func sameBytes(a, b []byte) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}

func newTemplate(method string, params json.RawMessage) (*template, error) {
	t := &template{method: method, params: params, methodValue: []string{method}}
	if len(params) == 0 {
		t.setHeader()
		return t, nil
	}
	if t, ok := fastTemplate(t, params); ok {
		return t, nil
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(params, &members); err != nil || members == nil {
		return nil, fmt.Errorf("%w: %s %.64s", ErrParams, method, params)
	}
	for _, k := range sortedKeys(members) {
		v := members[k]
		if k != "_meta" {
			t.rest = appendMember(t.rest, k, v)
			continue
		}
		var meta map[string]json.RawMessage
		if err := json.Unmarshal(v, &meta); err != nil || meta == nil {
			return nil, fmt.Errorf("%w: %s params._meta is not an object", ErrParams, method)
		}
		for _, mk := range sortedKeys(meta) {
			switch mk {
			case metaProtocolVersion, metaClientInfo, metaClientCapabilities:
				continue
			case "progressToken":
				t.hasToken = true
			}
			t.meta = appendMember(t.meta, mk, meta[mk])
		}
	}
	key := ""
	switch method {
	case "tools/call", "prompts/get":
		key = "name"
	case "resources/read":
		key = "uri"
	}
	if v, ok := members[key]; ok && key != "" {
		var name string
		if json.Unmarshal(v, &name) == nil {
			t.nameValue = []string{headerValue(name)}
		}
	}
	t.setHeader()
	return t, nil
}

// setHeader fills t.header from t.methodValue and t.nameValue.
func (t *template) setHeader() {
	t.header = [][2]string{{"Mcp-Method", t.methodValue[0]}}
	if t.nameValue != nil {
		t.header = append(t.header, [2]string{"Mcp-Name", t.nameValue[0]})
	}
}

func sortedKeys(m map[string]json.RawMessage) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// appendMember appends `"key":value` to b, after a comma if b is not empty.
// fastTemplate fills t from params without decoding them, for the common
// case of requests built per request by a script: a valid object whose
// keys have no escapes and no top-level _meta. ok is false for anything
// else, which newTemplate then takes apart with encoding/json.
func fastTemplate(t *template, params json.RawMessage) (*template, bool) {
	i := skipSpace(params, 0)
	if i >= len(params) || params[i] != '{' || !validJSON(params) {
		return nil, false
	}
	nameKey := ""
	switch t.method {
	case "tools/call", "prompts/get":
		nameKey = `"name"`
	case "resources/read":
		nameKey = `"uri"`
	}
	type member struct{ key, val []byte }
	var buf [8]member // most params have a few members: no allocation
	members := buf[:0]
	for i++; ; {
		key, val, next, ok := nextMember(params, i)
		if !ok {
			break
		}
		if bytes.IndexByte(key, '\\') >= 0 || string(key) == `"_meta"` {
			return nil, false
		}
		if string(key) == nameKey {
			if len(val) < 2 || val[0] != '"' || bytes.IndexByte(val, '\\') >= 0 {
				return nil, false // a name to decode
			}
			t.nameValue = []string{headerValue(string(val[1 : len(val)-1]))}
		}
		members = append(members, member{key, val})
		i = next
	}
	// In key order, as the decoding path sends them.
	slices.SortFunc(members, func(a, b member) int { return bytes.Compare(a.key, b.key) })
	for _, m := range members {
		t.rest = appendMember(t.rest, string(m.key[1:len(m.key)-1]), m.val)
	}
	t.setHeader()
	return t, true
}

func appendMember(b []byte, key string, value json.RawMessage) []byte {
	if len(b) > 0 {
		b = append(b, ',')
	}
	b = appendString(b, key)
	b = append(b, ':')
	return append(b, value...)
}

// headerValue encodes s for the Mcp-Name header: as is when it is plain
// visible ASCII (spaces inside allowed), else in the Base64 sentinel form
// "=?base64?...?=" of the 2026-07-28 transport (also used for a plain value
// that looks like the sentinel).
func headerValue(s string) string {
	safe := !(strings.HasPrefix(s, "=?base64?") && strings.HasSuffix(s, "?="))
	if n := len(s); n > 0 && (s[0] == ' ' || s[0] == '\t' || s[n-1] == ' ' || s[n-1] == '\t') {
		safe = false
	}
	for i := 0; i < len(s) && safe; i++ {
		c := s[i]
		safe = c == '\t' || c >= 0x20 && c <= 0x7e
	}
	if safe {
		return s
	}
	return "=?base64?" + base64.StdEncoding.EncodeToString([]byte(s)) + "?="
}

// Ping returns a ping request. Revision 2026-07-28 removed ping: a server
// of that era answers it with 404 and JSON-RPC error -32601.
func Ping() Request { return build("ping", nil) }

// ServerDiscover returns a server/discover request, which servers of the
// 2026-07-28 era answer with their supported versions, capabilities and
// identity. Servers of the legacy era do not know it.
func ServerDiscover() Request { return build("server/discover", nil) }

// ToolsList returns a tools/list request for the page at cursor; an empty
// cursor asks for the first page. To fetch every page, use ListAllTools.
func ToolsList(cursor string) Request { return listRequest("tools/list", cursor) }

// ResourcesList returns a resources/list request for the page at cursor;
// an empty cursor asks for the first page.
func ResourcesList(cursor string) Request { return listRequest("resources/list", cursor) }

// PromptsList returns a prompts/list request for the page at cursor; an
// empty cursor asks for the first page.
func PromptsList(cursor string) Request { return listRequest("prompts/list", cursor) }

func listRequest(method, cursor string) Request {
	if cursor == "" {
		return build(method, nil)
	}
	return build(method, stringParams("cursor", cursor))
}

// ResourcesRead returns a resources/read request for uri.
func ResourcesRead(uri string) Request {
	return build("resources/read", stringParams("uri", uri))
}

// CallTool returns a tools/call request for the tool name with arguments
// args, which must encode to a JSON object (a struct or a map); nil sends
// {}. The error is json.Marshal's.
func CallTool(name string, args any) (Request, error) {
	if args == nil {
		args = struct{}{}
	}
	p, err := json.Marshal(struct {
		Name      string `json:"name"`
		Arguments any    `json:"arguments"`
	}{name, args})
	if err != nil {
		return Request{}, err
	}
	return NewRequest("tools/call", p)
}

// PromptsGet returns a prompts/get request for the prompt name with
// arguments args; nil sends none.
func PromptsGet(name string, args map[string]string) Request {
	p, _ := json.Marshal(struct { // cannot fail: strings only
		Name      string            `json:"name"`
		Arguments map[string]string `json:"arguments,omitempty"`
	}{name, args})
	return build("prompts/get", p)
}

// stringParams encodes {"key": value}.
func stringParams(key, value string) json.RawMessage {
	p, _ := json.Marshal(map[string]string{key: value}) // cannot fail: strings only
	return p
}

// appendRequest appends the JSON-RPC message {jsonrpc, id, method, params}
// for r to b. An id below zero makes a notification (no id). With t nil,
// r.Params goes out as is. With t (r taken apart), params gets a _meta
// object holding, in order: a progressToken equal to id (if r.Progress, id
// ≥ 0 and r's own _meta has none), r's own _meta members, and meta (the
// client's per-request members of the 2026-07-28 era; may be empty).
func appendRequest(b []byte, id int64, r *Request, t *template, meta []byte) []byte {
	b = append(b, `{"jsonrpc":"2.0",`...)
	if id >= 0 {
		b = append(b, `"id":`...)
		b = strconv.AppendInt(b, id, 10)
		b = append(b, ',')
	}
	b = append(b, `"method":`...)
	b = appendString(b, r.Method)
	if t == nil {
		if len(r.Params) > 0 {
			b = append(b, `,"params":`...)
			b = append(b, r.Params...)
		}
		return append(b, '}')
	}
	b = append(b, `,"params":{"_meta":{`...)
	n := len(b)
	if r.Progress && id >= 0 && !t.hasToken {
		b = append(b, `"progressToken":`...)
		b = strconv.AppendInt(b, id, 10)
	}
	for _, part := range [][]byte{t.meta, meta} {
		if len(part) > 0 {
			if len(b) > n {
				b = append(b, ',')
			}
			b = append(b, part...)
		}
	}
	b = append(b, '}')
	if len(t.rest) > 0 {
		b = append(b, ',')
		b = append(b, t.rest...)
	}
	return append(b, "}}"...)
}

// appendString appends s as a JSON string. Method names are plain ASCII, so
// that case skips encoding/json.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			q, _ := json.Marshal(s) // cannot fail for a string
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
