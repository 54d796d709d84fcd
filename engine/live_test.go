package engine

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// liveSetup starts, on a manual clock, a run with one load at 2/s against
// a real HTTP server on 127.0.0.1 that answers at once, except the second
// request (due at +0.5s), which blocks until release is closed. It
// returns once that request has arrived, with the clock at +1.2s: the
// judged second +0s..+1s has one fast reply recorded and one request in
// flight.
func liveSetup(t *testing.T, timeout time.Duration) (r *Run, clk *manualClock, release chan struct{}) {
	release = make(chan struct{})
	slow := make(chan struct{})
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if n.Add(1) == 2 {
			close(slow)
			<-release
		}
	}))
	t.Cleanup(srv.Close)
	clk = newManualClock()
	t0 := clk.Now()
	r = NewRun(Config{Clock: clk, Log: io.Discard})
	tg, err := r.AddTarget(TargetSpec{Name: "app", URL: srv.URL, Timeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	l, err := r.StartLoad(ctx, LoadSpec{Name: "l", Target: tg, Rate: 2, Duration: time.Minute, Workers: 4, Queue: 10,
		Mix: []MixEntry{{Weight: 1, Request: RequestSpec{HTTP: &HTTPRequest{Path: "/"}}}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel() // hard stop: the load ends whatever the clock says
		_ = l.Wait(context.Background())
		tg.close()
	})
	clk.WaitSleeper(t0.Add(500 * time.Millisecond)) // the scheduler, for the second arrival
	waitRecorded(l, 1)                              // the first, before the clock moves: its latency is 0
	clk.Set(t0.Add(500 * time.Millisecond))
	<-slow
	clk.Set(t0.Add(1200 * time.Millisecond))
	return r, clk, release
}

// waitRecorded blocks until l has recorded n requests, woken when a
// second's arrivals have all ended (so the n-th must be the last one due
// so far).
func waitRecorded(l *Load, n int64) {
	for {
		ch := l.track.wake.register()
		c, _ := l.names[0].counts()
		if c >= n {
			l.track.wake.unregister()
			return
		}
		<-ch
		l.track.wake.unregister()
	}
}

// TestLiveCheckWaitsForSlowRequests: a live check (an experiment's steady
// state or safety) judges the last whole second only once every request
// due in it has ended, so a slow one counts with its latency. Before, it
// judged what had been recorded: the slow request was left out and the
// p95 read 0 ms (or, with the fast one not yet recorded either, "no data",
// the luabind TestExperimentHypothesis flake).
func TestLiveCheckWaitsForSlowRequests(t *testing.T) {
	r, clk, release := liveSetup(t, time.Minute)
	t0 := r.start
	checks := []CheckSpec{{Metric: "p95", Threshold: "< 100ms"}, {Metric: "count", Threshold: ">= 0"}}
	results := make(chan []CheckResult, 1)
	go func() { results <- r.liveChecks(context.Background(), checks, time.Second, true) }()
	waiting := make(chan struct{})
	go func() {
		clk.WaitSleeper(t0.Add(1200*time.Millisecond + time.Minute)) // the wait's bound
		close(waiting)
	}()
	select {
	case <-waiting:
	case res := <-results:
		close(release)
		t.Fatalf("judged +0s..+1s with a request due in it still in flight: p95 %s, count %s", res[0].Value(), res[1].Value())
	}
	clk.Set(t0.Add(1900 * time.Millisecond)) // the slow request ends 1.4 s after it was due
	close(release)
	res := <-results
	if p95 := res[0]; p95.Passed || p95.Measured < 1400 || p95.Measured > 1400*1.01 || p95.Detail != "" {
		t.Errorf("p95 %s (passed %v, detail %q); want 1400ms, failing, judged on every request", p95.Value(), p95.Passed, p95.Detail)
	}
	if count := res[1]; count.Measured != 2 {
		t.Errorf("count %s, want the 2 requests due in +0s..+1s", count.Value())
	}
}

// TestLiveCheckWaitIsBounded: a request that outlasts the wait (the
// target's timeout) is left out, and the check says so. (The target's
// timeout is in real time, which the test does not let run out.)
func TestLiveCheckWaitIsBounded(t *testing.T) {
	r, clk, release := liveSetup(t, 10*time.Second)
	defer close(release)
	t0 := r.start
	results := make(chan []CheckResult, 1)
	go func() {
		results <- r.liveChecks(context.Background(), []CheckSpec{{Metric: "count", Threshold: ">= 0", Load: "l"}}, time.Second, true)
	}()
	bound := t0.Add(1200*time.Millisecond + 10*time.Second)
	waiting := make(chan struct{})
	go func() {
		clk.WaitSleeper(bound)
		close(waiting)
	}()
	select {
	case <-waiting:
	case res := <-results:
		t.Fatalf("judged +0s..+1s with a request due in it still in flight: count %s (%s)", res[0].Value(), res[0].Detail)
	}
	clk.Set(bound)
	res := <-results
	const want = "judged without 1 requests due in +0s..+1s still in flight after waiting 10s"
	if res[0].Measured != 1 || res[0].Detail != want {
		t.Errorf("count %s, detail %q; want 1, %q", res[0].Value(), res[0].Detail, want)
	}
	if got := failedChecks([]CheckResult{{Check: res[0].Check, Detail: res[0].Detail, NoData: true}}); !strings.Contains(got, want) {
		t.Errorf("failedChecks = %q, want the detail in it", got)
	}
}

// waitSettled blocks until every request of l due in second sec has ended.
func waitSettled(l *Load, sec time.Duration) {
	for {
		ch := l.track.wake.register()
		n, behind := l.track.unfinished([]string{""}, sec, sec+time.Second)
		if n == 0 && !behind {
			l.track.wake.unregister()
			return
		}
		<-ch
		l.track.wake.unregister()
	}
}

// TestProgressShowsOnlyFinishedSeconds: the progress block's last second
// is one whose requests have all ended. Before, it showed +0s..+1s with
// the slow request left out: 1 request, p95 0 ms.
func TestProgressShowsOnlyFinishedSeconds(t *testing.T) {
	r, clk, release := liveSetup(t, time.Minute)
	t0 := r.start
	if last := r.Progress().Loads[0].Last; last.Count != 0 {
		t.Errorf("last second %+v, with a request due in it still in flight", last)
	}
	clk.Set(t0.Add(1900 * time.Millisecond))
	close(release)
	waitSettled(r.loads[0], 0)
	if last := r.Progress().Loads[0].Last; last.Offset != 0 || last.Count != 2 || last.P95 != 1400*time.Millisecond {
		t.Errorf("last second %+v; want +0s, 2 requests, p95 1.4s", last)
	}
}

// TestAbortOnFailWaitsForSlowRequests: an abort_on_fail check evaluated
// during the run counts the slow requests due before the current second.
// Before, the p95 of the run so far left the slow request out and held.
func TestAbortOnFailWaitsForSlowRequests(t *testing.T) {
	r, clk, release := liveSetup(t, time.Minute)
	t0 := r.start
	c, err := ParseCheck(CheckSpec{Metric: "p95", Threshold: "< 1s", AbortOnFail: true})
	if err != nil {
		t.Fatal(err)
	}
	r.mu.Lock()
	r.watched = append(r.watched, c)
	r.mu.Unlock()
	reasons := make(chan string, 1)
	go func() { reasons <- r.brokenCheck(context.Background()) }()
	waiting := make(chan struct{})
	go func() {
		clk.WaitSleeper(t0.Add(1200*time.Millisecond + time.Minute))
		close(waiting)
	}()
	select {
	case <-waiting:
	case reason := <-reasons:
		close(release)
		t.Fatalf("evaluated with a request due before +1s in flight: %q", reason)
	}
	clk.Set(t0.Add(1900 * time.Millisecond))
	close(release)
	if reason := <-reasons; !strings.Contains(reason, "p95 < 1s failed at +1s (140") {
		t.Errorf("brokenCheck = %q, want the p95 with the slow request to fail", reason)
	}
}

// TestLiveWatchJudgesFinishedSeconds: the checks of the watch during an
// experiment's method do not wait; they judge the latest window whose
// requests have all ended, so none while the slow request is in flight,
// then that second with its latency.
func TestLiveWatchJudgesFinishedSeconds(t *testing.T) {
	r, clk, release := liveSetup(t, time.Minute)
	t0 := r.start
	checks := []CheckSpec{{Metric: "p95", Threshold: "< 100ms"}}
	if res := r.liveChecks(context.Background(), checks, time.Second, false); res != nil {
		t.Errorf("judged %s with a request due in +0s..+1s in flight", res[0].Value())
	}
	clk.Set(t0.Add(1900 * time.Millisecond))
	close(release)
	waitSettled(r.loads[0], 0)
	res := r.liveChecks(context.Background(), checks, time.Second, false)
	if len(res) != 1 || res[0].Passed || res[0].Measured < 1400 || res[0].Measured > 1400*1.01 {
		t.Errorf("results %+v; want p95 1400ms, failing", res)
	}
}
