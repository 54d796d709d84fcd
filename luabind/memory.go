package luabind

import (
	"context"
	"fmt"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	lua "github.com/yuin/gopher-lua"
)

// DefaultMemoryLimit bounds what one Lua state (the scenario's, or one
// worker's for its hooks) may hold.
const DefaultMemoryLimit = 256 << 20

// How the memory limit is enforced. gopher-lua has no allocator hook, so
// reslua measures instead: a sampler reads the Go heap every
// memSampleEvery while a state runs, and when the heap has grown by
// memGateStep since its lowest point, it bumps memEpoch. gopher-lua asks
// a state's context for Done before every instruction; the state's
// memWatch context then sees the new epoch and, on the script's own
// goroutine, adds up what the state holds: the strings and tables
// reachable from its globals, registry, call stack and upvalues. More
// than the limit stops the script at that instruction with an error
// naming the limit.
//
// What is bounded: what a state keeps, checked between instructions, so
// one instruction can overshoot (s .. s doubles s: at most about twice
// the limit, and string.rep is capped at maxRepBytes). What is not: Go
// memory behind userdata (replies, requests) and garbage not yet
// collected.
const (
	memSampleEvery = 10 * time.Millisecond
	memGateStep    = 16 << 20
)

var (
	memEpoch    atomic.Uint64 // bumped when the heap has grown by memGateStep
	memWatchers atomic.Int64  // states running under a memWatch
	// memWake wakes the sampler when a first state is counted in. It is
	// made, and the sampler started, at package initialisation: never
	// from inside a testing/synctest bubble, whose end a sampler started
	// there would outlive.
	memWake = make(chan struct{}, 1)
)

func init() { go memSampler() }

// startMemSampler counts a state in, waking the sampler; the returned
// function counts it out.
func startMemSampler() func() {
	memWatchers.Add(1)
	select {
	case memWake <- struct{}{}:
	default:
	}
	var once sync.Once
	return func() { once.Do(func() { memWatchers.Add(-1) }) }
}

// memSampler bumps memEpoch when the heap has grown by memGateStep since
// its lowest point, every memSampleEvery while a state is counted in; it
// sleeps on memWake while none is.
func memSampler() {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	for {
		for memWatchers.Load() == 0 {
			<-memWake
		}
		t := time.NewTicker(memSampleEvery)
		low := uint64(1<<64 - 1)
		for range t.C {
			if memWatchers.Load() == 0 {
				break
			}
			metrics.Read(sample)
			if sample[0].Value.Kind() != metrics.KindUint64 {
				continue
			}
			heap := sample[0].Value.Uint64()
			low = min(low, heap)
			if heap >= low+memGateStep {
				memEpoch.Add(1)
				low = heap
			}
		}
		t.Stop()
	}
}

// closedChan is the Done of a state over its limit.
var closedChan = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

// memWatch is the context a Lua state runs under: ctx, plus the memory
// limit. Done and Err are called by the state's goroutine only.
type memWatch struct {
	context.Context
	L     *lua.LState
	limit int64
	seen  uint64
	over  error
}

// watchMemory returns ctx with L's memory limited to limit bytes (0:
// DefaultMemoryLimit), for L.SetContext.
func watchMemory(ctx context.Context, L *lua.LState, limit int64) *memWatch {
	if limit <= 0 {
		limit = DefaultMemoryLimit
	}
	return &memWatch{Context: ctx, L: L, limit: limit, seen: memEpoch.Load()}
}

// Done is ctx's, or a closed channel once the state holds more than its
// limit.
func (w *memWatch) Done() <-chan struct{} {
	if w.over != nil {
		return closedChan
	}
	if e := memEpoch.Load(); e != w.seen {
		w.seen = e
		if n := stateSize(w.L, w.limit); n > w.limit {
			w.over = &MemoryError{Limit: w.limit}
			return closedChan
		}
	}
	return w.Context.Done()
}

// Err is the MemoryError once the state is over its limit, else ctx's.
func (w *memWatch) Err() error {
	if w.over != nil {
		return w.over
	}
	return w.Context.Err()
}

// MemoryError is why a script over its memory limit was stopped.
type MemoryError struct {
	// Limit is the limit in bytes.
	Limit int64
}

func (e *MemoryError) Error() string {
	return fmt.Sprintf("the script holds more than its memory limit of %d MiB "+
		"(the strings and tables one Lua state may keep); an endless accumulation?", e.Limit>>20)
}

// maxSizedLevels is how deep stateSize looks into the call stack.
const maxSizedLevels = 64

// stateSize adds up, roughly, the bytes of the strings and tables that L
// can reach, stopping once past limit.
func stateSize(L *lua.LState, limit int64) int64 {
	s := sizer{seen: map[any]bool{}, limit: limit}
	s.value(L.G.Global)
	s.value(L.G.Registry)
	s.value(L.Env)
	// The call stack, to a depth: past a frame that tail-called, GetStack
	// counts each tail call as a level and returns the bottom frame for
	// all of them.
	for level := 0; level < maxSizedLevels && s.n <= limit; level++ {
		dbg, ok := L.GetStack(level)
		if !ok {
			break
		}
		for i := 1; s.n <= limit; i++ {
			name, v := L.GetLocal(dbg, i)
			if name == "" {
				break
			}
			s.value(v)
		}
	}
	for i := 1; i <= L.GetTop() && s.n <= limit; i++ {
		s.value(L.Get(i))
	}
	return s.n
}

// sizer walks Lua values once each, with a work list rather than
// recursion: a linked list a million deep is walked in constant Go stack.
type sizer struct {
	seen  map[any]bool
	todo  []lua.LValue
	n     int64
	limit int64
}

func (s *sizer) value(v lua.LValue) {
	s.todo = append(s.todo[:0], v)
	for len(s.todo) > 0 && s.n <= s.limit {
		v := s.todo[len(s.todo)-1]
		s.todo = s.todo[:len(s.todo)-1]
		s.one(v)
	}
}

// one counts v and queues what it refers to.
func (s *sizer) one(v lua.LValue) {
	switch v := v.(type) {
	case lua.LString:
		if len(v) >= 1024 { // a long string is often shared: count it once
			p := unsafe.StringData(string(v))
			if s.seen[p] {
				return
			}
			s.seen[p] = true
		}
		s.n += int64(len(v)) + 16
	case *lua.LTable:
		if v == nil || s.seen[v] {
			return
		}
		s.seen[v] = true
		s.n += 64
		v.ForEach(func(k, x lua.LValue) {
			s.n += 32
			s.todo = append(s.todo, k, x)
		})
		if v.Metatable != nil {
			s.todo = append(s.todo, v.Metatable)
		}
	case *lua.LFunction:
		if v == nil || s.seen[v] {
			return
		}
		s.seen[v] = true
		s.n += 64
		for _, uv := range v.Upvalues {
			if uv != nil {
				s.todo = append(s.todo, uv.Value())
			}
		}
	case *lua.LUserData:
		if v == nil || s.seen[v] {
			return
		}
		s.seen[v] = true
		if v.Metatable != nil {
			s.todo = append(s.todo, v.Metatable)
		}
	}
}
