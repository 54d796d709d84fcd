package engine

import (
	"sync"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/reslua/reslua/engine/mcp"
	"github.com/reslua/reslua/engine/outcome"
)

// Histograms record microseconds from 1 µs to one hour with three
// significant digits: about 0.1 % error at any size, fixed memory.
const (
	histMin     = 1
	histMax     = int64(time.Hour / time.Microsecond)
	histSigFigs = 3
)

func newHistogram() *hdrhistogram.Histogram {
	return hdrhistogram.New(histMin, histMax, histSigFigs)
}

// recordDuration records d in h in microseconds, clamped to h's range so
// that no value is ever lost.
func recordDuration(h *hdrhistogram.Histogram, d time.Duration) {
	us := int64(d / time.Microsecond)
	if us < histMin {
		us = histMin
	}
	if us > histMax {
		us = histMax
	}
	_ = h.RecordValue(us)
}

// requestStats accumulates the outcomes of one request name in one load.
type requestStats struct {
	name string

	mu      sync.Mutex
	count   int64
	errors  map[outcome.Kind]int64
	latency *hdrhistogram.Histogram // from intended start
	service *hdrhistogram.Histogram // from actual send
	wait    *hdrhistogram.Histogram // in the queue, intended start to send
	// MCP only: time to first byte of the response, and progress
	// notifications seen before responses.
	firstByte      *hdrhistogram.Histogram
	progress       int64
	serverRequests mcp.ServerRequests
	// The per-second series (series.go), placed on the run's timeline by
	// sc; nil sc records none.
	sc     *seriesClock
	series series
	// samples keeps a few failures of each kind as they came back.
	samples sampleSet
}

// newRequestStats returns the stats of request name; sc places its
// per-second series on the run's timeline (nil: no series).
func newRequestStats(name string, sc *seriesClock) *requestStats {
	return &requestStats{name: name, errors: map[outcome.Kind]int64{}, latency: newHistogram(), service: newHistogram(), wait: newHistogram(), firstByte: newHistogram(),
		sc: sc}
}

// recordAt adds one request's outcome, due at intended, with its time to
// first byte and progress notifications when the sender knew them, under
// one lock.
func (s *requestStats) recordAt(intended time.Time, r sendResult, latency, service, wait time.Duration) {
	s.mu.Lock()
	if s.sc != nil {
		s.series.add(s.sc.second(intended), r.kind, latency)
	}
	s.count++
	if r.kind != outcome.OK {
		s.errors[r.kind]++
		if r.kind.IsFailure() {
			var at time.Duration
			if s.sc != nil {
				at = s.sc.offset(intended.Add(latency))
			}
			s.samples.add(r.kind, at, r.fail)
		}
	}
	recordDuration(s.latency, latency)
	if r.kind != outcome.Rejected && r.kind != outcome.Fallback && r.kind != outcome.ScriptError {
		recordDuration(s.service, service) // a request never sent has none
	}
	recordDuration(s.wait, wait)
	if r.firstByte > 0 {
		recordDuration(s.firstByte, r.firstByte)
	}
	s.progress += int64(r.progress)
	if r.serverRequests != (mcp.ServerRequests{}) {
		s.serverRequests.Add(r.serverRequests)
	}
	s.mu.Unlock()
}

func (s *requestStats) snapshot() RequestResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	errs := make(map[outcome.Kind]int64, len(s.errors))
	for k, v := range s.errors {
		errs[k] = v
	}
	return RequestResult{
		Name:      s.name,
		Count:     s.count,
		Errors:    errs,
		Latency:   hdrhistogram.Import(s.latency.Export()),
		Service:   hdrhistogram.Import(s.service.Export()),
		Wait:      hdrhistogram.Import(s.wait.Export()),
		FirstByte: hdrhistogram.Import(s.firstByte.Export()),
		Progress:  s.progress,
		Seconds:   s.series.snapshot(),
		Samples:   s.samples.snapshot(),

		ServerRequests: s.serverRequests,
	}
}

// counts returns how many requests completed and how many of them failed.
func (s *requestStats) counts() (completed, failures int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.count, outcome.Failures(s.errors)
}
