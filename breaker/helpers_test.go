package breaker

import (
	"sync/atomic"
	"testing"
	"time"
)

// fakeClock is a clock that moves only when told to.
type fakeClock struct{ ns atomic.Int64 }

var fakeEpoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func (c *fakeClock) Now() time.Time          { return fakeEpoch.Add(time.Duration(c.ns.Load())) }
func (c *fakeClock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

func newTest(t testing.TB, s Settings) (*Breaker, *fakeClock) {
	t.Helper()
	clk := &fakeClock{}
	s.Clock = clk
	b, err := New(s)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return b, clk
}

// step is one line of a scripted test: calls, a clock move, or checks.
type step struct {
	kind    stepKind
	outcome Outcome
	dur     time.Duration // call duration, or clock advance
	n       int           // number of calls
	state   State         // expected state (kind check)
	err     error         // expected rejection (kind reject)
}

type stepKind int

const (
	kCall stepKind = iota
	kAdvance
	kCheck
	kReject
)

func calls(o Outcome, n int) step           { return step{kind: kCall, outcome: o, n: n} }
func timed(o Outcome, d time.Duration) step { return step{kind: kCall, outcome: o, n: 1, dur: d} }
func advance(d time.Duration) step          { return step{kind: kAdvance, dur: d} }
func expect(s State) step                   { return step{kind: kCheck, state: s} }
func rejects(err error) step                { return step{kind: kReject, err: err} }
func succeed(n int) step                    { return calls(OutcomeSuccess, n) }
func fail(n int) step                       { return calls(OutcomeFailure, n) }
func (s step) String() string               { return stepName[s.kind] }

var stepName = map[stepKind]string{kCall: "call", kAdvance: "advance", kCheck: "check", kReject: "reject"}

func run(t *testing.T, b *Breaker, clk *fakeClock, steps []step) {
	t.Helper()
	for i, s := range steps {
		switch s.kind {
		case kCall:
			for j := 0; j < s.n; j++ {
				tok, err := b.Allow()
				if err != nil {
					t.Fatalf("step %d (%s %v), call %d: Allow: %v (state %v)", i, s, s.outcome, j, err, b.State())
				}
				b.Record(tok, s.outcome, s.dur)
			}
		case kAdvance:
			clk.Advance(s.dur)
		case kCheck:
			if got := b.State(); got != s.state {
				st := b.Stats()
				t.Fatalf("step %d: state %v, want %v (window %d calls, %d failures, %d slow)", i, got, s.state, st.WindowCalls, st.WindowFailures, st.WindowSlowCalls)
			}
		case kReject:
			if tok, err := b.Allow(); err != s.err {
				t.Fatalf("step %d: Allow = %v, want %v", i, err, s.err)
			} else if tok != (Token{}) {
				t.Fatalf("step %d: rejected Allow returned a non-zero token", i)
			}
		}
	}
}
