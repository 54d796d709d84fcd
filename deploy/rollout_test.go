package deploy

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// fakeActions records the actions a rollout takes; it can fail on demand.
type fakeActions struct {
	mu        sync.Mutex
	calls     []string
	startErr  error
	failAt    int // fail the failAt-th SetWeights (from 1); 0: never
	failErr   error
	cleanups  []Status
	cleanCtx  error // ctx.Err() seen by Cleanup
	weightSet []Weights
}

func (a *fakeActions) Start(ctx context.Context) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.calls = append(a.calls, "start")
	return a.startErr
}

func (a *fakeActions) SetWeights(ctx context.Context, w Weights) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.weightSet = append(a.weightSet, w.clone())
	a.calls = append(a.calls, "weights "+w.String())
	if len(a.weightSet) == a.failAt {
		return a.failErr
	}
	return nil
}

func (a *fakeActions) Cleanup(ctx context.Context, res *Result) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.calls = append(a.calls, "cleanup "+res.Status.String())
	a.cleanups = append(a.cleanups, res.Status)
	a.cleanCtx = ctx.Err()
	return nil
}

// shares returns the new route's share at each SetWeights.
func (a *fakeActions) shares(to string) []int {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []int
	for _, w := range a.weightSet {
		out = append(out, w[to])
	}
	return out
}

// script is a fake Analyzer: the verdict of each (step, measurement), Pass
// by default, with a message naming them.
type script struct {
	verdicts map[[2]int]Verdict
	errs     map[[2]int]error
	seen     []Step
}

func (s *script) Analyze(ctx context.Context, st Step) (Verdict, string, error) {
	s.seen = append(s.seen, st)
	k := [2]int{st.Number, st.Measurement}
	msg := fmt.Sprintf("step %d measurement %d", st.Number, st.Measurement)
	if err := s.errs[k]; err != nil {
		return Inconclusive, "", err
	}
	if v, ok := s.verdicts[k]; ok {
		if v == Fail {
			msg = "error rate 4.1% > 2%"
		}
		return v, msg, nil
	}
	return Pass, msg, nil
}

func kinds(evs []Event) []string {
	var out []string
	for _, e := range evs {
		s := e.Kind.String()
		if e.Step > 0 {
			s += fmt.Sprint(e.Step)
		}
		out = append(out, s)
	}
	return out
}

func canary(a Actions, an Analyzer) *Canary {
	return &Canary{Rollout: Rollout{
		Actions:  a,
		Analyzer: an,
		Hold:     30 * time.Second,
		Analysis: Analysis{Interval: 10 * time.Second},
	}}
}

func TestCanaryPromotes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fa, sc := &fakeActions{}, &script{}
		c := canary(fa, sc)
		var seen []Event
		c.OnEvent = func(e Event) { seen = append(seen, e) }
		start := time.Now()
		res, err := c.Run(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if res.Status != Promoted || res.Err != nil {
			t.Fatalf("status %v (%s), err %v", res.Status, res.Reason, res.Err)
		}
		if got := fa.shares("canary"); !slices.Equal(got, []int{10, 25, 50, 75, 100}) {
			t.Errorf("canary shares %v, want the default steps", got)
		}
		if !slices.Equal(fa.calls[:1], []string{"start"}) || fa.calls[len(fa.calls)-1] != "cleanup promoted" {
			t.Errorf("calls %v", fa.calls)
		}
		want := []string{"start", "launch"}
		for n := 1; n <= 5; n++ {
			s := fmt.Sprint(n)
			want = append(want, "step"+s, "measurement"+s, "measurement"+s, "measurement"+s, "gate"+s)
		}
		want = append(want, "promotion", "cleanup")
		if got := kinds(res.Events); !slices.Equal(got, want) {
			t.Errorf("events\n got %v\nwant %v", got, want)
		}
		if len(seen) != len(res.Events) {
			t.Errorf("OnEvent saw %d events, the result has %d", len(seen), len(res.Events))
		}
		// Fake time: each step holds 30 s, measured at 10, 20, 30 s.
		if d := time.Since(start); d != 150*time.Second {
			t.Errorf("the rollout took %v, want 5 holds of 30s", d)
		}
		for _, s := range res.Steps {
			if s.Ended.Sub(s.Started) != 30*time.Second || len(s.Measurements) != 3 || s.Verdict != Pass {
				t.Errorf("step %d: %v, %d measurements, %v", s.Number, s.Ended.Sub(s.Started), len(s.Measurements), s.Verdict)
			}
			if m := s.Measurements[0]; m.Time.Sub(s.Started) != 10*time.Second {
				t.Errorf("step %d: first measurement after %v", s.Number, m.Time.Sub(s.Started))
			}
		}
		if st := sc.seen[4]; st.Number != 2 || st.Weight != 25 || st.Measurement != 2 || st.Of != 3 || st.Weights["stable"] != 75 {
			t.Errorf("analyzer saw %+v", st)
		}
	})
}

func TestCanaryFailedAnalysisRollsBack(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fa := &fakeActions{}
		sc := &script{verdicts: map[[2]int]Verdict{{3, 2}: Fail}}
		res, err := canary(fa, sc).Run(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if res.Status != RolledBack || !errors.Is(res.Err, ErrAnalysisFailed) {
			t.Fatalf("status %v, err %v", res.Status, res.Err)
		}
		for _, want := range []string{"analysis failed at step 3 (canary 50%)", "1 of 2 measurements failed (limit 0)", "error rate 4.1% > 2%"} {
			if !strings.Contains(res.Reason, want) {
				t.Errorf("reason %q does not say %q", res.Reason, want)
			}
		}
		if got := fa.shares("canary"); !slices.Equal(got, []int{10, 25, 50, 0}) {
			t.Errorf("canary shares %v, want 10 25 50 then 0", got)
		}
		if res.Weights["stable"] != 100 || !slices.Equal(fa.cleanups, []Status{RolledBack}) {
			t.Errorf("weights %v, cleanups %v", res.Weights, fa.cleanups)
		}
		last := res.Steps[len(res.Steps)-1]
		if len(res.Steps) != 3 || last.Verdict != Fail || last.Ended.Sub(last.Started) != 20*time.Second {
			t.Errorf("steps: %d, last %v after %v (should stop at the failing measurement)", len(res.Steps), last.Verdict, last.Ended.Sub(last.Started))
		}
		k := kinds(res.Events)
		if want := []string{"measurement3", "gate3", "rollback", "cleanup"}; !slices.Equal(k[len(k)-4:], want) {
			t.Errorf("last events %v, want %v", k[len(k)-4:], want)
		}
	})
}

func TestAnalysisLimits(t *testing.T) {
	for _, tc := range []struct {
		name     string
		analysis Analysis
		verdicts map[[2]int]Verdict
		want     Status
		measured int // measurements at step 1
		reason   string
	}{
		{"failure tolerated", Analysis{Interval: 10 * time.Second, FailureLimit: 1}, map[[2]int]Verdict{{1, 1}: Fail}, Promoted, 3, ""},
		{"failure limit exceeded", Analysis{Interval: 10 * time.Second, FailureLimit: 1}, map[[2]int]Verdict{{1, 1}: Fail, {1, 3}: Fail}, RolledBack, 3, "2 of 3 measurements failed (limit 1)"},
		{"inconclusive pauses", Analysis{Interval: 10 * time.Second}, map[[2]int]Verdict{{1, 2}: Inconclusive}, Paused, 2, "1 of 2 measurements inconclusive (limit 0)"},
		{"inconclusive tolerated", Analysis{Interval: 10 * time.Second, InconclusiveLimit: 1}, map[[2]int]Verdict{{1, 2}: Inconclusive}, Promoted, 3, ""},
		{"consecutive successes pass early", Analysis{Interval: 5 * time.Second, ConsecutiveSuccessLimit: 2}, nil, Promoted, 2, ""},
		{"consecutive successes not reached", Analysis{Interval: 10 * time.Second, Count: 3, FailureLimit: 2, ConsecutiveSuccessLimit: 2}, map[[2]int]Verdict{{1, 2}: Fail}, Paused, 3, "1 passes in a row at best of the 2 required"},
		{"count zero fits the hold", Analysis{Interval: 7 * time.Second}, nil, Promoted, 4, ""},
		{"zero analysis measures at the end of the hold", Analysis{}, nil, Promoted, 1, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				c := canary(&fakeActions{}, &script{verdicts: tc.verdicts})
				c.Analysis = tc.analysis
				res, err := c.Run(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				if res.Status != tc.want || !strings.Contains(res.Reason, tc.reason) {
					t.Errorf("status %v (%s), want %v (%s)", res.Status, res.Reason, tc.want, tc.reason)
				}
				s := res.Steps[0]
				if len(s.Measurements) != tc.measured {
					t.Errorf("%d measurements at step 1, want %d", len(s.Measurements), tc.measured)
				}
				if tc.want == Promoted && s.Ended.Sub(s.Started) != 30*time.Second {
					t.Errorf("step 1 lasted %v, want the 30s hold", s.Ended.Sub(s.Started))
				}
			})
		})
	}
}

func TestInconclusiveDecision(t *testing.T) {
	for _, tc := range []struct {
		decision Decision
		err      error
		want     Status
		shares   []int
		reason   string
	}{
		{Continue, nil, Promoted, []int{10, 25, 50, 75, 100}, "promoted canary after 5 steps"},
		{Promote, nil, Promoted, []int{10, 25, 100}, "promoted canary after 2 steps"},
		{Rollback, nil, RolledBack, []int{10, 25, 0}, "rolled back by the caller's decision at step 2 (canary 25%)"},
		{Hold, nil, Paused, []int{10, 25}, "paused at step 2 (canary 25%)"},
		{0, errors.New("operator unreachable"), RolledBack, []int{10, 25, 0}, "operator unreachable"},
	} {
		t.Run(tc.decision.String()+fmt.Sprint(tc.err != nil), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				fa := &fakeActions{}
				c := canary(fa, &script{verdicts: map[[2]int]Verdict{{2, 1}: Inconclusive}})
				var asked []Pause
				c.Decide = func(ctx context.Context, p Pause) (Decision, error) {
					asked = append(asked, p)
					return tc.decision, tc.err
				}
				res, err := c.Run(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				if res.Status != tc.want || !strings.Contains(res.Reason, tc.reason) {
					t.Errorf("status %v (%s), want %v (%s)", res.Status, res.Reason, tc.want, tc.reason)
				}
				if got := fa.shares("canary"); !slices.Equal(got, tc.shares) {
					t.Errorf("shares %v, want %v", got, tc.shares)
				}
				if len(asked) != 1 || asked[0].Step.Number != 2 || !strings.Contains(asked[0].Reason, "inconclusive") {
					t.Errorf("asked %+v", asked)
				}
				if tc.err != nil && !errors.Is(res.Err, tc.err) {
					t.Errorf("err %v, want the decision's error", res.Err)
				}
				if tc.err == nil && res.Steps[1].Decision != tc.decision {
					t.Errorf("step 2 decision %v", res.Steps[1].Decision)
				}
				k := kinds(res.Events)
				if i := slices.Index(k, "pause2"); i < 0 || k[i-1] != "gate2" || k[i+1] != "decision2" {
					t.Errorf("events %v: want gate2, pause2, decision2", k)
				}
			})
		})
	}
}

func TestPausedThenResumed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fa := &fakeActions{}
		c := canary(fa, &script{verdicts: map[[2]int]Verdict{{2, 3}: Inconclusive}})
		if _, err := c.Resume(context.Background(), Continue); !errors.Is(err, ErrNotPaused) {
			t.Errorf("Resume before Run: %v", err)
		}
		res, err := c.Run(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if res.Status != Paused || res.Weights["canary"] != 25 || res.Err != nil || len(fa.cleanups) != 0 {
			t.Fatalf("status %v, weights %v, err %v, cleanups %v", res.Status, res.Weights, res.Err, fa.cleanups)
		}
		res, err = c.Resume(context.Background(), Hold)
		if err != nil || res.Status != Paused {
			t.Fatalf("Resume(Hold): %v, %v", res.Status, err)
		}
		res, err = c.Resume(context.Background(), Continue)
		if err != nil {
			t.Fatal(err)
		}
		if res.Status != Promoted || len(res.Steps) != 5 || res.Steps[1].Decision != Continue {
			t.Errorf("after Resume: %v, %d steps, step 2 decision %v", res.Status, len(res.Steps), res.Steps[1].Decision)
		}
		if got := fa.shares("canary"); !slices.Equal(got, []int{10, 25, 50, 75, 100}) {
			t.Errorf("shares %v", got)
		}
		if _, err := c.Resume(context.Background(), Continue); !errors.Is(err, ErrNotPaused) {
			t.Errorf("Resume after promotion: %v", err)
		}
	})
}

// errBalancer stands for the error a script's action returns, with the
// script's position in it.
var errBalancer = errors.New("scenario.lua:12: balancer said no")

func TestActionErrorRollsBack(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fa := &fakeActions{failAt: 2, failErr: errBalancer}
		res, err := canary(fa, &script{}).Run(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if res.Status != RolledBack || !errors.Is(res.Err, errBalancer) {
			t.Fatalf("status %v, err %v; want RolledBack with the action's error", res.Status, res.Err)
		}
		for _, s := range []string{res.Reason, res.Err.Error()} {
			if !strings.Contains(s, "scenario.lua:12: balancer said no") {
				t.Errorf("%q does not carry the action's message", s)
			}
		}
		if !strings.Contains(res.Reason, "step 2 (canary 25%)") {
			t.Errorf("reason %q does not name the step", res.Reason)
		}
		if got := fa.shares("canary"); !slices.Equal(got, []int{10, 25, 0}) {
			t.Errorf("shares %v, want 10, 25 (failed), then the rollback", got)
		}
		var stepErr *Event
		for i, e := range res.Events {
			if e.Kind == EventStep && e.Step == 2 {
				stepErr = &res.Events[i]
			}
		}
		if stepErr == nil || !errors.Is(stepErr.Err, errBalancer) {
			t.Errorf("no step 2 event with the action's error: %v", kinds(res.Events))
		}
		k := kinds(res.Events)
		if want := []string{"step2", "rollback", "cleanup"}; !slices.Equal(k[len(k)-3:], want) {
			t.Errorf("last events %v, want %v", k[len(k)-3:], want)
		}
	})
}

func TestRollbackFailureIsReported(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fa := &fakeActions{failAt: 4, failErr: errBalancer} // the rollback's call
		sc := &script{verdicts: map[[2]int]Verdict{{3, 1}: Fail}}
		res, _ := canary(fa, sc).Run(context.Background())
		if res.Status != RolledBack || !errors.Is(res.RollbackErr, errBalancer) || !strings.Contains(res.Reason, "the rollback failed") {
			t.Errorf("status %v, reason %q, rollback err %v", res.Status, res.Reason, res.RollbackErr)
		}
		if !errors.Is(res.Err, ErrAnalysisFailed) {
			t.Errorf("err %v: the cause is still the analysis", res.Err)
		}
	})
}

func TestStartErrorRollsBack(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fa := &fakeActions{startErr: errBalancer}
		res, _ := canary(fa, &script{}).Run(context.Background())
		if res.Status != RolledBack || !errors.Is(res.Err, errBalancer) || !strings.Contains(res.Reason, "starting canary failed") {
			t.Errorf("status %v, reason %q, err %v", res.Status, res.Reason, res.Err)
		}
		if !slices.Equal(fa.calls, []string{"start", "weights canary=0 stable=100", "cleanup rolled_back"}) {
			t.Errorf("calls %v", fa.calls)
		}
	})
}

func TestAnalyzerErrors(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		errProm := errors.New("analysis.lua:7: prometheus unreachable")
		sc := &script{errs: map[[2]int]error{{1, 2}: errProm}}
		res, _ := canary(&fakeActions{}, sc).Run(context.Background())
		if res.Status != RolledBack || !errors.Is(res.Err, errProm) || !errors.Is(res.Err, ErrAnalysisFailed) || !strings.Contains(res.Reason, "analysis.lua:7") {
			t.Errorf("no error tolerated: status %v, reason %q, err %v", res.Status, res.Reason, res.Err)
		}
		c := canary(&fakeActions{}, &script{errs: map[[2]int]error{{1, 2}: errProm}})
		c.Analysis.ConsecutiveErrorLimit = 1
		res, _ = c.Run(context.Background())
		if res.Status != Promoted {
			t.Errorf("one error tolerated: status %v (%s)", res.Status, res.Reason)
		}
	})
}

func TestContextCancelAborts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fa := &fakeActions{}
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(45*time.Second, cancel) // during step 2's hold
		res, err := canary(fa, &script{}).Run(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if res.Status != Aborted || !errors.Is(res.Err, context.Canceled) || !strings.HasPrefix(res.Reason, "aborted") {
			t.Errorf("status %v, reason %q, err %v", res.Status, res.Reason, res.Err)
		}
		if got := fa.shares("canary"); !slices.Equal(got, []int{10, 25, 0}) {
			t.Errorf("shares %v, want the rollback after step 2", got)
		}
		if fa.cleanCtx != nil || !slices.Equal(fa.cleanups, []Status{Aborted}) {
			t.Errorf("cleanup saw ctx err %v, statuses %v; want a live context", fa.cleanCtx, fa.cleanups)
		}
	})
}

func TestRunWhileRunning(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := canary(&fakeActions{}, &script{})
		done := make(chan struct{})
		go func() {
			defer close(done)
			c.Run(context.Background())
		}()
		synctest.Wait() // the first run is holding its first step
		if _, err := c.Run(context.Background()); !errors.Is(err, ErrRunning) {
			t.Errorf("second Run: %v", err)
		}
		<-done
	})
}

func TestRolloutValidate(t *testing.T) {
	r := &Router{Routes: []Route{{Name: "blue", URL: "http://127.0.0.1:1"}, {Name: "green", URL: "http://127.0.0.1:2"}}}
	c := &Canary{Rollout: Rollout{
		Router:   r,
		From:     "blue",
		To:       "canary",
		Steps:    []int{10, 5, 120},
		Hold:     5 * time.Second,
		Analysis: Analysis{Interval: 10 * time.Second, FailureLimit: -1, ConsecutiveSuccessLimit: 3},
	}}
	err := c.Validate()
	var ve *ValidationError
	if !errors.As(err, &ve) || !errors.Is(err, ErrUnknownRoute) {
		t.Fatalf("err %v", err)
	}
	t.Log(err)
	for _, want := range []string{
		`To: unknown route "canary" (the router's routes are blue, green)`,
		"Steps[1]: 5 is not above the step before (10)",
		"Steps[2]: 120 is outside 0..100",
		"Hold: 5s is shorter than Analysis.Interval (10s)",
		"Analysis.FailureLimit: -1 is negative",
		"Analysis: set, but there is no Analyzer",
		"Analysis.ConsecutiveSuccessLimit: 3 is more than the 1 measurements of a step",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q", want)
		}
	}
	if _, err := c.Run(context.Background()); !errors.Is(err, ErrInvalid) {
		t.Errorf("Run: %v", err)
	}

	bg := &BlueGreen{Rollout: Rollout{To: "blue"}, Health: HealthCheck{Path: "health"}}
	err = bg.Validate()
	for _, want := range []string{
		"Actions: nil, and there is no Router",
		`To: "blue" is also From`,
		"HealthURL: empty",
		`Health.Path: "health" does not start with '/'`,
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("blue-green: %v\nmissing %q", err, want)
		}
	}
	ok := &BlueGreen{Rollout: Rollout{Router: r}}
	if err := ok.Validate(); err != nil {
		t.Errorf("a blue-green with a router and defaults: %v", err)
	}
}
