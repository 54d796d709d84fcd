package luabind

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/reslua/reslua/engine"
	"github.com/reslua/reslua/engine/outcome"
)

// hooks implements engine.Hooks for the Lua functions of one load's mix:
// builders (a function in place of a request) and checks (check = ...).
// It holds the snapshot of what they capture; each engine worker gets a
// Lua state of its own, made by NewWorker, where the snapshot is thawed.
// Everything in hooks is read-only once load { ... } has returned, so
// NewWorker may be called from any number of goroutines.
type hooks struct {
	snap    *snapshot
	entries []hookEntry
	env     map[string]string
	log     io.Writer // shared by the workers' print: locked
	// memLimit is each worker state's memory limit (0: the default).
	memLimit int64
}

// hookEntry is what hooks knows of one mix entry.
type hookEntry struct {
	name         string // the entry's request name
	build, check int    // snapshot function index; -1: none
	mcp          bool   // the entry's fixed request is an MCP one
}

// hookFuncs are the Lua functions one mix entry gave: a builder in place
// of the request, a check. nil: none.
type hookFuncs struct {
	build, check *lua.LFunction
}

// lockedWriter serialises the writes of several workers.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.w.Write(p)
}

// newHooks freezes the hook functions of a load's mix (fns, parallel to
// mix) and returns the load's hooks, or one problem per entry whose
// functions capture what a hook cannot have, e.g.
// `mix[2]: the function captures "lb" (a target); ...`. It runs in the
// script's goroutine, at load { ... } time.
func (b *binder) newHooks(mix []engine.MixEntry, fns []hookFuncs) (*hooks, []string) {
	h := &hooks{env: b.script.opts.Env, log: b.log, entries: make([]hookEntry, len(mix)), memLimit: b.script.opts.MemoryLimit}
	z := newFreezer(b.library)
	var probs []string
	for i, e := range mix {
		he := hookEntry{name: e.Request.DisplayName(), build: -1, check: -1, mcp: e.Request.MCP != nil}
		for _, f := range []struct {
			fn   *lua.LFunction
			idx  *int
			what string
		}{{fns[i].build, &he.build, "the function"}, {fns[i].check, &he.check, "the check function"}} {
			if f.fn == nil {
				continue
			}
			idx, err := z.hook(f.fn)
			if err != "" {
				probs = append(probs, fmt.Sprintf("mix[%d]: %s %s", i+1, f.what, err))
				continue
			}
			*f.idx = idx
		}
		h.entries[i] = he
	}
	h.snap = z.snap
	// A hook that reads a global the scenario has set would get nil:
	// its worker's state has the library's globals only.
	g := b.L.G.Global
	for _, r := range h.snap.globalReads() {
		if v := g.RawGetString(r.name); v != lua.LNil && b.library[v] == "" {
			probs = append(probs, fmt.Sprintf("%s: a hook reads the global %q, which hooks do not see "+
				"(each worker runs hooks in a Lua state of its own, where only what they capture is copied); "+
				"make %s a local of the scenario", r.pos, r.name, r.name))
		}
	}
	return h, probs
}

// trialTimeout bounds one builder's trial run in check mode.
const trialTimeout = time.Second

// trial runs each builder of h once with n = 0 in a throwaway worker
// state, as a check does: a builder that fails or returns something other
// than a request is reported, e.g. `mix[2]: with n = 0: scenario.lua:9:
// attempt to concatenate a nil value`.
func (h *hooks) trial(ctx context.Context) []string {
	w, err := h.newWorker()
	if err != nil {
		return []string{err.Error()}
	}
	defer w.Close()
	var probs []string
	for i, e := range h.entries {
		if e.build < 0 {
			continue
		}
		tctx, cancel := context.WithTimeout(ctx, trialTimeout)
		_, err := w.Build(tctx, i, 0)
		cancel()
		if err != nil {
			var le *Error
			if errors.As(err, &le) && errors.Is(le.Err, context.DeadlineExceeded) && ctx.Err() == nil {
				err = &Error{Pos: le.Pos, Msg: fmt.Sprintf("the builder did not finish within %s; an endless loop?", trialTimeout)}
			}
			probs = append(probs, fmt.Sprintf("mix[%d]: with n = 0: %v", i+1, err))
		}
	}
	return probs
}

// NewWorker implements engine.Hooks.
func (h *hooks) NewWorker() (engine.WorkerHooks, error) { return h.newWorker() }

// hookStateOptions size a worker's Lua state: small to start with (a load
// may have thousands of virtual users), growing as a hook needs.
var hookStateOptions = lua.Options{
	CallStackSize:       200,
	MinimizeStackMemory: true,
	RegistrySize:        256,
	RegistryMaxSize:     256 * 1024,
	RegistryGrowStep:    256,
}

func (h *hooks) newWorker() (*hookWorker, error) {
	L := newSandboxWith(context.Background(), h.log, hookStateOptions)
	reqType := newType(L, "request", requestMethods)
	rs := &requests{typ: reqType, report: raiseProblems}
	library := installHookGlobals(L, rs, h.env)
	th := h.snap.thaw(L, library, reqType)
	w := &hookWorker{
		h:       h,
		L:       L,
		build:   make([]*lua.LFunction, len(h.entries)),
		check:   make([]*lua.LFunction, len(h.entries)),
		mcp:     make([]bool, len(h.entries)),
		replyMT: newReplyType(L),
		release: startMemSampler(),
	}
	for i, e := range h.entries {
		if e.build >= 0 {
			w.build[i] = th.funcs[e.build]
		}
		if e.check >= 0 {
			w.check[i] = th.funcs[e.check]
		}
		w.mcp[i] = e.mcp
	}
	return w, nil
}

// raiseProblems is how a builder in a hook reports its problems: one Lua
// error at the position of its call.
func raiseProblems(L *lua.LState, msgs ...string) {
	msg := msgs[0]
	for _, m := range msgs[1:] {
		msg += "; " + m
	}
	if pos := position(L); pos != "" {
		msg = pos + ": " + msg
	}
	L.Error(lua.LString(msg), 0)
}

// hookVerbs are the verbs a hook cannot call: they describe the run, which
// the scenario's main chunk does.
var hookVerbs = []string{"target", "load", "sleep", "sla", "require"}

// installHookGlobals adds to a worker's sandbox what hooks may use — the
// request builders, env, json and print — and, for the verbs of the
// scenario, functions that raise "load is not available in a request
// hook". It returns the lookup of library values by name, for thaw.
func installHookGlobals(L *lua.LState, rs *requests, env map[string]string) func(name string) lua.LValue {
	unavailable := func(name string) *lua.LFunction {
		return L.NewFunction(func(L *lua.LState) int {
			L.RaiseError("%s is not available in a request hook", name)
			return 0
		})
	}
	mcpT, httpT := builderModules(L, rs)
	demo := L.CreateTable(0, 1)
	demo.RawSetString("mcp", unavailable("demo.mcp"))
	verbs := map[string]lua.LValue{
		"demo": demo,
		"mcp":  mcpT,
		"http": httpT,
		"env": newEnvTable(L, env, func(L *lua.LState, msg string) {
			L.RaiseError("%s", msg)
		}),
		"json":  jsonModule(L, &rs.enc),
		"print": L.GetGlobal("print"),
	}
	for _, name := range hookVerbs {
		verbs[name] = unavailable(name)
	}
	reslua := L.CreateTable(0, len(verbNames))
	for _, name := range verbNames {
		L.SetGlobal(name, verbs[name])
		reslua.RawSetString(name, verbs[name])
	}
	L.SetGlobal("require", verbs["require"])
	guardModules(L, raiseUnknown)
	guardGlobals(L, raiseUnknown)
	return func(name string) lua.LValue { return lookupLibrary(L.G.Global, reslua, name) }
}

// lookupLibrary finds a value that libraryValues names: "string",
// "string.format", "reslua", "reslua.mcp".
func lookupLibrary(g, reslua *lua.LTable, name string) lua.LValue {
	mod, field, dotted := strings.Cut(name, ".")
	var v lua.LValue = reslua
	if mod != "reslua" {
		v = g.RawGetString(mod)
	}
	if !dotted {
		return v
	}
	if t, ok := v.(*lua.LTable); ok {
		return t.RawGetString(field)
	}
	return lua.LNil
}

// hookWorker is the hooks of one engine worker: a Lua state of its own,
// used from that worker's goroutine only.
type hookWorker struct {
	h            *hooks
	L            *lua.LState
	build, check []*lua.LFunction // by mix entry; nil: none
	mcp          []bool           // by mix entry: its last request was MCP
	replyMT      *lua.LTable
	release      func() // counts the state out of the memory sampler
}

// Build implements engine.WorkerHooks: it calls the entry's builder with
// n and returns the request it made.
func (w *hookWorker) Build(ctx context.Context, entry int, n int64) (engine.RequestSpec, error) {
	fn := w.build[entry]
	if fn == nil {
		return engine.RequestSpec{}, fmt.Errorf("mix[%d]: no builder", entry+1)
	}
	L := w.L
	L.SetContext(watchMemory(ctx, L, w.h.memLimit))
	L.Push(fn)
	L.Push(lua.LNumber(n))
	if err := callProtected(L, 1, 1); err != nil {
		return engine.RequestSpec{}, hookError(ctx, fn, "builder", err)
	}
	v := L.Get(-1)
	L.Pop(1)
	var r *request
	if ud, ok := v.(*lua.LUserData); ok {
		r, _ = ud.Value.(*request)
	}
	if r == nil {
		return engine.RequestSpec{}, &Error{Pos: definedAt(fn), Msg: fmt.Sprintf(
			"the builder returned %s; expected a request such as mcp.call(\"echo\", { message = \"hi\" })", describe(v))}
	}
	spec := r.spec
	spec.Name = w.h.entries[entry].name
	w.mcp[entry] = spec.MCP != nil
	return spec, nil
}

// Check implements engine.WorkerHooks: it calls the entry's check with
// the reply, whether it succeeded or not (reply.kind says). true accepts
// it, also a failed reply (an expected 404), which then counts as a
// success; returning nothing accepts a reply that succeeded only. false
// or nil (with an optional message) rejects it, as does an error or
// another value.
func (w *hookWorker) Check(ctx context.Context, entry int, r engine.Reply) error {
	fn := w.check[entry]
	if fn == nil {
		return fmt.Errorf("mix[%d]: no check", entry+1)
	}
	L := w.L
	L.SetContext(watchMemory(ctx, L, w.h.memLimit))
	top := L.GetTop()
	defer L.SetTop(top)
	ud := L.NewUserData()
	ud.Value = &reply{status: r.Status, outcome: r.Kind, body: r.Body, mcp: w.mcp[entry]}
	ud.Metatable = w.replyMT
	L.Push(fn)
	L.Push(ud)
	if err := callProtected(L, 1, lua.MultRet); err != nil {
		return hookError(ctx, fn, "check", err)
	}
	if L.GetTop() == top {
		if r.Kind != outcome.OK {
			return &Error{Pos: definedAt(fn), Msg: "check failed: " + string(r.Kind) + " not accepted (return true to accept it)", Err: engine.ErrReplyRejected}
		}
		return nil
	}
	switch v := L.Get(top + 1); v {
	case lua.LTrue:
		return nil
	case lua.LFalse, lua.LNil:
		msg := "check failed"
		if L.GetTop() > top+1 {
			msg += ": " + L.ToStringMeta(L.Get(top+2)).String()
		}
		return &Error{Pos: definedAt(fn), Msg: msg, Err: engine.ErrReplyRejected}
	default:
		return &Error{Pos: definedAt(fn), Msg: fmt.Sprintf(
			"check failed: the check returned %s; return true to pass, or false and a message to fail", describe(v))}
	}
}

// Close implements engine.WorkerHooks.
func (w *hookWorker) Close() {
	w.L.Close()
	w.release()
}

// definedAt is "path:line" of the line where fn's definition starts.
func definedAt(fn *lua.LFunction) string {
	return fn.Proto.SourceName + ":" + strconv.Itoa(fn.Proto.LineDefined)
}

// hookError turns the error of a hook's failed PCall into an *Error at the
// position Lua gave ("path:line", the hook's definition when it gave
// none); a hook stopped by ctx (the request timeout, the run's hard stop)
// says so and wraps ctx's error.
func hookError(ctx context.Context, fn *lua.LFunction, what string, err error) error {
	msg := errorText(err)
	pos, rest := splitPos(msg)
	if pos == "" {
		pos = definedAt(fn)
	}
	if cerr := ctx.Err(); cerr != nil {
		return &Error{Pos: pos, Msg: fmt.Sprintf("the %s was stopped: %v (an endless loop?)", what, cerr), Err: cerr}
	}
	return &Error{Pos: pos, Msg: rest}
}

// reply is the userdata a check receives: reply.status, reply.kind (the
// outcome: "ok", "http_4xx", "jsonrpc_-32601", ...), reply.body and,
// for an MCP request, reply.result (the JSON-RPC result, decoded on first
// use).
type reply struct {
	status  int
	outcome outcome.Kind
	body    []byte
	mcp     bool
	text    lua.LValue // body as a string, once asked for
	result  lua.LValue // decoded result, once asked for
	decoded bool
}

func (*reply) kind() string     { return "reply" }
func (r *reply) String() string { return "reply " + strconv.Itoa(r.status) }

// replyFields lists a reply's fields for messages.
const replyFields = "status, kind, body, result"

// newReplyType returns the metatable of replies in L.
func newReplyType(L *lua.LState) *lua.LTable {
	mt := L.CreateTable(0, 4)
	mt.RawSetString("__index", L.NewFunction(func(L *lua.LState) int {
		r, ok := L.Get(1).(*lua.LUserData).Value.(*reply)
		if !ok {
			return 0
		}
		switch key := L.Get(2); key {
		case lua.LString("status"):
			L.Push(lua.LNumber(r.status))
		case lua.LString("kind"):
			L.Push(lua.LString(r.outcome))
		case lua.LString("body"):
			if r.text == nil {
				r.text = lua.LString(r.body)
			}
			L.Push(r.text)
		case lua.LString("result"):
			if !r.mcp || len(r.body) == 0 {
				L.Push(lua.LNil)
				break
			}
			if !r.decoded {
				v, err := decodeJSON(L, r.body)
				if err != nil {
					L.RaiseError("reply.result: %v", err)
				}
				r.result, r.decoded = v, true
			}
			L.Push(r.result)
		default:
			name := describe(key)
			if s, ok := key.(lua.LString); ok {
				name = strconv.Quote(string(s))
			}
			L.RaiseError("a reply has no field %s; its fields are %s", name, replyFields)
		}
		return 1
	}))
	mt.RawSetString("__newindex", L.NewFunction(func(L *lua.LState) int {
		L.RaiseError("a reply cannot be changed (setting %s)", describe(L.Get(2)))
		return 0
	}))
	mt.RawSetString("__tostring", L.NewFunction(func(L *lua.LState) int {
		if r, ok := L.Get(1).(*lua.LUserData).Value.(*reply); ok {
			L.Push(lua.LString(r.String()))
			return 1
		}
		L.Push(lua.LString("reply"))
		return 1
	}))
	mt.RawSetString("__metatable", lua.LString("reply"))
	return mt
}
