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

// PoolStats counts a Pool's session handshakes and closes. The zero value
// counts nothing and has a nil InitLatency.
type PoolStats struct {
	// ProtocolVersion is the revision the pool's sessions speak (the one
	// the server chose in the latest handshake, or 2026-07-28); "" until a
	// session has opened.
	ProtocolVersion string
	// Opened counts sessions opened: first handshakes that succeeded.
	// Sessions of the 2026-07-28 era open without a handshake and are not
	// counted.
	Opened int64
	// Reinitialized counts re-initializations that succeeded: sessions the
	// server had forgotten and that were opened again.
	Reinitialized int64
	// OpenFailures counts handshakes (opens and re-initializations) that
	// failed.
	OpenFailures int64
	// Deleted counts sessions ended with DELETE (2xx, 404 or 405);
	// DeleteFailures the DELETEs that failed otherwise.
	Deleted, DeleteFailures int64
	// LeftOpen counts server sessions the pool left behind on purpose
	// (PoolOptions.KeepSessions): closed without DELETE.
	LeftOpen int64
	// CancelsSent counts notifications/cancelled sent for calls whose
	// context ended before their response (legacy era).
	CancelsSent int64
	// InitLatency holds the duration of every successful handshake
	// (initialize plus notifications/initialized), in microseconds, up to
	// one minute. It is a copy, the caller's to keep.
	InitLatency *hdrhistogram.Histogram
}

// stats collects PoolStats. A nil *stats records nothing.
type stats struct {
	opened, reinitialized, openFailures atomic.Int64
	deletes, deleteFailures, leftOpens  atomic.Int64
	cancels                             atomic.Int64
	protocolVersion                     atomic.Pointer[string]

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

// version records the protocol version of a session state just opened.
func (s *stats) version(st *sessionState) {
	if s != nil {
		if v := s.protocolVersion.Load(); v == nil || *v != st.versionValue[0] {
			s.protocolVersion.Store(&st.versionValue[0])
		}
	}
}

// deleted records a DELETE that ended with err.
func (s *stats) deleted(err error) {
	switch {
	case s == nil:
	case err != nil:
		s.deleteFailures.Add(1)
	default:
		s.deletes.Add(1)
	}
}

// leftOpen records a session closed without DELETE.
func (s *stats) leftOpen() {
	if s != nil {
		s.leftOpens.Add(1)
	}
}

// cancelSent records a notifications/cancelled sent.
func (s *stats) cancelSent() {
	if s != nil {
		s.cancels.Add(1)
	}
}

// snapshot returns the counts so far.
func (s *stats) snapshot() PoolStats {
	s.mu.Lock()
	h := s.initLatency.Clone()
	s.mu.Unlock()
	ps := PoolStats{
		Opened:         s.opened.Load(),
		Reinitialized:  s.reinitialized.Load(),
		OpenFailures:   s.openFailures.Load(),
		Deleted:        s.deletes.Load(),
		DeleteFailures: s.deleteFailures.Load(),
		LeftOpen:       s.leftOpens.Load(),
		CancelsSent:    s.cancels.Load(),
		InitLatency:    h,
	}
	if v := s.protocolVersion.Load(); v != nil {
		ps.ProtocolVersion = *v
	}
	return ps
}
