package deploy

import (
	"hash/maphash"
	"sync"
)

// sessions binds session ids to route indices for stickiness. It is
// sharded to keep lock contention low and bounded: a full shard forgets an
// arbitrary binding to make room (that session is re-balanced on its next
// request, as if its route had lost its weight).
type sessions struct {
	seed   maphash.Seed
	limit  int // per shard
	shards [sessionShards]sessionShard
}

const sessionShards = 32

type sessionShard struct {
	mu sync.Mutex
	m  map[string]uint8
	_  [40]byte // keep shards on their own cache lines
}

func newSessions(limit int) *sessions {
	s := &sessions{seed: maphash.MakeSeed(), limit: max(1, limit/sessionShards)}
	for i := range s.shards {
		s.shards[i].m = make(map[string]uint8)
	}
	return s
}

func (s *sessions) shard(id string) *sessionShard {
	return &s.shards[maphash.String(s.seed, id)%sessionShards]
}

// get returns the route bound to id.
func (s *sessions) get(id string) (int, bool) {
	sh := s.shard(id)
	sh.mu.Lock()
	r, ok := sh.m[id]
	sh.mu.Unlock()
	return int(r), ok
}

// bind binds id to route.
func (s *sessions) bind(id string, route int) {
	sh := s.shard(id)
	sh.mu.Lock()
	if old, ok := sh.m[id]; !ok || int(old) != route {
		if !ok && len(sh.m) >= s.limit {
			for k := range sh.m { // map order is random: evict any one
				delete(sh.m, k)
				break
			}
		}
		sh.m[id] = uint8(route)
	}
	sh.mu.Unlock()
}

// forget drops id's binding.
func (s *sessions) forget(id string) {
	sh := s.shard(id)
	sh.mu.Lock()
	delete(sh.m, id)
	sh.mu.Unlock()
}

// clear drops every binding and returns how many there were.
func (s *sessions) clear() int {
	n := 0
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		n += len(sh.m)
		clear(sh.m)
		sh.mu.Unlock()
	}
	return n
}

// len returns the number of bindings.
func (s *sessions) len() int {
	n := 0
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		n += len(sh.m)
		sh.mu.Unlock()
	}
	return n
}
