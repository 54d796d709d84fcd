package chaos

import (
	"fmt"
	"net/http"
	"net/textproto"
	"slices"
	"strings"
)

// Match selects the requests a fault applies to. Every field that is set
// must match (they are ANDed); the zero Match matches everything.
//
// All fields are about HTTP requests, so a fault on a PerConnection
// (TCP) proxy must have the zero Match: a TCP proxy sees bytes, not
// requests, and Validate says so rather than never matching.
type Match struct {
	// Path matches a request whose URL path is exactly this, as in
	// "/mcp". Zero: any path.
	Path string

	// PathPrefix matches a request whose URL path starts with this, as
	// in "/api/". Zero: any path.
	PathPrefix string

	// Method matches the HTTP method, compared case-insensitively, as in
	// "POST". Zero: any method.
	Method string

	// RPCMethod matches the JSON-RPC method of the request body, as in
	// "tools/call" or "resources/read". The proxy reads the body to find
	// it (up to Proxy.PeekLimit bytes) and hands it on to the target
	// unchanged. A request whose body is not a single JSON-RPC message
	// does not match. Zero: any request, JSON-RPC or not.
	RPCMethod string

	// Tool matches the MCP tool name, the params.name of a "tools/call"
	// request. Setting it implies RPCMethod "tools/call". Zero: any.
	Tool string

	// Header matches requests that carry each named header with exactly
	// the given value (one of its values, when it is repeated). Names are
	// case-insensitive. Zero (nil or empty): no condition on headers.
	Header map[string]string
}

// IsZero reports whether m matches everything.
func (m Match) IsZero() bool {
	return m.Path == "" && m.PathPrefix == "" && m.Method == "" &&
		m.RPCMethod == "" && m.Tool == "" && len(m.Header) == 0
}

// needsRPC reports whether matching needs the request body parsed.
func (m *Match) needsRPC() bool { return m.RPCMethod != "" || m.Tool != "" }

func (m *Match) validate(scope Scope, p *problems) {
	if scope == PerConnection {
		for _, f := range []struct {
			name string
			set  bool
		}{
			{"Path", m.Path != ""},
			{"PathPrefix", m.PathPrefix != ""},
			{"Method", m.Method != ""},
			{"RPCMethod", m.RPCMethod != ""},
			{"Tool", m.Tool != ""},
			{"Header", len(m.Header) > 0},
		} {
			if f.set {
				p.add("Match."+f.name, "not available on a per-connection (TCP) proxy, which sees bytes, not requests; leave it empty")
			}
		}
		return
	}
	if m.Path != "" && !strings.HasPrefix(m.Path, "/") {
		p.add("Match.Path", fmt.Sprintf("%q does not start with /", m.Path))
	}
	if m.PathPrefix != "" && !strings.HasPrefix(m.PathPrefix, "/") {
		p.add("Match.PathPrefix", fmt.Sprintf("%q does not start with /", m.PathPrefix))
	}
	if m.Path != "" && m.PathPrefix != "" && !strings.HasPrefix(m.Path, m.PathPrefix) {
		p.add("Match.PathPrefix", fmt.Sprintf("%q can never match together with Match.Path %q", m.PathPrefix, m.Path))
	}
	if m.Method != "" && !isToken(m.Method) {
		p.add("Match.Method", fmt.Sprintf("%q is not an HTTP method", m.Method))
	}
	if m.Tool != "" && m.RPCMethod != "" && m.RPCMethod != "tools/call" {
		p.add("Match.Tool", fmt.Sprintf("applies to tools/call requests only, but Match.RPCMethod is %q", m.RPCMethod))
	}
	names := make([]string, 0, len(m.Header))
	for name := range m.Header {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if !isToken(name) {
			p.add("Match.Header", fmt.Sprintf("%q is not a header name", name))
		}
	}
}

// matcher is a validated Match, ready for the hot path.
type matcher struct {
	path, prefix, method string
	rpcMethod, tool      string
	header               [][2]string // canonical name, value
}

func newMatcher(m Match) matcher {
	mt := matcher{path: m.Path, prefix: m.PathPrefix, method: m.Method, rpcMethod: m.RPCMethod, tool: m.Tool}
	if mt.tool != "" {
		mt.rpcMethod = "tools/call"
	}
	for name, v := range m.Header {
		mt.header = append(mt.header, [2]string{textproto.CanonicalMIMEHeaderKey(name), v})
	}
	slices.SortFunc(mt.header, func(a, b [2]string) int { return strings.Compare(a[0], b[0]) })
	return mt
}

// matchHTTP reports whether r (and its JSON-RPC message, nil when the
// body was not parsed or is not one message) matches.
func (mt *matcher) matchHTTP(r *http.Request, rpc *rpcMessage) bool {
	if mt.path != "" && r.URL.Path != mt.path {
		return false
	}
	if mt.prefix != "" && !strings.HasPrefix(r.URL.Path, mt.prefix) {
		return false
	}
	if mt.method != "" && !strings.EqualFold(r.Method, mt.method) {
		return false
	}
	for _, h := range mt.header {
		if !slices.Contains(r.Header[h[0]], h[1]) {
			return false
		}
	}
	if mt.rpcMethod != "" {
		if rpc == nil || rpc.Method != mt.rpcMethod {
			return false
		}
		if mt.tool != "" && rpc.Tool != mt.tool {
			return false
		}
	}
	return true
}

// isToken reports whether s is a non-empty RFC 9110 token.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}
