package engine

import (
	"context"
	"sync"
	"time"
)

// guard bounds the script calls of one worker (its builds and checks) by
// the target's timeout, with one context per worker instead of one per
// call: context.WithTimeout for every call cost about 1.5 µs of the 24 µs a
// hooked MCP request took in bench/, more than the guard's timer reset.
//
// Each call gets the current context and arms its timer; the timer, if it
// fires before the call ends, marks the context done with
// context.DeadlineExceeded. A done context is replaced at the next call.
// The zero value is not usable; use newGuard. A guard belongs to one
// goroutine.
type guard struct {
	parent  context.Context
	timeout time.Duration
	cur     *guardCtx
}

func newGuard(parent context.Context, timeout time.Duration) *guard {
	return &guard{parent: parent, timeout: timeout}
}

// begin returns the context of the next call and starts its timeout.
func (g *guard) begin() context.Context {
	if g.cur == nil || g.cur.Err() != nil {
		g.cur = newGuardCtx(g.parent)
	}
	g.cur.timer.Reset(g.timeout)
	return g.cur
}

// end stops the timeout of the call begun last.
func (g *guard) end() {
	if !g.cur.timer.Stop() {
		g.cur = nil // it fired, or is firing: the next call gets a new one
	}
}

// close releases the guard's context.
func (g *guard) close() {
	if g.cur != nil {
		g.cur.timer.Stop()
		g.cur.unhook()
		g.cur.finish(context.Canceled)
	}
}

// guardCtx is a context done when its parent is or when its timer fires.
type guardCtx struct {
	context.Context // the parent, for Deadline and Value
	done            chan struct{}
	once            sync.Once
	err             error // written before done is closed
	timer           *time.Timer
	unhook          func() bool // unregisters from the parent
}

func newGuardCtx(parent context.Context) *guardCtx {
	c := &guardCtx{Context: parent, done: make(chan struct{})}
	c.timer = time.AfterFunc(time.Hour, func() { c.finish(context.DeadlineExceeded) })
	c.timer.Stop()
	c.unhook = context.AfterFunc(parent, func() { c.finish(parent.Err()) })
	if err := parent.Err(); err != nil { // the AfterFunc runs later
		c.finish(err)
	}
	return c
}

// finish marks c done with err, once.
func (c *guardCtx) finish(err error) {
	c.once.Do(func() {
		c.err = err
		close(c.done)
	})
}

func (c *guardCtx) Done() <-chan struct{} { return c.done }

func (c *guardCtx) Err() error {
	select {
	case <-c.done:
		return c.err
	default:
		return nil
	}
}
