package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/reslua/reslua/engine/outcome"
)

// manualClock is a Clock that moves only when the test sets it, for tests
// whose requests go over real sockets (which testing/synctest cannot wait
// on). Sleepers wake when the clock reaches their time or their ctx ends.
type manualClock struct {
	mu      sync.Mutex
	changed *sync.Cond // a sleeper came or went
	now     time.Time
	waiters map[*clockWaiter]struct{}
}

type clockWaiter struct {
	t  time.Time
	ch chan struct{}
}

func newManualClock() *manualClock {
	c := &manualClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), waiters: map[*clockWaiter]struct{}{}}
	c.changed = sync.NewCond(&c.mu)
	return c
}

func (c *manualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *manualClock) SleepUntil(ctx context.Context, t time.Time) error {
	c.mu.Lock()
	if !t.After(c.now) {
		c.mu.Unlock()
		return ctx.Err()
	}
	w := &clockWaiter{t: t, ch: make(chan struct{})}
	c.waiters[w] = struct{}{}
	c.changed.Broadcast()
	c.mu.Unlock()
	select {
	case <-w.ch:
		return nil
	case <-ctx.Done():
		c.mu.Lock()
		delete(c.waiters, w)
		c.changed.Broadcast()
		c.mu.Unlock()
		return ctx.Err()
	}
}

// Set moves the clock to t and wakes the sleepers due by then.
func (c *manualClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
	for w := range c.waiters {
		if !w.t.After(t) {
			close(w.ch)
			delete(c.waiters, w)
		}
	}
}

// WaitSleeper blocks until something sleeps until exactly t.
func (c *manualClock) WaitSleeper(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for {
		for w := range c.waiters {
			if w.t.Equal(t) {
				return
			}
		}
		c.changed.Wait()
	}
}

// hangingServer starts an HTTP server on 127.0.0.1 that never answers: each
// request blocks until its client goes away or the test ends. arrived gets
// a token per request received.
func hangingServer(t *testing.T) (url string, arrived <-chan struct{}) {
	release := make(chan struct{})
	got := make(chan struct{}, 1000)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- struct{}{}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) }) // before Close, which waits for handlers
	return srv.URL, got
}

// TestHangingTargetEndsOnTime: against a target that never answers, a load
// ends at its planned end plus its graceful stop. Arrivals still queued at
// the end are unsent, not sent late; the requests in flight are cut when
// the grace runs out and counted as interrupted, which are failures: no
// check passes a target that answered nothing. Before, every queued
// arrival was sent after the end, each waiting for a worker and its
// timeout (a 10 s load took 52–60 s); and then, error_rate was 0 and
// lost_requests 0 for this target (interrupted requests were no failure,
// unsent arrivals in no check).
func TestHangingTargetEndsOnTime(t *testing.T) {
	for _, tc := range []struct {
		name   string
		closed bool
		grace  time.Duration
	}{
		{"open", false, 5 * time.Second},
		{"closed", true, 5 * time.Second},
		{"open, no grace", false, 0},
	} {
		closed, grace := tc.closed, tc.grace
		t.Run(tc.name, func(t *testing.T) {
			url, arrived := hangingServer(t)
			clk := newManualClock()
			t0 := clk.Now()
			spec := LoadSpec{Name: "l", Target: newTarget(TargetSpec{Name: "hang", URL: url + "/mcp", Timeout: time.Hour}, "test", clk),
				Duration: time.Second, GracefulStop: &grace,
				Mix: []MixEntry{{Weight: 1, Request: RequestSpec{HTTP: &HTTPRequest{Path: "/hang"}}}}}
			if closed {
				spec.Closed, spec.VUs = true, 2
			} else {
				spec.Rate, spec.Workers, spec.Queue = 10, 2, 100
			}
			if err := spec.Validate(); err != nil {
				t.Fatal(err)
			}
			l := newLoad(spec, clk, io.Discard, 0)
			l.start(context.Background())
			defer func() { l.cancel(); <-l.done; spec.Target.close() }()

			<-arrived // arrival 0 at t0 (open) or both users (closed)
			if !closed {
				clk.Set(t0.Add(100 * time.Millisecond)) // arrival 1
			}
			<-arrived
			// Both workers hang; arrivals 2..9 queue behind them.
			clk.Set(t0.Add(time.Second)) // the planned end
			if grace > 0 {
				clk.WaitSleeper(t0.Add(time.Second + grace))
				select {
				case <-l.done:
					t.Fatal("the load ended before its graceful stop ran out, with requests in flight")
				default:
				}
				clk.Set(t0.Add(time.Second + grace))
			}
			<-l.done

			r := l.result()
			q := r.Requests[0]
			if r.Completed() != 2 || q.Errors[outcome.Interrupted] != 2 || q.Failures() != 2 {
				t.Errorf("completed %d, errors %v, failures %d; want 2 interrupted, failures both", r.Completed(), q.Errors, q.Failures())
			}
			if r.Interrupted() != 2 || r.Grace != grace {
				t.Errorf("interrupted %d, grace %s; want 2, %s", r.Interrupted(), r.Grace, grace)
			}
			if r.Elapsed != time.Second {
				t.Errorf("window %s, want the planned 1s", r.Elapsed)
			}
			// Latency runs to the cut: 1 s + grace for the request due at t0.
			if got, want := q.Latency.Max(), (time.Second + grace).Microseconds(); !q.Latency.ValuesAreEquivalent(got, want) {
				t.Errorf("latency max %dµs, want %dµs", got, want)
			}
			if !closed && (r.Scheduled != 10 || r.Unsent != 8) {
				t.Errorf("scheduled %d, unsent %d; want 10, 8 (queued at the end)", r.Scheduled, r.Unsent)
			}
			if n := len(arrived); n != 0 {
				t.Errorf("the target got %d more requests after the load's end", n)
			}
			// The summary and results.json say so.
			res := &Result{Elapsed: time.Second + grace, Loads: []LoadResult{r}}
			// No check passes a target that answered nothing: the cut
			// requests failed, and the unsent arrivals are lost, in the
			// second they were due in (so scoped and sustained checks see
			// them too).
			unsent := map[bool]int64{false: 8, true: 0}[closed]
			lost := 2 + unsent
			for _, cc := range []struct {
				spec CheckSpec
				want float64
			}{
				{CheckSpec{Metric: "error_rate", Threshold: "< 1%"}, 1},
				{CheckSpec{Metric: "errors", Threshold: "== 0"}, 2},
				{CheckSpec{Metric: "lost_requests", Threshold: "== 0"}, float64(lost)},
				{CheckSpec{Metric: "lost_rate", Threshold: "< 1%"}, float64(lost) / float64(2+unsent)},
				{CheckSpec{Metric: "lost_requests", Threshold: "== 0", Load: "l"}, float64(lost)},
				{CheckSpec{Metric: "lost_requests", Threshold: "== 0", From: 0, To: time.Second}, float64(lost)},
				{CheckSpec{Metric: "lost_requests", Threshold: "< 1", Sustained: time.Second}, float64(lost)},
				{CheckSpec{Metric: "lost_rate", Threshold: "< 1%", Sustained: time.Second}, 1},
			} {
				c, err := ParseCheck(cc.spec)
				if err != nil {
					t.Fatal(err)
				}
				got := res.evaluate(c)
				if got.Passed || got.NoData || got.Measured != cc.want {
					t.Errorf("%s (load %q, to %s, for %s): measured %g, passed %v, no data %v; want %g, failed",
						c, cc.spec.Load, cc.spec.To, cc.spec.Sustained, got.Measured, got.Passed, got.NoData, cc.want)
				}
			}
			var sum strings.Builder
			res.WriteSummary(&sum, RunMeta{})
			want := fmt.Sprintf("interrupted: 2 requests still in flight %s after the load's end (graceful_stop) were cut", grace)
			if !strings.Contains(sum.String(), want) || !closed && !strings.Contains(sum.String(), "8 unsent") {
				t.Errorf("summary lacks %q or the unsent arrivals:\n%s", want, sum.String())
			}
			data, err := res.JSON(RunMeta{})
			if err != nil {
				t.Fatal(err)
			}
			var f struct {
				Loads []struct {
					Unsent, Interrupted int64
					GracefulStopMS      float64 `json:"graceful_stop_ms"`
				}
			}
			if err := json.Unmarshal(data, &f); err != nil {
				t.Fatal(err)
			}
			if fl := f.Loads[0]; fl.Interrupted != 2 || fl.Unsent != r.Unsent || fl.GracefulStopMS != float64(grace.Milliseconds()) {
				t.Errorf("results.json: %+v; want 2 interrupted, %d unsent, graceful stop %s", fl, r.Unsent, grace)
			}
		})
	}
}

// TestGracefulStopLetsRequestsFinish: requests in flight at the load's
// end that are answered within the grace count as they came back.
func TestGracefulStopLetsRequestsFinish(t *testing.T) {
	release := make(chan struct{})
	arrived := make(chan struct{}, 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		<-release
	}))
	defer srv.Close()
	clk := newManualClock()
	t0 := clk.Now()
	spec := LoadSpec{Name: "l", Target: newTarget(TargetSpec{Name: "slow", URL: srv.URL + "/mcp", Timeout: time.Hour}, "test", clk),
		Rate: 1, Duration: time.Second, Workers: 1, Queue: 10,
		Mix: []MixEntry{{Weight: 1, Request: RequestSpec{HTTP: &HTTPRequest{Path: "/slow"}}}}}
	l := newLoad(spec, clk, io.Discard, 0)
	l.start(context.Background())
	defer spec.Target.close()
	<-arrived
	clk.Set(t0.Add(time.Second))
	clk.WaitSleeper(t0.Add(time.Second + DefaultGracefulStop))
	close(release) // answered within the grace
	<-l.done
	r := l.result()
	if q := r.Requests[0]; q.Count != 1 || len(q.Errors) != 0 || r.Elapsed != time.Second {
		t.Errorf("count %d, errors %v, window %s; want 1 ok over 1s", q.Count, q.Errors, r.Elapsed)
	}
}
