package breaker

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"
)

func TestTransitions(t *testing.T) {
	const (
		ok      = OutcomeSuccess
		failure = OutcomeFailure
		slow    = OutcomeSlow
		timeout = OutcomeTimeout
		ignored = OutcomeIgnored
	)
	open10 := Fixed(10 * time.Second)
	tests := []struct {
		name  string
		s     Settings
		steps []step
	}{
		{
			name: "zero settings: 5 consecutive failures",
			steps: []step{
				fail(4), expect(StateClosed), succeed(1), fail(4), expect(StateClosed),
				fail(1), expect(StateOpen), rejects(ErrOpen),
			},
		},
		{
			name: "consecutive failures; a success resets the run",
			s:    Settings{ConsecutiveFailures: 3},
			steps: []step{
				fail(2), succeed(1), fail(2), expect(StateClosed), fail(1), expect(StateOpen),
			},
		},
		{
			name: "timeouts are failures, ignored calls neither break nor extend the run",
			s:    Settings{ConsecutiveFailures: 3},
			steps: []step{
				calls(timeout, 1), calls(ignored, 5), fail(1), expect(StateClosed),
				calls(timeout, 1), expect(StateOpen),
			},
		},
		{
			name: "failure rate over a count window waits for min_calls",
			s:    Settings{FailureRate: 0.5, WindowSize: 20, MinCalls: 10},
			steps: []step{
				fail(9), expect(StateClosed), fail(1), expect(StateOpen),
			},
		},
		{
			name: "failure rate: a success that reaches min_calls can trip",
			s:    Settings{FailureRate: 0.5, WindowSize: 20, MinCalls: 10},
			steps: []step{
				fail(8), succeed(1), expect(StateClosed), succeed(1), expect(StateOpen),
			},
		},
		{
			name: "failure rate below threshold stays closed",
			s:    Settings{FailureRate: 0.5, WindowSize: 10, MinCalls: 10},
			steps: []step{
				succeed(6), fail(4), expect(StateClosed), succeed(1), expect(StateClosed),
			},
		},
		{
			name: "count window slides: old results leave it",
			s:    Settings{FailureRate: 0.75, WindowSize: 4, MinCalls: 4},
			steps: []step{
				fail(2), succeed(2), expect(StateClosed), // F F S S: 50 %
				succeed(2), fail(2), expect(StateClosed), // S S F F: 50 %
				fail(1), expect(StateOpen), // S F F F: 75 %
			},
		},
		{
			name: "ignored calls stay out of the window",
			s:    Settings{FailureRate: 0.5, WindowSize: 4, MinCalls: 4},
			steps: []step{
				fail(3), calls(ignored, 10), expect(StateClosed), succeed(1), expect(StateOpen),
			},
		},
		{
			name: "rate 0.3 of 10 calls trips exactly (no float drift)",
			s:    Settings{FailureRate: 0.3, WindowSize: 10, MinCalls: 10},
			steps: []step{
				succeed(7), fail(2), expect(StateClosed), fail(1), expect(StateOpen),
			},
		},
		{
			name: "slow-call rate from durations",
			s:    Settings{SlowCallRate: 0.5, SlowCallThreshold: 100 * time.Millisecond, WindowSize: 4, MinCalls: 4},
			steps: []step{
				timed(ok, 200*time.Millisecond), timed(ok, 100*time.Millisecond), timed(ok, 99*time.Millisecond),
				expect(StateClosed), timed(ok, time.Millisecond), expect(StateOpen),
			},
		},
		{
			name: "slow-call rate from reported slow outcomes",
			s:    Settings{SlowCallRate: 1, WindowSize: 3, MinCalls: 3},
			steps: []step{
				calls(slow, 2), succeed(1), expect(StateClosed), calls(slow, 2), expect(StateClosed),
				calls(slow, 1), expect(StateOpen),
			},
		},
		{
			name: "slow calls are successes for the failure rules",
			s:    Settings{ConsecutiveFailures: 2, FailureRate: 0.75, WindowSize: 4, MinCalls: 4, SlowCallThreshold: time.Millisecond},
			steps: []step{
				fail(1), timed(ok, time.Second), fail(1), timed(ok, time.Second), expect(StateClosed),
			},
		},
		{
			name: "absolute failures per count window ignore min_calls",
			s:    Settings{FailuresPerWindow: 3, WindowSize: 100, MinCalls: 100},
			steps: []step{
				fail(1), succeed(50), fail(1), expect(StateClosed), fail(1), expect(StateOpen),
			},
		},
		{
			name: "absolute failures per time window, with bucket expiry",
			s:    Settings{FailuresPerWindow: 3, WindowDuration: 10 * time.Second, WindowBuckets: 10},
			steps: []step{
				fail(1), advance(6 * time.Second), fail(1), advance(6 * time.Second),
				fail(1), expect(StateClosed), // the first failure has left the window
				fail(1), expect(StateOpen),
			},
		},
		{
			name: "time window: failures within the window trip",
			s:    Settings{FailuresPerWindow: 3, WindowDuration: 10 * time.Second, WindowBuckets: 10},
			steps: []step{
				fail(1), advance(4 * time.Second), fail(1), advance(4 * time.Second), fail(1), expect(StateOpen),
			},
		},
		{
			name: "time window: expiring successes raise the rate",
			s:    Settings{FailureRate: 0.5, MinCalls: 4, WindowDuration: 10 * time.Second, WindowBuckets: 10},
			steps: []step{
				succeed(4), advance(5 * time.Second), fail(3), expect(StateClosed), // 3/7
				advance(6 * time.Second), succeed(1), expect(StateOpen), // t=11s: 3 F + 1 S, 75 %
			},
		},
		{
			name: "time window: a bucket slot is reused after a full turn",
			s:    Settings{FailureRate: 0.5, MinCalls: 4, WindowDuration: 2 * time.Second, WindowBuckets: 2},
			steps: []step{
				succeed(3), advance(time.Second), fail(1), expect(StateClosed), // 1/4
				// t=2s: bucket 2 takes bucket 0's slot; its 3 successes are gone.
				advance(time.Second), succeed(1), fail(1), expect(StateClosed), // 2/3, under min_calls
				fail(1), expect(StateOpen), // 3/4 (with bucket 0 kept it would be 3/7)
			},
		},
		{
			name: "time window min_calls",
			s:    Settings{FailureRate: 0.5, MinCalls: 5, WindowDuration: time.Minute},
			steps: []step{
				fail(4), advance(time.Minute), fail(4), expect(StateClosed), fail(1), expect(StateOpen),
			},
		},
		{
			name: "open period, then half-open probes close",
			s:    Settings{ConsecutiveFailures: 1, OpenFor: open10, HalfOpenPermits: 2, SuccessThreshold: 2},
			steps: []step{
				fail(1), expect(StateOpen), rejects(ErrOpen), advance(10*time.Second - 1), rejects(ErrOpen),
				advance(1), expect(StateHalfOpen), succeed(1), expect(StateHalfOpen), succeed(1), expect(StateClosed),
			},
		},
		{
			name: "any failed probe reopens",
			s:    Settings{ConsecutiveFailures: 1, OpenFor: open10, HalfOpenPermits: 3, SuccessThreshold: 3},
			steps: []step{
				fail(1), advance(10 * time.Second), succeed(2), fail(1), expect(StateOpen), rejects(ErrOpen),
				advance(10 * time.Second), succeed(3), expect(StateClosed),
			},
		},
		{
			name: "a timed-out probe reopens",
			s:    Settings{ConsecutiveFailures: 1, OpenFor: open10},
			steps: []step{
				fail(1), advance(10 * time.Second), calls(timeout, 1), expect(StateOpen),
			},
		},
		{
			name: "half-open admits its permits, then rejects",
			s:    Settings{ConsecutiveFailures: 1, OpenFor: open10, HalfOpenPermits: 3, SuccessThreshold: 3},
			steps: []step{
				fail(1), advance(10 * time.Second), succeed(2), expect(StateHalfOpen),
			},
		},
		{
			name: "a slow probe reopens when a slow-call rule is set",
			s:    Settings{ConsecutiveFailures: 1, SlowCallRate: 0.9, SlowCallThreshold: time.Second, OpenFor: open10},
			steps: []step{
				fail(1), advance(10 * time.Second), timed(ok, 2*time.Second), expect(StateOpen),
			},
		},
		{
			name: "a slow probe is a success without a slow-call rule",
			s:    Settings{ConsecutiveFailures: 1, SlowCallThreshold: time.Second, OpenFor: open10},
			steps: []step{
				fail(1), advance(10 * time.Second), timed(ok, 2*time.Second), expect(StateClosed),
			},
		},
		{
			name: "closing starts a fresh window",
			s:    Settings{FailureRate: 0.5, WindowSize: 4, MinCalls: 4, OpenFor: open10},
			steps: []step{
				fail(4), expect(StateOpen), advance(10 * time.Second), succeed(1), expect(StateClosed),
				fail(3), expect(StateClosed), succeed(1), expect(StateOpen),
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, clk := newTest(t, tt.s)
			run(t, b, clk, tt.steps)
		})
	}
}

func TestHalfOpenPermits(t *testing.T) {
	b, clk := newTest(t, Settings{ConsecutiveFailures: 1, OpenFor: Fixed(time.Second), HalfOpenPermits: 3, SuccessThreshold: 2})
	run(t, b, clk, []step{fail(1), advance(time.Second)})
	var toks []Token
	for range 3 {
		tok, err := b.Allow()
		if err != nil {
			t.Fatalf("probe: %v", err)
		}
		toks = append(toks, tok)
	}
	if _, err := b.Allow(); err != ErrTooManyRequests || !errors.Is(err, ErrRejected) {
		t.Fatalf("4th probe: %v, want ErrTooManyRequests", err)
	}
	// An ignored probe gives its permit back.
	b.Record(toks[0], OutcomeIgnored, 0)
	tok, err := b.Allow()
	if err != nil {
		t.Fatalf("probe after an ignored one: %v", err)
	}
	if _, err := b.Allow(); err != ErrTooManyRequests {
		t.Fatalf("probe beyond permits: %v", err)
	}
	b.Record(toks[1], OutcomeSuccess, 0)
	b.Record(tok, OutcomeSuccess, 0)
	if s := b.State(); s != StateClosed {
		t.Fatalf("state %v after 2 successful probes", s)
	}
	// The third probe's result belongs to the half-open generation: dropped.
	b.Record(toks[2], OutcomeFailure, 0)
	if s := b.State(); s != StateClosed {
		t.Fatalf("a stale probe failure moved the breaker to %v", s)
	}
	if got := b.Requests(StateHalfOpen, OutcomeRejected); got != 2 {
		t.Errorf("half_open rejected = %d, want 2", got)
	}
}

func TestHalfOpenPermitsConcurrent(t *testing.T) {
	const permits, callers = 3, 64
	b, clk := newTest(t, Settings{ConsecutiveFailures: 1, OpenFor: Fixed(time.Second), HalfOpenPermits: permits})
	run(t, b, clk, []step{fail(1), advance(time.Second)})
	var admitted, rejected atomic.Int32
	var start, wg sync.WaitGroup
	start.Add(1)
	for range callers {
		wg.Go(func() {
			start.Wait()
			if _, err := b.Allow(); err == nil {
				admitted.Add(1)
			} else if err == ErrTooManyRequests {
				rejected.Add(1)
			} else {
				t.Errorf("Allow: %v", err)
			}
		})
	}
	start.Done()
	wg.Wait()
	if admitted.Load() != permits || rejected.Load() != callers-permits {
		t.Fatalf("admitted %d, rejected %d; want %d and %d", admitted.Load(), rejected.Load(), permits, callers-permits)
	}
}

func TestGenerations(t *testing.T) {
	t.Run("closed call completing after the breaker opened", func(t *testing.T) {
		b, clk := newTest(t, Settings{ConsecutiveFailures: 2, OpenFor: Fixed(time.Second)})
		early, _ := b.Allow()
		run(t, b, clk, []step{fail(2), expect(StateOpen)})
		b.Record(early, OutcomeFailure, 0)
		if st := b.Stats(); st.Stale != 1 || st.Opens != 1 {
			t.Fatalf("stale %d, opens %d; want 1 and 1", st.Stale, st.Opens)
		}
		// It still counts as a request admitted while closed.
		if got := b.Requests(StateClosed, OutcomeFailure); got != 3 {
			t.Fatalf("closed failures = %d, want 3", got)
		}
	})
	t.Run("closed call completing after the breaker recovered", func(t *testing.T) {
		b, clk := newTest(t, Settings{ConsecutiveFailures: 1, OpenFor: Fixed(time.Second)})
		early, _ := b.Allow()
		run(t, b, clk, []step{fail(1), advance(time.Second), succeed(1), expect(StateClosed)})
		b.Record(early, OutcomeFailure, 0) // would trip at once if it counted
		run(t, b, clk, []step{expect(StateClosed)})
		if tr := b.Transitions(); len(tr) != 3 {
			t.Fatalf("transitions: %v", tr)
		}
	})
	t.Run("half-open probe completing after another reopened", func(t *testing.T) {
		b, clk := newTest(t, Settings{ConsecutiveFailures: 1, OpenFor: Fixed(time.Second), HalfOpenPermits: 2})
		run(t, b, clk, []step{fail(1), advance(time.Second)})
		a, _ := b.Allow()
		c, _ := b.Allow()
		if a.Generation() != c.Generation() || a.State() != StateHalfOpen {
			t.Fatalf("tokens: %+v %+v", a, c)
		}
		b.Record(a, OutcomeFailure, 0)
		b.Record(c, OutcomeSuccess, 0)
		b.Record(c, OutcomeSuccess, 0)
		run(t, b, clk, []step{expect(StateOpen)})
	})
	t.Run("generation numbers grow with each transition", func(t *testing.T) {
		b, clk := newTest(t, Settings{ConsecutiveFailures: 1, OpenFor: Fixed(time.Second)})
		t0, _ := b.Allow()
		run(t, b, clk, []step{fail(1), advance(time.Second)})
		t1, _ := b.Allow()
		if t0.Generation() != 0 || t1.Generation() != 2 || t1.State() != StateHalfOpen {
			t.Fatalf("generations %d, %d (%v)", t0.Generation(), t1.Generation(), t1.State())
		}
	})
}

func TestBackoff(t *testing.T) {
	s := time.Second
	tests := []struct {
		name string
		b    Backoff
		want []time.Duration
	}{
		{"fixed", Fixed(5 * s), []time.Duration{5 * s, 5 * s, 5 * s}},
		{"fixed zero", Fixed(0), []time.Duration{0, 0}},
		{"doubling (reference chapter)", Doubling(60 * s), []time.Duration{60 * s, 120 * s, 240 * s, 480 * s, 960 * s, 1920 * s, 1920 * s, 1920 * s}},
		{"exponential", Exponential{Initial: s, Multiplier: 3, Max: 20 * s}, []time.Duration{s, 3 * s, 9 * s, 20 * s, 20 * s}},
		{"exponential zero multiplier is 2, zero max no cap", Exponential{Initial: s}, []time.Duration{s, 2 * s, 4 * s, 8 * s}},
		{"exponential fractional", Exponential{Initial: 4 * s, Multiplier: 1.5}, []time.Duration{4 * s, 6 * s, 9 * s}},
		{"linear (Envoy)", Linear{Base: 30 * s, Max: 100 * s}, []time.Duration{30 * s, 60 * s, 90 * s, 100 * s}},
		{"linear no cap", Linear{Base: s}, []time.Duration{s, 2 * s, 3 * s}},
		{"func", BackoffFunc(func(n int) time.Duration { return time.Duration(n*n) * s }), []time.Duration{s, 4 * s, 9 * s}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []time.Duration
			for n := 1; n <= len(tt.want); n++ {
				got = append(got, tt.b.OpenDuration(n))
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
	if d := (Exponential{Initial: time.Hour, Multiplier: 10}).OpenDuration(1000); d != 1<<63-1 {
		t.Errorf("exponential overflow: %v", d)
	}
	if d := (Exponential{Initial: time.Hour, Multiplier: 10, Max: time.Hour}).OpenDuration(1000); d != time.Hour {
		t.Errorf("exponential overflow with cap: %v", d)
	}
}

// TestBackoffApplied drives a breaker through repeated probe failures and
// checks the open periods it applies, and that closing restarts them.
func TestBackoffApplied(t *testing.T) {
	for _, tt := range []struct {
		name string
		b    Backoff
	}{
		{"doubling", Doubling(time.Second)},
		{"exponential", Exponential{Initial: time.Second, Multiplier: 3, Max: 50 * time.Second}},
		{"linear", Linear{Base: time.Second, Max: 4 * time.Second}},
		{"fixed", Fixed(2 * time.Second)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b, clk := newTest(t, Settings{ConsecutiveFailures: 1, OpenFor: tt.b})
			run(t, b, clk, []step{fail(1)})
			var want []time.Duration
			for n := 1; n <= 8; n++ {
				d := tt.b.OpenDuration(n)
				want = append(want, d)
				if d > 0 {
					run(t, b, clk, []step{advance(d - 1), rejects(ErrOpen)})
				}
				run(t, b, clk, []step{advance(1), expect(StateHalfOpen)})
				if n < 8 {
					run(t, b, clk, []step{fail(1), expect(StateOpen)})
				}
			}
			run(t, b, clk, []step{succeed(1), expect(StateClosed), fail(1), expect(StateOpen)})
			want = append(want, tt.b.OpenDuration(1)) // the count restarted
			if got := b.OpenDurations(); !reflect.DeepEqual(got, want) {
				t.Fatalf("open durations %v, want %v", got, want)
			}
			tr := b.Transitions()
			last := tr[len(tr)-1]
			if last.To != StateOpen || last.Opens != 1 || last.OpenFor != want[len(want)-1] || last.Reason != ReasonConsecutiveFailures {
				t.Fatalf("last transition %+v", last)
			}
		})
	}
}

func TestTransitionRecords(t *testing.T) {
	b, clk := newTest(t, Settings{Name: "api", ConsecutiveFailures: 1, OpenFor: Fixed(10 * time.Second)})
	run(t, b, clk, []step{fail(1), advance(25 * time.Second), succeed(1)})
	got := b.Transitions()
	want := []Transition{
		{At: fakeEpoch, From: StateClosed, To: StateOpen, Reason: ReasonConsecutiveFailures, Generation: 1, Opens: 1, OpenFor: 10 * time.Second},
		// Dated at the end of the open period, not when it was noticed.
		{At: fakeEpoch.Add(10 * time.Second), From: StateOpen, To: StateHalfOpen, Reason: ReasonOpenElapsed, Generation: 2},
		{At: fakeEpoch.Add(25 * time.Second), From: StateHalfOpen, To: StateClosed, Reason: ReasonProbesSucceeded, Generation: 3},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("transitions:\n got %+v\nwant %+v", got, want)
	}
	if b.Name() != "api" {
		t.Fatalf("name %q", b.Name())
	}
}

func TestReasons(t *testing.T) {
	for _, tt := range []struct {
		s     Settings
		steps []step
		want  Reason
	}{
		{Settings{ConsecutiveFailures: 2}, []step{fail(2)}, ReasonConsecutiveFailures},
		{Settings{FailureRate: 0.5, MinCalls: 2, WindowSize: 2}, []step{succeed(1), fail(1)}, ReasonFailureRate},
		{Settings{SlowCallRate: 0.5, MinCalls: 2, WindowSize: 2}, []step{succeed(1), calls(OutcomeSlow, 1)}, ReasonSlowCallRate},
		{Settings{FailuresPerWindow: 2}, []step{fail(2)}, ReasonFailureCount},
	} {
		b, clk := newTest(t, tt.s)
		run(t, b, clk, tt.steps)
		if tr := b.Transitions(); len(tr) != 1 || tr[0].Reason != tt.want {
			t.Errorf("%+v: transitions %+v, want reason %v", tt.s, tr, tt.want)
		}
	}
}

func TestCallbackOrder(t *testing.T) {
	var got []string
	var b *Breaker
	b, clk := newTest(t, Settings{
		Name: "dep", ConsecutiveFailures: 1, OpenFor: Fixed(time.Second),
		OnStateChange: func(name string, from, to State) {
			got = append(got, name+":"+from.String()+">"+to.String())
			_ = b.State() // the breaker may be called back
			_ = b.Stats()
		},
	})
	run(t, b, clk, []step{
		fail(1), advance(time.Second), fail(1), advance(time.Second), succeed(1), expect(StateClosed),
	})
	b.SetMode(ModeForcedOpen)
	b.SetMode(ModeNormal)
	b.SetMode(ModeDisabled)
	b.SetMode(ModeMetricsOnly) // disabled → closed: no change of state
	want := []string{
		"dep:closed>open", "dep:open>half_open", "dep:half_open>open", "dep:open>half_open", "dep:half_open>closed",
		"dep:closed>open", "dep:open>closed",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("callbacks:\n got %v\nwant %v", got, want)
	}
}

// TestCallbackReentrant: a callback whose own call moves the breaker gets
// that transition delivered after its own, in order, without deadlock.
func TestCallbackReentrant(t *testing.T) {
	var got []string
	var b *Breaker
	b, _ = newTest(t, Settings{
		ConsecutiveFailures: 1, OpenFor: Fixed(0),
		OnStateChange: func(_ string, from, to State) {
			got = append(got, from.String()+">"+to.String())
			if to == StateOpen && len(got) == 1 {
				_ = b.State() // the open period is zero: this moves to half_open
			}
		},
	})
	tok, _ := b.Allow()
	b.Record(tok, OutcomeFailure, 0)
	if want := []string{"closed>open", "open>half_open"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("callbacks %v, want %v", got, want)
	}
}

func TestModes(t *testing.T) {
	t.Run("forced open", func(t *testing.T) {
		b, clk := newTest(t, Settings{ConsecutiveFailures: 1, OpenFor: Fixed(time.Second)})
		b.SetMode(ModeForcedOpen)
		run(t, b, clk, []step{expect(StateOpen), rejects(ErrForcedOpen), advance(time.Hour), rejects(ErrForcedOpen), expect(StateOpen)})
		if !errors.Is(ErrForcedOpen, ErrRejected) || errors.Is(ErrForcedOpen, ErrOpen) {
			t.Fatal("ErrForcedOpen should match ErrRejected only")
		}
		if b.Mode() != ModeForcedOpen || len(b.OpenDurations()) != 0 {
			t.Fatalf("mode %v, open durations %v", b.Mode(), b.OpenDurations())
		}
		b.SetMode(ModeNormal)
		run(t, b, clk, []step{expect(StateClosed), succeed(3), fail(1), expect(StateOpen)})
		if got := b.Requests(StateOpen, OutcomeRejected); got != 2 {
			t.Fatalf("open rejected = %d", got)
		}
	})
	t.Run("forced open from settings", func(t *testing.T) {
		b, clk := newTest(t, Settings{Mode: ModeForcedOpen})
		run(t, b, clk, []step{rejects(ErrForcedOpen)})
	})
	t.Run("disabled never trips", func(t *testing.T) {
		b, clk := newTest(t, Settings{ConsecutiveFailures: 1, Mode: ModeDisabled})
		run(t, b, clk, []step{fail(100), expect(StateClosed)})
		if got := b.Requests(StateClosed, OutcomeFailure); got != 100 {
			t.Fatalf("closed failures = %d", got)
		}
		if st := b.Stats(); st.WindowCalls != 0 || st.Mode != ModeDisabled {
			t.Fatalf("stats %+v", st)
		}
	})
	t.Run("disabling an open breaker closes it", func(t *testing.T) {
		b, clk := newTest(t, Settings{ConsecutiveFailures: 1})
		run(t, b, clk, []step{fail(1), expect(StateOpen)})
		b.SetMode(ModeDisabled)
		run(t, b, clk, []step{expect(StateClosed), fail(5), expect(StateClosed)})
		b.SetMode(ModeNormal)
		run(t, b, clk, []step{fail(1), expect(StateOpen)})
		if st := b.Stats(); st.Opens != 1 {
			t.Fatalf("opens %d after a fresh start", st.Opens)
		}
	})
	t.Run("metrics only", func(t *testing.T) {
		b, clk := newTest(t, Settings{ConsecutiveFailures: 2, OpenFor: Fixed(time.Second), HalfOpenPermits: 1, Mode: ModeMetricsOnly})
		run(t, b, clk, []step{fail(2), expect(StateOpen)})
		// Would be rejected: let through, counted as rejected, result not recorded.
		tok, err := b.Allow()
		if err != nil {
			t.Fatalf("metrics-only Allow: %v", err)
		}
		b.Record(tok, OutcomeSuccess, 0)
		if got := b.Requests(StateOpen, OutcomeRejected); got != 1 {
			t.Fatalf("open rejected = %d", got)
		}
		if got := b.Requests(StateOpen, OutcomeSuccess); got != 0 {
			t.Fatalf("open success = %d", got)
		}
		clk.Advance(time.Second)
		probe, err := b.Allow()
		if err != nil || probe.State() != StateHalfOpen {
			t.Fatalf("probe: %v %v", probe.State(), err)
		}
		extra, err := b.Allow() // beyond the permit: let through all the same
		if err != nil {
			t.Fatalf("extra probe: %v", err)
		}
		b.Record(extra, OutcomeFailure, 0) // not recorded: would not have happened
		run(t, b, clk, []step{expect(StateHalfOpen)})
		b.Record(probe, OutcomeSuccess, 0)
		run(t, b, clk, []step{expect(StateClosed)})
		if got := b.Requests(StateHalfOpen, OutcomeRejected); got != 1 {
			t.Fatalf("half_open rejected = %d", got)
		}
	})
	t.Run("metrics only to normal keeps the state and its counters", func(t *testing.T) {
		b, clk := newTest(t, Settings{ConsecutiveFailures: 3, OpenFor: Fixed(time.Second), Mode: ModeMetricsOnly})
		run(t, b, clk, []step{fail(2)})
		b.SetMode(ModeNormal)
		run(t, b, clk, []step{fail(1), expect(StateOpen), rejects(ErrOpen)})
		b.SetMode(ModeMetricsOnly)
		run(t, b, clk, []step{expect(StateOpen), succeed(1), advance(time.Second), succeed(1), expect(StateClosed)})
	})
	t.Run("mode change drops older results", func(t *testing.T) {
		b, clk := newTest(t, Settings{ConsecutiveFailures: 1})
		tok, _ := b.Allow()
		b.SetMode(ModeMetricsOnly)
		b.Record(tok, OutcomeFailure, 0)
		run(t, b, clk, []step{expect(StateClosed)})
		if b.Stats().Stale != 1 {
			t.Fatal("result not dropped")
		}
	})
}

var errFallback = errors.New("served from cache")

func TestFallback(t *testing.T) {
	var seen []error
	b, clk := newTest(t, Settings{
		ConsecutiveFailures: 1, OpenFor: Fixed(time.Second),
		Fallback: func(ctx context.Context, err error) error { seen = append(seen, err); return errFallback },
	})
	boom := errors.New("boom")
	if err := b.Execute(context.Background(), func(context.Context) error { return boom }); err != boom {
		t.Fatalf("Execute = %v", err)
	}
	ran := false
	if err := b.Execute(context.Background(), func(context.Context) error { ran = true; return nil }); err != errFallback || ran {
		t.Fatalf("Execute while open = %v (ran %v)", err, ran)
	}
	// The two-step form counts the rejection as a fallback too.
	if _, err := b.Allow(); err != ErrOpen {
		t.Fatalf("Allow = %v", err)
	} else if err := b.Fallback(context.Background(), err); err != errFallback {
		t.Fatalf("Fallback = %v", err)
	}
	if got, rej := b.Requests(StateOpen, OutcomeFallback), b.Requests(StateOpen, OutcomeRejected); got != 2 || rej != 0 {
		t.Fatalf("fallback %d, rejected %d", got, rej)
	}
	if !reflect.DeepEqual(seen, []error{ErrOpen, ErrOpen}) {
		t.Fatalf("fallback saw %v", seen)
	}
	_ = clk
	// Without a fallback, Fallback hands the error back.
	nb, _ := newTest(t, Settings{})
	if err := nb.Fallback(context.Background(), ErrOpen); err != ErrOpen {
		t.Fatalf("Fallback without one = %v", err)
	}
}

func TestExecute(t *testing.T) {
	boom := errors.New("boom")
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name     string
		s        Settings
		ctx      context.Context
		fn       func(context.Context, *fakeClock) error
		want     Outcome
		wantSlow bool
	}{
		{name: "success", fn: func(context.Context, *fakeClock) error { return nil }, want: OutcomeSuccess},
		{name: "failure", fn: func(context.Context, *fakeClock) error { return boom }, want: OutcomeFailure},
		{name: "deadline is a timeout", fn: func(context.Context, *fakeClock) error { return context.DeadlineExceeded }, want: OutcomeTimeout},
		{name: "callee cancelled is ignored", fn: func(context.Context, *fakeClock) error { return context.Canceled }, want: OutcomeIgnored},
		{name: "caller cancelled is ignored", ctx: cancelled, fn: func(context.Context, *fakeClock) error { return boom }, want: OutcomeIgnored},
		{
			name: "slow success timed on the clock",
			s:    Settings{SlowCallThreshold: 100 * time.Millisecond},
			fn:   func(_ context.Context, c *fakeClock) error { c.Advance(150 * time.Millisecond); return nil },
			want: OutcomeSlow,
		},
		{
			name: "custom classification",
			s: Settings{Classify: func(err error) Outcome {
				if err == boom {
					return OutcomeIgnored
				}
				return OutcomeFailure
			}},
			fn:   func(context.Context, *fakeClock) error { return boom },
			want: OutcomeIgnored,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, clk := newTest(t, tt.s)
			ctx := tt.ctx
			if ctx == nil {
				ctx = context.Background()
			}
			_ = b.Execute(ctx, func(ctx context.Context) error { return tt.fn(ctx, clk) })
			for o := range Outcome(numOutcomes) {
				want := uint64(0)
				if o == tt.want {
					want = 1
				}
				if got := b.Requests(StateClosed, o); got != want {
					t.Errorf("closed/%v = %d, want %d", o, got, want)
				}
			}
		})
	}
}

func TestExecutePanic(t *testing.T) {
	b, _ := newTest(t, Settings{ConsecutiveFailures: 1})
	func() {
		defer func() {
			if r := recover(); r != "kaboom" {
				t.Fatalf("recovered %v", r)
			}
		}()
		_ = b.Execute(context.Background(), func(context.Context) error { panic("kaboom") })
	}()
	if b.State() != StateOpen || b.Requests(StateClosed, OutcomeFailure) != 1 {
		t.Fatalf("state %v after a panic", b.State())
	}
	if err := b.Execute(context.Background(), func(context.Context) error { return nil }); err != ErrOpen {
		t.Fatalf("Execute = %v", err)
	}
}

func TestRecordEdgeCases(t *testing.T) {
	b, _ := newTest(t, Settings{ConsecutiveFailures: 1})
	b.Record(Token{}, OutcomeFailure, 0) // zero token: ignored
	tok, _ := b.Allow()
	b.Record(tok, OutcomeRejected, 0) // not a result
	b.Record(tok, OutcomeFallback, 0)
	b.Record(tok, Outcome(200), 0)
	if b.State() != StateClosed {
		t.Fatal("a non-result moved the breaker")
	}
	var total uint64
	for s := range State(numStates) {
		for o := range Outcome(numOutcomes) {
			total += b.Requests(s, o)
		}
	}
	if total != 0 || b.Requests(9, 0) != 0 {
		t.Fatalf("counted %d requests", total)
	}
}

func TestSettingsErrors(t *testing.T) {
	for _, tt := range []struct {
		s    Settings
		want string
	}{
		{Settings{FailureRate: 1.5}, "FailureRate is 1.5"},
		{Settings{SlowCallRate: -0.1}, "SlowCallRate"},
		{Settings{ConsecutiveFailures: -1}, "ConsecutiveFailures is -1"},
		{Settings{WindowSize: 10, MinCalls: 11, FailureRate: 0.5}, "MinCalls is 11"},
		{Settings{HalfOpenPermits: 2, SuccessThreshold: 3}, "SuccessThreshold is 3"},
		{Settings{WindowDuration: 5, WindowBuckets: 10}, "WindowDuration"},
		{Settings{Timeout: -time.Second}, "Timeout"},
		{Settings{Mode: 9}, "Mode"},
		{Settings{Name: "x", WindowBuckets: -1}, `breaker "x": WindowBuckets is -1`},
		// Issue 11: these were allocated up front (8 GB, 128 GB).
		{Settings{WindowSize: 2_000_000_000, FailureRate: 0.5}, "WindowSize is 2000000000, want at most 1000000"},
		{Settings{WindowDuration: time.Hour, WindowBuckets: 2_000_000_000}, "WindowBuckets is 2000000000, want at most 10000"},
	} {
		if _, err := New(tt.s); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("New(%+v) = %v, want an error containing %q", tt.s, err, tt.want)
		}
	}
}

func TestSettingsDefaults(t *testing.T) {
	b, err := New(Settings{})
	if err != nil {
		t.Fatal(err)
	}
	c := b.cfg
	if c.consecutive != 5 || c.windowSize != 100 || c.minCalls != 10 || c.permits != 1 || c.successes != 1 ||
		c.openFor != Doubling(60*time.Second) || c.clock != SystemClock {
		t.Fatalf("defaults %+v", c)
	}
	for _, tt := range []struct {
		s                    Settings
		permits, successes   int32
		minCalls, windowSize int64
	}{
		{Settings{SuccessThreshold: 3}, 3, 3, 10, 100},
		{Settings{HalfOpenPermits: 4}, 4, 4, 10, 100},
		{Settings{HalfOpenPermits: 4, SuccessThreshold: 2}, 4, 2, 10, 100},
		{Settings{WindowSize: 4}, 1, 1, 4, 4},
		{Settings{WindowDuration: time.Second}, 1, 1, 10, 0},
	} {
		b, err := New(tt.s)
		if err != nil {
			t.Fatal(err)
		}
		c := b.cfg
		if c.permits != tt.permits || c.successes != tt.successes || c.minCalls != tt.minCalls || int64(c.windowSize) != tt.windowSize {
			t.Errorf("%+v: permits %d successes %d minCalls %d windowSize %d", tt.s, c.permits, c.successes, c.minCalls, c.windowSize)
		}
	}
	// A rule set explicitly turns the default consecutive rule off.
	if b, _ := New(Settings{FailureRate: 0.5}); b.cfg.consecutive != 0 {
		t.Fatal("default consecutive rule with an explicit rate rule")
	}
}

func TestStrings(t *testing.T) {
	for _, tt := range []struct{ got, want string }{
		{StateClosed.String(), "closed"}, {StateOpen.String(), "open"}, {StateHalfOpen.String(), "half_open"}, {State(7).String(), "State(7)"},
		{OutcomeSuccess.String(), "success"}, {OutcomeFailure.String(), "failure"}, {OutcomeSlow.String(), "slow"},
		{OutcomeTimeout.String(), "timeout"}, {OutcomeIgnored.String(), "ignored"}, {OutcomeRejected.String(), "rejected"},
		{OutcomeFallback.String(), "fallback"}, {Outcome(9).String(), "Outcome(9)"},
		{ModeNormal.String(), "normal"}, {ModeForcedOpen.String(), "forced_open"}, {ModeDisabled.String(), "disabled"},
		{ModeMetricsOnly.String(), "metrics_only"}, {Mode(5).String(), "Mode(5)"},
		{ReasonFailureCount.String(), "failures_per_window"}, {ReasonModeChange.String(), "mode_change"}, {Reason(99).String(), "Reason(99)"},
	} {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

func TestStats(t *testing.T) {
	b, clk := newTest(t, Settings{FailureRate: 0.5, SlowCallThreshold: time.Second, WindowSize: 10, MinCalls: 10})
	run(t, b, clk, []step{succeed(6), fail(2), timed(OutcomeSuccess, 2*time.Second)})
	st := b.Stats()
	if st.WindowCalls != 9 || st.WindowFailures != 2 || st.WindowSlowCalls != 1 || st.FailureRate != 2.0/9 || st.SlowCallRate != 1.0/9 {
		t.Fatalf("stats %+v", st)
	}
	// The window survives into OPEN for the gauges.
	run(t, b, clk, []step{fail(3), expect(StateOpen)})
	if st := b.Stats(); st.WindowCalls != 10 || st.WindowFailures != 5 || st.State != StateOpen || st.Opens != 1 {
		t.Fatalf("stats while open %+v", st)
	}
}

func TestStatsFrozenTimeWindow(t *testing.T) {
	b, clk := newTest(t, Settings{FailureRate: 0.5, MinCalls: 4, WindowDuration: 10 * time.Second, OpenFor: Fixed(time.Minute)})
	run(t, b, clk, []step{succeed(2), fail(2), expect(StateOpen), advance(30 * time.Second)})
	// Long after the window would have expired, the rates are still those
	// that opened the breaker.
	if st := b.Stats(); st.WindowCalls != 4 || st.FailureRate != 0.5 {
		t.Fatalf("stats while open %+v", st)
	}
	b.SetMode(ModeForcedOpen)
	if st := b.Stats(); st.WindowCalls != 4 {
		t.Fatalf("stats when forced open %+v", st)
	}
}

func TestRecordAt(t *testing.T) {
	b, clk := newTest(t, Settings{FailuresPerWindow: 2, WindowDuration: 10 * time.Second, WindowBuckets: 10})
	start := clk.Now()
	tok, _ := b.Allow()
	clk.Advance(time.Minute)
	// Recorded as ending at start, not a minute later: in bucket 0, which
	// the failures a minute later no longer see.
	b.RecordAt(tok, OutcomeFailure, 0, start)
	run(t, b, clk, []step{fail(1), expect(StateClosed)})
	tok, _ = b.Allow()
	b.RecordAt(tok, OutcomeFailure, 0, clk.Now())
	run(t, b, clk, []step{expect(StateOpen)})
}

func TestHotCountersLayout(t *testing.T) {
	if n := unsafe.Sizeof(hotCounters{}); n != 256 {
		t.Fatalf("hotCounters is %d bytes; keep it 256 (a cache-line-aligned size class)", n)
	}
	if d := unsafe.Offsetof(hotCounters{}.requests); d != 8 {
		t.Fatalf("requests at offset %d; keep it beside pos", d)
	}
}

func TestHistoryBounded(t *testing.T) {
	b, clk := newTest(t, Settings{ConsecutiveFailures: 1, OpenFor: Fixed(0)})
	run(t, b, clk, []step{fail(1)})
	for range historyLimit {
		run(t, b, clk, []step{fail(1)}) // open → half_open → open
	}
	if n := len(b.Transitions()); n > historyLimit {
		t.Fatalf("%d transitions kept", n)
	}
	if n := len(b.OpenDurations()); n > historyLimit || n < historyLimit/2 {
		t.Fatalf("%d open durations kept", n)
	}
}

func TestSmallPieces(t *testing.T) {
	if ErrOpen.Error() != "breaker: circuit open" || !errors.Is(ErrTooManyRequests, ErrRejected) || errors.Is(errors.New("x"), ErrRejected) {
		t.Fatal("rejection errors")
	}
	if (Token{}).State() != StateClosed || (Token{}).Generation() != 0 {
		t.Fatal("zero token")
	}
	for r := ReasonNone; r <= ReasonModeChange; r++ {
		if s := r.String(); strings.HasPrefix(s, "Reason(") {
			t.Errorf("reason %d has no name", r)
		}
	}
	// An open period too long to add saturates instead of wrapping.
	b, clk := newTest(t, Settings{ConsecutiveFailures: 1, OpenFor: Fixed(1<<63 - 1)})
	run(t, b, clk, []step{advance(time.Hour), fail(1), advance(1000 * time.Hour), rejects(ErrOpen)})
	b.SetMode(Mode(42)) // not a mode: ignored
	if b.Mode() != ModeNormal {
		t.Fatal("SetMode accepted an invalid mode")
	}
}
