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

// requests makes the request builders (mcp.* and http.*) of one Lua state:
// the scenario's, where a problem is reported through the binder (collected
// in check mode), or a hook worker's, where it raises a Lua error. Its
// JSON encoder's scratch space is the state's, so a requests is used by
// its state's goroutine only.
type requests struct {
	typ    *lua.LTable // the metatable of request userdata
	report func(L *lua.LState, msgs ...string)
	enc    jsonEncoder
}

// functions returns the builders by their names in the DSL, "mcp.call".
func (rs *requests) functions() map[string]lua.LGFunction {
	return map[string]lua.LGFunction{
		"mcp.tools_list":     rs.mcpToolsList,
		"mcp.call":           rs.mcpCall,
		"mcp.ping":           rs.mcpPing,
		"mcp.request":        rs.mcpRequest,
		"mcp.resources_list": rs.mcpResourcesList,
		"mcp.read_resource":  rs.mcpReadResource,
		"mcp.prompts_list":   rs.mcpPromptsList,
		"mcp.get_prompt":     rs.mcpGetPrompt,
		"http.get":           rs.httpGet,
		"http.post":          rs.httpPost,
	}
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

// option reads argument i, when given, as an options table holding the one
// boolean key, as in { all = true }, reporting anything else under ctx.
func (c *builder) option(i int, ctx, key string) bool {
	if c.L.GetTop() < i {
		return false
	}
	f := newFields(c.L.Get(i), ctx, "{ "+key+" = true }")
	v := f.boolean(key, optional)
	f.done()
	c.problems = append(c.problems, f.problems...)
	return v
}

// json appends the JSON encoding of an optional table argument to dst and
// reports whether there was one. object requires a table with names as
// keys (or an empty one).
func (c *builder) json(enc *jsonEncoder, dst []byte, i int, what, example string, object bool) ([]byte, bool) {
	v := c.L.Get(i)
	if v == lua.LNil {
		return dst, false
	}
	if _, ok := v.(*lua.LTable); !ok {
		c.problems = append(c.problems, fmt.Sprintf("%s: %s: expected a table such as %s, got %s", c.name, what, example, describe(v)))
		return dst, false
	}
	start := len(dst)
	out, err := enc.appendJSON(dst, v, what)
	if err != nil {
		c.problems = append(c.problems, c.name+": "+err.Error())
		return dst, false
	}
	if object && out[start] != '{' {
		c.problems = append(c.problems, fmt.Sprintf("%s: %s: expected named values such as %s, got a list", c.name, what, example))
		return dst, false
	}
	return out, true
}

// finish reports the builder's problems and returns the request as
// userdata, a placeholder marked invalid when there were problems (in
// check mode; otherwise report has raised).
func (rs *requests) finish(c *builder, r *request) int {
	if len(c.problems) > 0 {
		r.invalid = true
		rs.report(c.L, c.problems...)
	}
	ud := c.L.NewUserData()
	ud.Value = r
	ud.Metatable = rs.typ
	c.L.Push(ud)
	return 1
}

// mcpRequest is a request userdata's value for an MCP request, allocated
// in one piece.
type mcpRequest struct {
	request
	mcp engine.MCPRequest
}

func newMCP(method, tool string, params json.RawMessage) *request {
	m := &mcpRequest{mcp: engine.MCPRequest{Method: method, Tool: tool, Params: params}}
	m.spec.MCP = &m.mcp
	return &m.request
}

// mcpToolsList implements mcp.tools_list() and mcp.tools_list { all = true },
// which follows nextCursor through every page as one request.
func (rs *requests) mcpToolsList(L *lua.LState) int {
	c := &builder{L: L, name: "mcp.tools_list"}
	c.arity(1, "no arguments, or { all = true }")
	r := newMCP("tools/list", "", nil)
	r.spec.MCP.AllPages = c.option(1, "mcp.tools_list", "all")
	return rs.finish(c, r)
}

// mcpResourcesList implements mcp.resources_list().
func (rs *requests) mcpResourcesList(L *lua.LState) int {
	c := &builder{L: L, name: "mcp.resources_list"}
	c.arity(0, "no arguments")
	return rs.finish(c, newMCP("resources/list", "", nil))
}

// mcpPromptsList implements mcp.prompts_list().
func (rs *requests) mcpPromptsList(L *lua.LState) int {
	c := &builder{L: L, name: "mcp.prompts_list"}
	c.arity(0, "no arguments")
	return rs.finish(c, newMCP("prompts/list", "", nil))
}

// mcpReadResource implements mcp.read_resource(uri): a resources/read of
// uri, named "resources/read URI" in summaries.
func (rs *requests) mcpReadResource(L *lua.LState) int {
	c := &builder{L: L, name: "mcp.read_resource"}
	c.arity(1, `a resource URI, as in mcp.read_resource("demo://readme")`)
	uri := c.str(1, "uri")
	params := appendJSONString(append(make([]byte, 0, 16+len(uri)), `{"uri":`...), uri)
	params = append(params, '}')
	return rs.finish(c, newMCP("resources/read", uri, params))
}

// mcpGetPrompt implements mcp.get_prompt(name, args): a prompts/get of
// the named prompt with string arguments, named "prompts/get NAME".
func (rs *requests) mcpGetPrompt(L *lua.LState) int {
	c := &builder{L: L, name: "mcp.get_prompt"}
	c.arity(2, `a prompt name and a table of string arguments, as in mcp.get_prompt("greet", { name = "Ada" })`)
	name := c.str(1, "name")
	if t, ok := L.Get(2).(*lua.LTable); ok {
		t.ForEach(func(k, v lua.LValue) {
			if _, isStr := v.(lua.LString); !isStr {
				c.problems = append(c.problems, fmt.Sprintf("%s: args[%s]: prompt arguments are strings, got %s", c.name, k, describe(v)))
			}
		})
	}
	params := make([]byte, 0, 64+2*len(name))
	params = append(params, `{"name":`...)
	params = appendJSONString(params, name)
	if args, ok := c.json(&rs.enc, nil, 2, "args", `{ name = "Ada" }`, true); ok {
		params = append(params, `,"arguments":`...)
		params = append(params, args...)
	}
	params = append(params, '}')
	return rs.finish(c, newMCP("prompts/get", name, params))
}

// mcpPing implements mcp.ping().
func (rs *requests) mcpPing(L *lua.LState) int {
	c := &builder{L: L, name: "mcp.ping"}
	c.arity(0, "no arguments")
	return rs.finish(c, newMCP("ping", "", nil))
}

// mcpCall implements mcp.call(tool, args): a tools/call whose params are
// {"name": tool, "arguments": args}; args nil or {} sends {}.
func (rs *requests) mcpCall(L *lua.LState) int {
	c := &builder{L: L, name: "mcp.call"}
	c.arity(3, `a tool name, a table of arguments and options, as in mcp.call("slow", { ms = 10 }, { progress = true })`)
	tool := c.str(1, "tool")
	params := make([]byte, 0, 64+2*len(tool))
	params = append(params, `{"name":`...)
	params = appendJSONString(params, tool)
	params = append(params, `,"arguments":`...)
	params, ok := c.json(&rs.enc, params, 2, "args", `{ message = "hi" }`, true)
	if !ok {
		params = append(params, "{}"...)
	}
	params = append(params, '}')
	r := newMCP("tools/call", tool, params)
	r.spec.MCP.Progress = c.option(3, "mcp.call: options", "progress")
	return rs.finish(c, r)
}

// mcpRequest implements mcp.request(method, params): any JSON-RPC method,
// params a table (nil sends none, {} sends {}). A tools/call names its
// tool from params.name.
func (rs *requests) mcpRequest(L *lua.LState) int {
	c := &builder{L: L, name: "mcp.request"}
	c.arity(2, `a method and a table of params, as in mcp.request("resources/list", {})`)
	method := c.str(1, "method")
	var params json.RawMessage
	if raw, ok := c.json(&rs.enc, nil, 2, "params", `{ uri = "file:///a" }`, false); ok {
		params = raw
	}
	tool := ""
	if method == "tools/call" {
		if t, ok := L.Get(2).(*lua.LTable); ok {
			if s, ok := t.RawGetString("name").(lua.LString); ok {
				tool = string(s)
			}
		}
	}
	return rs.finish(c, newMCP(method, tool, params))
}

// httpGet implements http.get(path).
func (rs *requests) httpGet(L *lua.LState) int {
	c := &builder{L: L, name: "http.get"}
	c.arity(1, `a path, as in http.get("/health")`)
	path := c.str(1, "path")
	return rs.finish(c, &request{spec: engine.RequestSpec{HTTP: &engine.HTTPRequest{Method: "GET", Path: path}}})
}

// httpPost implements http.post(path, body); body is a string sent as is,
// nil for none.
func (rs *requests) httpPost(L *lua.LState) int {
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
	return rs.finish(c, &request{spec: engine.RequestSpec{HTTP: &engine.HTTPRequest{Method: "POST", Path: path, Body: body}}})
}
