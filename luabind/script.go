package luabind

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/parse"

	"github.com/reslua/reslua/engine"
)

// DefaultCheckTimeout bounds how long Check lets a script run.
const DefaultCheckTimeout = 10 * time.Second

// Options configure how a script runs. The zero value gives the script an
// empty env, lets require search only the scenario's own directory, and
// discards print output.
type Options struct {
	// Env is what the script's read-only env table holds (the CLI merges
	// the process environment and -e KEY=VALUE). Nil means empty.
	Env map[string]string
	// LibPath lists extra directories that require searches, after the
	// scenario's own directory. Nil means only the scenario's directory.
	LibPath []string
	// Log receives print output, one line per call. Nil discards it.
	Log io.Writer
	// CheckTimeout bounds how long Check lets the script run before it
	// calls it a runaway. Zero means DefaultCheckTimeout.
	CheckTimeout time.Duration
	// MemoryLimit bounds, in bytes, the strings and tables one Lua state
	// may hold: the scenario's, or one worker's for its hooks (see
	// memory.go for what is and is not counted). Zero means
	// DefaultMemoryLimit.
	MemoryLimit int64
}

// Script is a scenario compiled once, ready to be checked or executed any
// number of times; each Check or Exec runs it in a fresh Lua state. Its
// methods may be called from several goroutines.
//
// The zero value is not usable; make one with Load.
type Script struct {
	path  string
	opts  Options
	proto *lua.FunctionProto

	mu      sync.Mutex
	modules map[string]module // compiled library modules, by module name
}

// Load reads and compiles the scenario at path. The path is used as given
// in every message, e.g. "scenarios/mcp.lua:12: ...". A missing file is an
// error naming the path; a syntax error is an *Error at its line.
func Load(path string, opts Options) (*Script, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading scenario: %w", err)
	}
	proto, err := compile(path, src)
	if err != nil {
		return nil, err
	}
	return &Script{path: path, opts: opts, proto: proto, modules: map[string]module{}}, nil
}

// Path returns the path the script was loaded from, as given to Load.
func (s *Script) Path() string { return s.path }

func (s *Script) checkTimeout() time.Duration {
	if s.opts.CheckTimeout > 0 {
		return s.opts.CheckTimeout
	}
	return DefaultCheckTimeout
}

// Check runs the script against a dry run (engine.Config{DryRun: true}):
// nothing is started or sent, and every problem is reported rather than
// the first. A verb given a bad table records its problems and hands the
// script a placeholder, so the script goes on; a Lua runtime error ends
// it. Then the dry run's Finish reports checks whose scope names no load
// or request. A script still running after Options.CheckTimeout is
// stopped and reported as a probable endless loop.
//
// Check returns the Plan the script declared and the problems, each an
// *Error; no problems means the script is valid.
func (s *Script) Check(ctx context.Context) (engine.Plan, []error) {
	ctx, cancel := context.WithTimeoutCause(ctx, s.checkTimeout(), errRunaway)
	defer cancel()
	run := engine.NewRun(engine.Config{DryRun: true})
	b := newBinder(ctx, s, run, true)
	defer b.close()
	err := b.execMain()
	errs := b.errs
	if err != nil {
		errs = append(errs, err)
	}
	if _, err := run.Finish(ctx); err != nil {
		errs = append(errs, finishProblems(err)...)
	}
	return run.Plan(), errs
}

// Exec runs the script for real against run. The first problem stops the
// script and is returned as an *Error at its position ("path:line: ...").
// When ctx is cancelled the script stops at its next instruction (or
// sleep or wait returns) and the error wraps ctx.Err(), so
// errors.Is(err, context.Canceled) holds.
//
// Loads and demo servers started by the script outlive ctx: they are
// started with context.WithoutCancel(ctx), because stopping them
// gracefully is the caller's business (Run.Interrupt, then Run.Finish with
// a deadline). Exec does not call run.Finish.
func (s *Script) Exec(ctx context.Context, run *engine.Run) error {
	b := newBinder(ctx, s, run, false)
	defer b.close()
	return b.execMain()
}

// finishProblems turns the error of a dry run's Finish (check scopes that
// name no load or request, each prefixed with its check's Where) into
// *Errors reading "path:line: sla: ...".
func finishProblems(err error) []error {
	var list []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		list = j.Unwrap()
	} else {
		list = []error{err}
	}
	out := make([]error, 0, len(list))
	for _, e := range list {
		inner := errors.Unwrap(e)
		if inner == nil {
			out = append(out, &Error{Msg: e.Error()})
			continue
		}
		pos := strings.TrimSuffix(e.Error(), ": "+inner.Error())
		out = append(out, &Error{Pos: pos, Msg: "sla: " + inner.Error()})
	}
	return out
}

// compile parses and compiles Lua source under the chunk name path.
func compile(path string, src []byte) (*lua.FunctionProto, error) {
	// As Lua does: a UTF-8 byte order mark is skipped, and so is a first
	// line starting with "#" (#!/usr/bin/env reslua), keeping line numbers.
	src = bytes.TrimPrefix(src, []byte("\xef\xbb\xbf"))
	if len(src) > 0 && src[0] == '#' {
		if i := bytes.IndexByte(src, '\n'); i >= 0 {
			src = src[i:]
		} else {
			src = nil
		}
	}
	chunk, err := parse.Parse(bytes.NewReader(src), path)
	if err != nil {
		var perr *parse.Error
		if errors.As(err, &perr) {
			msg := perr.Message
			line := perr.Pos.Line
			if line == parse.EOF || line <= 0 {
				line = bytes.Count(src, []byte("\n")) + 1
				msg += " at end of file (is an \"end\", \"}\" or \")\" missing?)"
			} else if perr.Token != "" {
				msg += fmt.Sprintf(" near %q", perr.Token)
			}
			return nil, &Error{Pos: fmt.Sprintf("%s:%d", path, line), Msg: msg}
		}
		return nil, &Error{Pos: path, Msg: err.Error()}
	}
	fixKeyedCalls(chunk)
	proto, err := lua.Compile(chunk, path)
	if err != nil {
		var cerr *lua.CompileError
		if errors.As(err, &cerr) {
			return nil, &Error{Pos: fmt.Sprintf("%s:%d", path, cerr.Line), Msg: cerr.Message}
		}
		return nil, &Error{Pos: path, Msg: err.Error()}
	}
	return proto, nil
}

// module is a compiled library module and the file it came from.
type module struct {
	proto *lua.FunctionProto
	file  string
}

// findModule compiles the module name ("lib.mixes") from the first
// directory that has it: the scenario's own directory, then
// Options.LibPath. name must already be known to be a dotted word.
func (s *Script) findModule(name string) (module, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m, ok := s.modules[name]; ok {
		return m, nil
	}
	rel := filepath.FromSlash(strings.ReplaceAll(name, ".", "/") + ".lua")
	dirs := append([]string{filepath.Dir(s.path)}, s.opts.LibPath...)
	var tried []string
	for _, dir := range dirs {
		file := filepath.Join(dir, rel)
		src, err := os.ReadFile(file)
		if errors.Is(err, os.ErrNotExist) {
			tried = append(tried, file)
			continue
		}
		if err != nil {
			return module{}, fmt.Errorf("module %q: %w", name, err)
		}
		proto, err := compile(file, src)
		if err != nil {
			return module{}, err
		}
		m := module{proto: proto, file: file}
		s.modules[name] = m
		return m, nil
	}
	return module{}, fmt.Errorf("module %q not found; looked for %s (add a directory with --lib-path)", name, strings.Join(tried, ", "))
}
