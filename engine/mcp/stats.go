package mcp

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Bounds of the handshake latency histogram, in microseconds.
const (
	minLatencyMicros = 1
	maxLatencyMicros = int64(time.Minute / time.Microsecond)
)

// PoolStats counts a Pool's session handshakes. The zero value counts
// nothing and has a nil InitLatency.
type PoolStats struct {
	// Opened counts sessions opened: first handshakes that succeeded.
	Opened int64
	// Reinitialized counts re-initializations that succeeded: sessions the
	// server had forgotten and that were opened again.
	Reinitialized int64
	// OpenFailures counts handshakes (opens and re-initializations) that
	// failed.
	OpenFailures int64
	// InitLatency holds the duration of every successful handshake
	// (initialize plus notifications/initialized), in microseconds, up to
	// one minute. It is a copy, the caller's to keep.
	InitLatency *hdrhistogram.Histogram
}

// stats collects PoolStats. A nil *stats records nothing.
type stats struct {
	opened, reinitialized, openFailures atomic.Int64

	mu          sync.Mutex // guards initLatency
	initLatency *hdrhistogram.Histogram
}

func newStats() *stats {
	return &stats{initLatency: hdrhistogram.New(minLatencyMicros, maxLatencyMicros, 3)}
}

// handshake records one handshake: its duration if it succeeded, as an
// open or a re-initialization.
func (s *stats) handshake(took time.Duration, err error, reinit bool) {
	switch {
	case s == nil:
		return
	case err != nil:
		s.openFailures.Add(1)
		return
	case reinit:
		s.reinitialized.Add(1)
	default:
		s.opened.Add(1)
	}
	us := min(max(took.Microseconds(), minLatencyMicros), maxLatencyMicros)
	s.mu.Lock()
	s.initLatency.RecordValue(us) // cannot fail: us is within the bounds
	s.mu.Unlock()
}

// snapshot returns the counts so far.
func (s *stats) snapshot() PoolStats {
	s.mu.Lock()
	h := s.initLatency.Clone()
	s.mu.Unlock()
	return PoolStats{
		Opened:        s.opened.Load(),
		Reinitialized: s.reinitialized.Load(),
		OpenFailures:  s.openFailures.Load(),
		InitLatency:   h,
	}
}
