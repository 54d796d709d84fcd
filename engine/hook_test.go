package engine

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/reslua/reslua/engine/outcome"
)

// goHooks implements Hooks in Go, counting workers; each worker keeps a
// counter of its own, as a Lua state keeps its own tables.
type goHooks struct {
	workers atomic.Int64
	build   func(entry int, n int64) (RequestSpec, error)
	check   func(entry int, r Reply) error
}

type goWorker struct {
	h     *goHooks
	calls int // touched by its worker only: -race checks it
}

func (h *goHooks) NewWorker() (WorkerHooks, error) {
	h.workers.Add(1)
	return &goWorker{h: h}, nil
}

func (w *goWorker) Build(ctx context.Context, entry int, n int64) (RequestSpec, error) {
	w.calls++
	return w.h.build(entry, n)
}

func (w *goWorker) Check(ctx context.Context, entry int, r Reply) error {
	w.calls++
	return w.h.check(entry, r)
}

func (w *goWorker) Close() {}

// okSender answers every request OK, with status 200 when asked to keep
// the reply.
var okSender = fakeSender(func(context.Context) outcome.Kind { return outcome.OK })

func TestHooksBuildAndCheck(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// Two entries alternate: a (even n) is built, failing when
		// n%4 == 2 (25 times); b (odd n) is checked, rejecting when
		// n%4 == 3 (25 times).
		h := &goHooks{
			build: func(entry int, n int64) (RequestSpec, error) {
				if n%4 == 2 {
					return RequestSpec{}, errors.New("scenario.lua:7: boom")
				}
				return RequestSpec{HTTP: &HTTPRequest{Path: "/"}}, nil
			},
			check: func(entry int, r Reply) error {
				if r.Kind != outcome.OK {
					t.Errorf("check saw kind %q; only successes are checked", r.Kind)
				}
				return nil
			},
		}
		var checked atomic.Int64
		h.check = func(entry int, r Reply) error {
			if checked.Add(1)%2 == 0 {
				return errors.New("scenario.lua:9: unexpected reply")
			}
			return nil
		}
		l := testLoad(100, time.Second, 4, 100, 2)
		l.spec.Hooks = h
		l.spec.Mix[0].Build = true
		l.spec.Mix[1].Check = true
		var built atomic.Int64
		l.makeSender = func(RequestSpec) (sender, error) { built.Add(1); return okSender, nil }
		r := runLoad(l, nil, okSender)
		a, b := r.Requests[0], r.Requests[1]
		if a.Count != 50 || a.Errors[outcome.ScriptError] != 25 || built.Load() != 25 {
			t.Errorf("entry a: %d requests, %d built and sent, errors %v; want 50, 25, 25 script errors", a.Count, built.Load(), a.Errors)
		}
		if b.Count != 50 || b.Errors[outcome.CheckFailed] != 25 {
			t.Errorf("entry b: %d requests, errors %v; want 50, 25 check failures", b.Count, b.Errors)
		}
		if w := h.workers.Load(); w != 4 {
			t.Errorf("%d hook workers, want one per worker goroutine (4), made before arrivals", w)
		}
	})
}

func TestHookReturningNothingIsAScriptError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := &goHooks{build: func(entry int, n int64) (RequestSpec, error) {
			if n%2 == 0 {
				return RequestSpec{}, nil
			}
			return RequestSpec{MCP: &MCPRequest{Method: "ping"}}, nil
		}}
		l := testLoad(100, time.Second, 2, 100, 1)
		l.spec.Hooks = h
		l.spec.Mix[0].Build = true
		l.makeSender = func(RequestSpec) (sender, error) { return okSender, nil }
		r := runLoad(l, nil)
		if q := r.Requests[0]; q.Errors[outcome.ScriptError] != 50 || q.Count != 100 {
			t.Errorf("%d requests, errors %v; want 100 with 50 script errors", q.Count, q.Errors)
		}
	})
}

func TestHooksValidation(t *testing.T) {
	tg := &Target{spec: TargetSpec{Name: "t"}}
	spec := LoadSpec{Target: tg, Rate: 1, Duration: time.Second,
		Mix: []MixEntry{{Weight: 1, Build: true}, {Weight: 1, Check: true, Request: RequestSpec{MCP: &MCPRequest{Method: "ping"}}}}}
	err := spec.Validate()
	for _, want := range []string{
		"mix[1]: a built or checked request needs the load's hooks",
		"mix[1]: name: required for a request built by a function",
		"mix[2]: a built or checked request needs the load's hooks",
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate() = %v, want %q", err, want)
		}
	}
}
