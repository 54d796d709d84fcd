package engine

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/reslua/reslua/engine/outcome"
)

// Validating a results file before it is read back: a file a user hands
// to reslua report may be anything, and is refused with the field at
// fault and what was expected, never by a crash or an allocation in
// proportion to a number written in it.

// Ceilings on what a results file may claim.
const (
	// maxFileMS bounds every time and duration in the file: a year.
	maxFileMS = float64(366 * 24 * time.Hour / time.Millisecond)
	// maxFileSeconds bounds the offsets of the per-second series.
	maxFileSeconds = 366 * 24 * 3600
	// maxHistogramBytes bounds the memory of the file's histograms once
	// decoded, all of them together.
	maxHistogramBytes = 512 << 20
)

// fileChecker records the first fault found in a results file.
type fileChecker struct{ err error }

func (c *fileChecker) fail(format string, args ...any) {
	if c.err == nil {
		c.err = fmt.Errorf(format, args...)
	}
}

// instant checks a time in milliseconds from the run's start; negative
// ones mean "never" where the schema says so.
func (c *fileChecker) instant(ms float64, path string, args ...any) {
	if math.IsNaN(ms) || ms < -maxFileMS || ms > maxFileMS {
		c.fail("%s: %v: expected milliseconds from %.0f to %.0f", fmt.Sprintf(path, args...), ms, -maxFileMS, maxFileMS)
	}
}

// length checks a duration in milliseconds.
func (c *fileChecker) length(ms float64, path string, args ...any) {
	if math.IsNaN(ms) || ms < 0 || ms > maxFileMS {
		c.fail("%s: %v: expected milliseconds from 0 to %.0f", fmt.Sprintf(path, args...), ms, maxFileMS)
	}
}

func (c *fileChecker) count(n int64, path string, args ...any) {
	if n < 0 {
		c.fail("%s: %d: expected a count, 0 or more", fmt.Sprintf(path, args...), n)
	}
}

// kinds checks a count per kind of outcome: each request has one outcome,
// so none is negative and together they are at most total.
func (c *fileChecker) kinds(m map[outcome.Kind]int64, total int64, path string, args ...any) {
	var sum int64
	for k, n := range m {
		if n < 0 || n > total {
			c.fail("%s[%q]: %d: expected a count from 0 to %d", fmt.Sprintf(path, args...), k, n, max(total, 0))
			return
		}
		if n > total-sum { // sum ≤ total: no overflow
			c.fail("%s: more outcomes than the %d requests", fmt.Sprintf(path, args...), total)
			return
		}
		sum += n
	}
}

// offset checks a per-second series' offset: within the ceiling and after
// the previous one (prev < 0 for the first).
func (c *fileChecker) offset(s, prev float64, path string, args ...any) {
	if math.IsNaN(s) || s < 0 || s > maxFileSeconds {
		c.fail("%s: %v: expected seconds from 0 to %d", fmt.Sprintf(path, args...), s, maxFileSeconds)
	} else if s <= prev {
		c.fail("%s: %v: expected seconds in increasing order, after %v", fmt.Sprintf(path, args...), s, prev)
	}
}

func (c *fileChecker) checks(fcs []fileCheck, path string) {
	for i, fc := range fcs {
		p := fmt.Sprintf("%s[%d]", path, i)
		c.instant(fc.FromMS, "%s.from_ms", p)
		c.instant(fc.ToMS, "%s.to_ms", p)
		c.length(fc.SustainedMS, "%s.sustained_ms", p)
		c.length(fc.StableMS, "%s.stable_ms", p)
		c.length(fc.SteadyP95MS, "%s.steady_p95_ms", p)
	}
}

func (c *fileChecker) events(es []fileEvent, path string) {
	for i, e := range es {
		c.instant(e.AtMS, "%s[%d].at_ms", path, i)
	}
}

// validate checks what the conversion to a Result, the summary and the
// report rely on: times and durations within maxFileMS, counts not
// negative, per-second series in order within maxFileSeconds. The
// histograms are checked as they are decoded (fileHistograms).
func (f *resultsFile) validate() error {
	c := &fileChecker{}
	c.length(f.ElapsedMS, "elapsed_ms")
	c.length(f.Generator.CPUMS, "generator.cpu_ms")
	if f.Generator.Cores < 0 || f.Generator.EmbeddedServers < 0 {
		c.fail("generator: cores %d, embedded_servers %d: expected counts, 0 or more", f.Generator.Cores, f.Generator.EmbeddedServers)
	}
	c.checks(f.Checks, "checks")
	c.events(f.Events, "events")
	for i, p := range f.Phases {
		c.instant(p.StartMS, "phases[%d].start_ms", i)
		c.instant(p.EndMS, "phases[%d].end_ms", i)
	}
	for i, l := range f.Loads {
		c.load(l, fmt.Sprintf("loads[%d]", i))
	}
	for i, r := range f.Routers {
		p := fmt.Sprintf("routers[%d]", i)
		c.count(r.Requests, "%s.requests", p)
		c.count(r.Errors, "%s.errors", p)
		c.count(r.Unrouted, "%s.unrouted", p)
		for j, rt := range r.Routes {
			c.count(rt.Requests, "%s.routes[%d].requests", p, j)
			c.count(rt.Errors, "%s.routes[%d].errors", p, j)
			c.count(rt.Diverted, "%s.routes[%d].diverted", p, j)
			if rt.Breaker != nil {
				c.breaker(*rt.Breaker, fmt.Sprintf("%s.routes[%d].breaker", p, j))
			}
		}
		prev := -1.0
		for j, s := range r.Seconds {
			c.offset(s.OffsetS, prev, "%s.seconds[%d].offset_s", p, j)
			prev = s.OffsetS
			for k := range s.Requests {
				c.count(s.Requests[k], "%s.seconds[%d].requests[%d]", p, j, k)
			}
			for k := range s.Errors {
				c.count(s.Errors[k], "%s.seconds[%d].errors[%d]", p, j, k)
			}
		}
	}
	for i, ro := range f.Rollouts {
		c.count(ro.Requests, "rollouts[%d].requests", i)
		c.count(ro.Errors, "rollouts[%d].errors", i)
		c.instant(ro.StartedMS, "rollouts[%d].started_ms", i)
		c.instant(ro.EndedMS, "rollouts[%d].ended_ms", i)
		for j, s := range ro.Steps {
			c.length(s.DurationMS, "rollouts[%d].steps[%d].duration_ms", i, j)
			c.count(s.Requests, "rollouts[%d].steps[%d].requests", i, j)
			c.count(s.Errors, "rollouts[%d].steps[%d].errors", i, j)
		}
	}
	for i, fa := range f.Faults {
		c.instant(fa.StartMS, "faults[%d].start_ms", i)
		c.instant(fa.EndMS, "faults[%d].end_ms", i)
		c.count(fa.Matched, "faults[%d].matched", i)
		c.count(fa.Hit, "faults[%d].hit", i)
	}
	for i, b := range f.Breakers {
		c.breaker(b, fmt.Sprintf("breakers[%d]", i))
	}
	for i, e := range f.Experiments {
		p := fmt.Sprintf("experiments[%d]", i)
		c.checks(e.Before, p+".before")
		c.checks(e.During, p+".during")
		c.checks(e.After, p+".after")
		c.events(e.Journal, p+".journal")
		c.instant(e.StartMS, "%s.start_ms", p)
		c.instant(e.EndMS, "%s.end_ms", p)
	}
	return c.err
}

func (c *fileChecker) breaker(b fileBreaker, path string) {
	for i, t := range b.Transitions {
		c.instant(t.AtMS, "%s.transitions[%d].at_ms", path, i)
	}
	for i, d := range b.OpenDurationsMS {
		c.length(d, "%s.open_durations_ms[%d]", path, i)
	}
}

func (c *fileChecker) load(l fileLoad, p string) {
	c.length(l.DurationMS, "%s.duration_ms", p)
	c.length(l.GracefulStopMS, "%s.graceful_stop_ms", p)
	c.length(l.StartMS, "%s.start_ms", p)
	c.length(l.ElapsedMS, "%s.elapsed_ms", p)
	if math.IsNaN(l.Rate) || l.Rate < 0 || l.VUs < 0 {
		c.fail("%s: rate %v, vus %d: expected 0 or more", p, l.Rate, l.VUs)
	}
	for _, n := range []struct {
		v    int64
		name string
	}{{l.Scheduled, "scheduled"}, {l.Completed, "completed"}, {l.Dropped, "dropped"}, {l.Unsent, "unsent"},
		{l.Interrupted, "interrupted"}, {l.QueueMax, "queue_max"},
		{l.Sessions.Opened, "sessions.opened"}, {l.Sessions.Reinitialized, "sessions.reinitialized"},
		{l.Sessions.OpenFailures, "sessions.open_failures"}, {l.Sessions.Deleted, "sessions.deleted"},
		{l.Sessions.DeleteFailures, "sessions.delete_failures"}, {l.Sessions.LeftOpen, "sessions.left_open"},
		{l.Sessions.CancelsSent, "sessions.cancels_sent"}, {l.Sessions.Probes, "sessions.probes"},
		{l.Connections.Dials, "connections.dials"}, {l.Connections.Reconnects, "connections.reconnects"},
		{l.Connections.Replays, "connections.replays"}} {
		c.count(n.v, "%s.%s", p, n.name)
	}
	for _, series := range []struct {
		name string
		secs []fileSecondCount
	}{{"dropped_seconds", l.DroppedSeconds}, {"unsent_seconds", l.UnsentSeconds}} {
		prev := -1.0
		for i, s := range series.secs {
			c.offset(float64(s.OffsetS), prev, "%s.%s[%d].offset_s", p, series.name, i)
			prev = float64(s.OffsetS)
			c.count(s.Count, "%s.%s[%d].count", p, series.name, i)
		}
	}
	for i, q := range l.Requests {
		qp := fmt.Sprintf("%s.requests[%d]", p, i)
		c.count(q.Count, "%s.count", qp)
		c.count(q.Failures, "%s.failures", qp)
		c.count(q.Progress, "%s.progress", qp)
		c.kinds(q.Errors, q.Count, "%s.errors", qp)
		if s := q.ServerRequests; s != nil {
			for _, n := range []int64{s.Ping, s.Sampling, s.Roots, s.Elicitation, s.Other, s.Unanswered} {
				c.count(n, "%s.server_requests", qp)
			}
		}
		prev := -1.0
		for j, s := range q.Seconds {
			c.offset(float64(s.OffsetS), prev, "%s.seconds[%d].offset_s", qp, j)
			prev = float64(s.OffsetS)
			c.count(s.Count, "%s.seconds[%d].count", qp, j)
			c.kinds(s.Errors, s.Count, "%s.seconds[%d].errors", qp, j)
			if h := s.Latency; h != nil && (h.MinUS < 0 || h.MaxUS < 0 || h.SumUS < 0) {
				c.fail("%s.seconds[%d].latency: min_us %d, max_us %d, sum_us %d: expected 0 or more", qp, j, h.MinUS, h.MaxUS, h.SumUS)
			}
		}
	}
}

// histBudget is the memory the file's histograms may still take once
// decoded (maxHistogramBytes at first).
type histBudget struct{ left int64 }

func (b *histBudget) take(n int64) error {
	if b.left -= n; b.left < 0 {
		return fmt.Errorf("histograms would take more than %d MiB decoded", maxHistogramBytes>>20)
	}
	return nil
}

// empty returns an empty histogram for one the file left out, its memory
// taken from b like a decoded one's: a file of many requests without
// histograms must not allocate in proportion to their number.
func (b *histBudget) empty() (*hdrhistogram.Histogram, error) {
	h := newHistogram()
	if err := b.take(int64(h.ByteSize())); err != nil {
		return nil, err
	}
	return h, nil
}

// hdrGeometry reads the range and precision an encoded histogram declares
// without decoding its counts.
func hdrGeometry(s string) (digits int32, lowest, highest int64, err error) {
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return 0, 0, 0, fmt.Errorf("decoding a histogram: %w", err)
	}
	if len(raw) < 8 {
		return 0, 0, 0, fmt.Errorf("decoding a histogram: %d bytes, expected at least 8", len(raw))
	}
	z, err := zlib.NewReader(bytes.NewReader(raw[8:]))
	if err != nil {
		return 0, 0, 0, fmt.Errorf("decoding a histogram: %w", err)
	}
	var h struct {
		Cookie, Payload, Offset, Digits int32
		Lowest, Highest                 int64
	}
	if err := binary.Read(io.LimitReader(z, 32), binary.BigEndian, &h); err != nil {
		return 0, 0, 0, fmt.Errorf("decoding a histogram: header: %w", err)
	}
	return h.Digits, h.Lowest, h.Highest, nil
}

// decodeHDRBounded is decodeHDR for a histogram reslua wrote: microseconds
// up to histMax with at most histSigFigs digits, its memory taken from b.
func decodeHDRBounded(s string, b *histBudget) (*hdrhistogram.Histogram, error) {
	if s == "" {
		return nil, nil
	}
	digits, lowest, highest, err := hdrGeometry(s)
	if err != nil {
		return nil, err
	}
	if digits < 0 || digits > histSigFigs || lowest < 0 || lowest > histMax || highest < 1 || highest > histMax {
		return nil, fmt.Errorf("histogram of values %d to %d with %d significant digits: expected values within %d to %d, at most %d digits",
			lowest, highest, digits, histMin, histMax, histSigFigs)
	}
	h, err := decodeHDR(s)
	if err != nil {
		return nil, err
	}
	if err := b.take(int64(h.ByteSize())); err != nil {
		return nil, err
	}
	return h, nil
}
