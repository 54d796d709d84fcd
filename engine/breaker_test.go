package engine

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/reslua/reslua/breaker"
	"github.com/reslua/reslua/engine/outcome"
)

func TestClientSideBreaker(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// Every call fails at once. 10/s for 3 s; 5 consecutive failures
		// open the breaker for 950 ms, and each failed half-open probe
		// opens it again: arrivals 0-4 fail (opens at 0.4 s until 1.35 s),
		// 5-13 are rejected, 14 is a failed probe (open until 2.35 s),
		// 15-23 rejected, 24 a failed probe (until 3.35 s), 25-29
		// rejected: 7 failures, 23 rejected.
		l := testLoad(10, 3*time.Second, 1, 100, 1)
		b, err := breaker.New(breaker.Settings{Name: "t", ConsecutiveFailures: 5, OpenFor: breaker.Fixed(950 * time.Millisecond), Clock: SystemClock})
		if err != nil {
			t.Fatal(err)
		}
		l.spec.Target.breaker = b
		r := runLoad(l, fakeSender(func(context.Context) outcome.Kind { return outcome.Reset }))
		q := r.Requests[0]
		if q.Errors[outcome.Reset] != 7 || q.Errors[outcome.Rejected] != 23 {
			t.Errorf("errors %v; want 7 resets and 23 rejected", q.Errors)
		}
		if got := q.Service.TotalCount(); got != 7 {
			t.Errorf("service time recorded for %d requests, want the 7 sent", got)
		}
		if got := b.OpenDurations(); len(got) != 3 {
			t.Errorf("open periods %v, want three of 950ms", got)
		}
		if !outcome.Rejected.IsFailure() {
			t.Error("a rejected call must count against the error rate")
		}
	})
}

func TestBreakerSettingsAreValidated(t *testing.T) {
	err := TargetSpec{Name: "t", URL: "http://127.0.0.1:1/mcp", Breaker: &breaker.Settings{FailureRate: 1.5}}.Validate()
	if err == nil {
		t.Fatal("a failure rate of 1.5 was accepted")
	}
	t.Log(err)
}

// A reply the scenario's check accepts (an expected 404) is a success for
// the client-side breaker too, and a 200 it rejects a failure: the
// breaker sees the request's outcome as the summary counts it.
func TestBreakerSeesTheCheckedOutcome(t *testing.T) {
	for _, tc := range []struct {
		name     string
		reply    outcome.Kind
		check    error
		want     outcome.Kind
		opens    int
		rejected int64
	}{
		{"accepted 404", "http_4xx", nil, outcome.OK, 0, 0},
		// 3 rejected replies open it for the rest of the run.
		{"rejected 200", outcome.OK, ErrReplyRejected, outcome.CheckFailed, 1, 27},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				l := testLoad(10, 3*time.Second, 1, 100, 1)
				b, err := breaker.New(breaker.Settings{Name: "t", ConsecutiveFailures: 3, OpenFor: breaker.Fixed(time.Hour), Clock: SystemClock})
				if err != nil {
					t.Fatal(err)
				}
				l.spec.Target.breaker = b
				l.spec.Hooks = &goHooks{check: func(entry int, r Reply) error { return tc.check }}
				l.spec.Mix[0].Check = true
				q := runLoad(l, fakeSender(func(context.Context) outcome.Kind { return tc.reply })).Requests[0]
				if q.Count != 30 || q.Errors[outcome.Rejected] != tc.rejected || len(b.OpenDurations()) != tc.opens ||
					(tc.want == outcome.OK) != (q.Failures() == 0) {
					t.Errorf("%d requests, errors %v, breaker opened %d times; want 30, %d rejected, %d", q.Count, q.Errors, len(b.OpenDurations()), tc.rejected, tc.opens)
				}
			})
		})
	}
}
