package luabind

import (
	"encoding/json"
	"fmt"

	lua "github.com/yuin/gopher-lua"

	"github.com/reslua/reslua/engine"
)

// request is the userdata the mcp.* and http.* builders return: one
// request, built and encoded once, for a load's mix.
type request struct {
	spec engine.RequestSpec
	// invalid marks a check-mode placeholder whose problems were reported.
	invalid bool
}

func (*request) kind() string     { return "request" }
func (r *request) String() string { return "request " + fmt.Sprintf("%q", r.spec.DisplayName()) }

var requestMethods = map[string]lua.LGFunction{
	"name": func(L *lua.LState) int {
		L.Push(lua.LString(self[*request](L, "name").spec.DisplayName()))
		return 1
	},
}

// builder reads the arguments of one request builder, collecting problems.
type builder struct {
	L        *lua.LState
	name     string // "mcp.call"
	problems []string
}

// arity records a problem when more than max arguments were passed.
func (c *builder) arity(max int, usage string) {
	if n := c.L.GetTop(); n > max {
		c.problems = append(c.problems, fmt.Sprintf("%s: expected %s, got %d arguments", c.name, usage, n))
	}
}

// str reads a required string argument.
func (c *builder) str(i int, what string) string {
	v := c.L.Get(i)
	s, ok := v.(lua.LString)
	if !ok || s == "" {
		c.problems = append(c.problems, fmt.Sprintf("%s: %s: expected a non-empty string, got %s", c.name, what, describe(v)))
		return ""
	}
	return string(s)
}

// json encodes an optional table argument; nil when absent. object
// requires a table with names as keys (or an empty one).
func (c *builder) json(i int, what, example string, object bool) json.RawMessage {
	v := c.L.Get(i)
	if v == lua.LNil {
		return nil
	}
	if _, ok := v.(*lua.LTable); !ok {
		c.problems = append(c.problems, fmt.Sprintf("%s: %s: expected a table such as %s, got %s", c.name, what, example, describe(v)))
		return nil
	}
	raw, err := encodeJSON(v, what)
	if err != nil {
		c.problems = append(c.problems, c.name+": "+err.Error())
		return nil
	}
	if object && raw[0] != '{' {
		c.problems = append(c.problems, fmt.Sprintf("%s: %s: expected named values such as %s, got a list", c.name, what, example))
		return nil
	}
	return raw
}

// finish reports the builder's problems through b and returns the request
// as userdata, a placeholder marked invalid when there were problems (in
// check mode; otherwise report has raised).
func (c *builder) finish(b *binder, spec engine.RequestSpec) int {
	r := &request{spec: spec}
	if len(c.problems) > 0 {
		r.invalid = true
		b.report(c.L, c.problems...)
	}
	c.L.Push(wrap(c.L, r, b.requestType))
	return 1
}

func mcpSpec(method, tool string, params json.RawMessage) engine.RequestSpec {
	return engine.RequestSpec{MCP: &engine.MCPRequest{Method: method, Tool: tool, Params: params}}
}

// mcpToolsList implements mcp.tools_list().
func (b *binder) mcpToolsList(L *lua.LState) int {
	c := &builder{L: L, name: "mcp.tools_list"}
	c.arity(0, "no arguments")
	return c.finish(b, mcpSpec("tools/list", "", nil))
}

// mcpPing implements mcp.ping().
func (b *binder) mcpPing(L *lua.LState) int {
	c := &builder{L: L, name: "mcp.ping"}
	c.arity(0, "no arguments")
	return c.finish(b, mcpSpec("ping", "", nil))
}

// mcpCall implements mcp.call(tool, args): a tools/call whose params are
// {"name": tool, "arguments": args}; args nil or {} sends {}.
func (b *binder) mcpCall(L *lua.LState) int {
	c := &builder{L: L, name: "mcp.call"}
	c.arity(2, `a tool name and a table of arguments, as in mcp.call("echo", { message = "hi" })`)
	tool := c.str(1, "tool")
	args := c.json(2, "args", `{ message = "hi" }`, true)
	if args == nil {
		args = json.RawMessage("{}")
	}
	params, err := json.Marshal(struct {
		Name      string          `json:"name"`
		Arguments json.RawMessage `json:"arguments"`
	}{tool, args})
	if err != nil { // cannot happen: args is valid JSON
		c.problems = append(c.problems, "mcp.call: "+err.Error())
	}
	return c.finish(b, mcpSpec("tools/call", tool, params))
}

// mcpRequest implements mcp.request(method, params): any JSON-RPC method,
// params a table (nil sends none, {} sends {}). A tools/call names its
// tool from params.name.
func (b *binder) mcpRequest(L *lua.LState) int {
	c := &builder{L: L, name: "mcp.request"}
	c.arity(2, `a method and a table of params, as in mcp.request("resources/list", {})`)
	method := c.str(1, "method")
	params := c.json(2, "params", `{ uri = "file:///a" }`, false)
	tool := ""
	if method == "tools/call" {
		if t, ok := L.Get(2).(*lua.LTable); ok {
			if s, ok := t.RawGetString("name").(lua.LString); ok {
				tool = string(s)
			}
		}
	}
	return c.finish(b, mcpSpec(method, tool, params))
}

// httpGet implements http.get(path).
func (b *binder) httpGet(L *lua.LState) int {
	c := &builder{L: L, name: "http.get"}
	c.arity(1, `a path, as in http.get("/health")`)
	path := c.str(1, "path")
	return c.finish(b, engine.RequestSpec{HTTP: &engine.HTTPRequest{Method: "GET", Path: path}})
}

// httpPost implements http.post(path, body); body is a string sent as is,
// nil for none.
func (b *binder) httpPost(L *lua.LState) int {
	c := &builder{L: L, name: "http.post"}
	c.arity(2, `a path and a body string, as in http.post("/orders", '{"id": 1}')`)
	path := c.str(1, "path")
	var body []byte
	switch v := L.Get(2).(type) {
	case *lua.LNilType:
	case lua.LString:
		body = []byte(v)
	default:
		c.problems = append(c.problems, fmt.Sprintf("http.post: body: expected a string, got %s", describe(v)))
	}
	return c.finish(b, engine.RequestSpec{HTTP: &engine.HTTPRequest{Method: "POST", Path: path, Body: body}})
}
