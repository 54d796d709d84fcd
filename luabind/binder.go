package luabind

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	lua "github.com/yuin/gopher-lua"

	"github.com/reslua/reslua/engine"
)

// errRunaway is the cause of the deadline Check puts on a script.
var errRunaway = errors.New("runaway script")

// binder connects one Lua state to one engine.Run for one execution of a
// script (a Check or an Exec). It is used by the script's goroutine only.
type binder struct {
	script *Script
	L      *lua.LState
	run    *engine.Run
	ctx    context.Context
	log    io.Writer // print's destination, locked; nil: discarded
	// check collects verb problems in errs and lets the script go on;
	// otherwise the first problem raises a Lua error.
	check bool
	errs  []error
	// raised is the Go error behind the last Lua error a verb raised, so
	// that Exec returns it (with its cause) rather than a copy of its text.
	raised error

	verbs *lua.LTable // what require("reslua") returns
	// Metatables of the DSL's userdata.
	targetType, requestType, trafficType  *lua.LTable
	routerType, faultProxyType, faultType *lua.LTable
	// targets are the script's targets by name (placeholders included),
	// for the routes of a router.
	targets map[string]*target
	reqs    *requests // the request builders
	// library names the values the sandbox offers (string.format,
	// mcp.call), which hooks capture by name instead of copying.
	library map[lua.LValue]string

	modules map[string]lua.LValue // require's cache, by module name
	loading map[string]bool       // modules being loaded, to catch cycles

	// Names declared by loads that check mode found invalid, so that an
	// sla scoped to them reports no second, cascading error.
	invalidLoads    map[string]bool
	invalidRequests map[string]bool

	release func() // counts the state out of the memory sampler
}

func newBinder(ctx context.Context, s *Script, run *engine.Run, check bool) *binder {
	b := &binder{
		script: s, run: run, ctx: ctx, check: check,
		modules: map[string]lua.LValue{}, loading: map[string]bool{}, targets: map[string]*target{},
		invalidLoads: map[string]bool{}, invalidRequests: map[string]bool{},
	}
	var log io.Writer
	if s.opts.Log != nil && !check {
		// A check is a dry run: what the script prints shows in the real
		// run that follows, once. The scenario and its hooks' workers
		// print through one lock.
		b.log = &lockedWriter{w: s.opts.Log}
		log = b.log
	}
	b.L = newSandbox(ctx, log)
	b.L.SetContext(watchMemory(ctx, b.L, s.opts.MemoryLimit))
	b.release = startMemSampler()
	b.install()
	return b
}

// close releases the Lua state.
func (b *binder) close() {
	b.L.Close()
	b.release()
}

// execMain runs the script's main chunk and returns the error that stopped
// it, if any.
func (b *binder) execMain() error {
	L := b.L
	L.Push(L.NewFunctionFromProto(b.script.proto))
	if err := callProtected(L, 0, 0); err != nil {
		return b.translate(err)
	}
	// The callbacks scheduled for the rest of the run (at, every) run
	// while the loads finish.
	if err := b.run.Drain(b.ctx); err != nil {
		var cb *engine.CallbackError
		if errors.As(err, &cb) {
			return cb.Err
		}
		return &Error{Msg: "the run's callbacks: " + err.Error(), Err: err}
	}
	return nil
}

// translate turns the error of a failed PCall into the error to return:
// the Go error a verb raised, a context error with the position where the
// script stopped, or a Lua runtime error split into position and message.
func (b *binder) translate(err error) error {
	msg := errorText(err)
	if b.raised != nil && msg == b.raised.Error() {
		return b.raised
	}
	pos, rest := splitPos(msg)
	if pos == "" {
		pos = b.script.path
	}
	if b.ctx.Err() != nil {
		if context.Cause(b.ctx) == errRunaway {
			return &Error{Pos: pos, Msg: fmt.Sprintf("did not finish within %s during check; an endless loop?",
				b.script.checkTimeout()), Err: b.ctx.Err()}
		}
		return &Error{Pos: pos, Msg: "stopped: " + b.ctx.Err().Error(), Err: b.ctx.Err()}
	}
	return &Error{Pos: pos, Msg: rest}
}

// position returns "path:line" of the innermost Lua function on the call
// stack above the running Go function: the line of the verb's call.
func position(L *lua.LState) string {
	for level := 1; ; level++ {
		dbg, ok := L.GetStack(level)
		if !ok {
			return ""
		}
		if _, err := L.GetInfo("Sl", dbg, lua.LNil); err != nil {
			continue
		}
		if dbg.Source != "" && dbg.CurrentLine > 0 {
			return fmt.Sprintf("%s:%d", dbg.Source, dbg.CurrentLine)
		}
	}
}

// report handles the problems of one verb call, each a message such as
// `load: rate: required`, at the call's position. In check mode they are
// collected and report returns; otherwise they stop the script with one
// Lua error and report does not return.
func (b *binder) report(L *lua.LState, msgs ...string) {
	if len(msgs) == 0 {
		return
	}
	pos := position(L)
	errs := make([]error, len(msgs))
	for i, m := range msgs {
		errs[i] = &Error{Pos: pos, Msg: m}
	}
	if b.check {
		b.errs = append(b.errs, errs...)
		return
	}
	b.raise(L, errors.Join(errs...))
}

// stop ends the script because err happened in verb (e.g. the context
// was cancelled during sleep), in every mode. It does not return.
func (b *binder) stop(L *lua.LState, verb string, err error) {
	var cb *engine.CallbackError
	if errors.As(err, &cb) { // a callback's own error, with its position
		b.raise(L, cb.Err)
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, verb+": ") {
		msg = verb + ": " + msg
	}
	b.raise(L, &Error{Pos: position(L), Msg: msg, Err: err})
}

// raise stops the script with err as a Lua error whose message is err's
// text, remembering err for translate.
func (b *binder) raise(L *lua.LState, err error) {
	if e, ok := err.(interface{ Unwrap() []error }); ok && len(e.Unwrap()) == 1 {
		err = e.Unwrap()[0]
	}
	b.raised = err
	L.Error(lua.LString(err.Error()), 0)
}

// engineProblems splits an engine validation error (errors.Join of one
// error per field) into messages prefixed with ctx, leaving out those about
// keys in skip, which were reported already.
func engineProblems(ctx string, err error, skip []string) []string {
	if err == nil {
		return nil
	}
	var list []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		list = j.Unwrap()
	} else {
		list = []error{err}
	}
	var out []string
next:
	for _, e := range list {
		msg := e.Error()
		for _, k := range skip {
			if strings.HasPrefix(msg, k+":") {
				continue next
			}
		}
		out = append(out, ctx+": "+msg)
	}
	return out
}
