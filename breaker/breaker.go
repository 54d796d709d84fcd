package breaker

import (
	"context"
	"errors"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/reslua/reslua/internal/clock"
)

// ErrRejected matches, through errors.Is, every error the breaker returns
// for a call it does not let through: ErrOpen, ErrTooManyRequests and
// ErrForcedOpen.
var ErrRejected = errors.New("breaker: call rejected")

var (
	// ErrOpen is returned by Allow and Execute while the breaker is open.
	ErrOpen error = rejection("breaker: circuit open")
	// ErrTooManyRequests is returned by Allow and Execute while the
	// breaker is half-open and all its probe permits are taken.
	ErrTooManyRequests error = rejection("breaker: too many requests while half-open")
	// ErrForcedOpen is returned by Allow and Execute in ModeForcedOpen.
	ErrForcedOpen error = rejection("breaker: circuit forced open")
)

// rejection is the type of the rejection errors: each is its own value and
// matches ErrRejected.
type rejection string

func (e rejection) Error() string        { return string(e) }
func (e rejection) Is(target error) bool { return target == ErrRejected }

// Breaker is a circuit breaker. It is safe for concurrent use; build one
// with New.
//
// All state a call can change belongs to a generation: a new one begins
// with every transition (and every mode change). Allow hands out a Token
// naming the current generation; Record drops the result of a token whose
// generation is over. The hot path (Allow while closed, Record) takes no
// lock: it loads the current generation with one atomic read and updates
// that generation's atomic counters. Transitions, which are rare, are
// serialised by a mutex and publish a new generation.
type Breaker struct {
	cur atomic.Pointer[epoch]
	cfg config
	// origin is the zero of the breaker's time: every instant the breaker
	// keeps is nanoseconds since origin on cfg.clock.
	origin   time.Time
	sysClock bool // cfg.clock is SystemClock
	metrics  *collector

	// hot holds the counters every call writes, on their own cache lines.
	hot *hotCounters

	mu          sync.Mutex
	gen         uint64
	opens       int
	history     []Transition
	openPeriods []time.Duration
	pending     []stateEvent
	spare       []stateEvent
	delivering  bool
}

// hotCounters are the counters every call writes. They live in their own
// 256-byte allocation (a size class whose objects are cache-line aligned),
// pos and the closed/success counter on the same line: a call that takes a
// window position and counts its success writes one line, not two.
type hotCounters struct {
	// pos is the next position in the count window. It runs across
	// generations: a fresh window's ring may start anywhere.
	pos atomic.Uint64
	// requests counts calls by the state they were admitted or rejected
	// in and their outcome.
	requests [numStates][numOutcomes]atomic.Uint64
	// stale counts results dropped because their generation was over.
	stale atomic.Uint64
	_     [256 - 8 - 8*numStates*numOutcomes - 8]byte
}

// epoch is one generation: the state it is in and the counters that the
// calls admitted in it update.
type epoch struct {
	gen   uint64
	state State
	mode  Mode
	// openUntil is when an OPEN generation ends, in breaker time.
	openUntil int64
	// In CLOSED the live window; in OPEN and HALF_OPEN the window of the
	// CLOSED generation before, frozen, for the rate gauges; nil when
	// disabled.
	cw *countWindow
	tw *timeWindow
	// frozenAt is, outside CLOSED, when the window stopped recording: a
	// frozen time window is read as it was then.
	frozenAt int64

	_ [64]byte
	// CLOSED: the current run of failures.
	consecutive atomic.Int64
	// HALF_OPEN: probes admitted and probes that succeeded.
	admitted  atomic.Int32
	succeeded atomic.Int32
}

// Token is the receipt Allow gives for an admitted call; hand it to Record
// with the call's outcome. It is a small value: getting and recording one
// allocates nothing. The zero Token, which Allow returns with an error, may
// be recorded and is ignored. Record each token once.
type Token struct {
	ep *epoch
	// shadow marks a call that ModeMetricsOnly let through although it
	// would have been rejected.
	shadow bool
}

// State returns the state the call was admitted in.
func (t Token) State() State {
	if t.ep == nil {
		return StateClosed
	}
	return t.ep.state
}

// Generation returns the generation the call was admitted in; zero for the
// zero Token.
func (t Token) Generation() uint64 {
	if t.ep == nil {
		return 0
	}
	return t.ep.gen
}

// Transition is a change of state, as kept for summaries and timelines.
type Transition struct {
	// At is when it happened on the breaker's clock. An open period that
	// ends is dated at its planned end, even when the next call (which
	// carries out the move to HALF_OPEN) comes later.
	At         time.Time
	From, To   State
	Reason     Reason
	Generation uint64 // the generation it began
	// Opens is, for a move to OPEN, the number of openings since the
	// breaker last closed, this one included; OpenFor is the open period
	// the backoff gave it (zero in ModeForcedOpen, which has no end).
	Opens   int
	OpenFor time.Duration
}

type stateEvent struct{ from, to State }

// historyLimit bounds Transitions and OpenDurations: the oldest entries are
// dropped beyond it, so memory does not grow with the length of a run.
const historyLimit = 4096

// New returns a breaker configured by s, or an error naming the first
// invalid field. When s.Registerer is set, it registers the breaker's
// metrics there.
func New(s Settings) (*Breaker, error) {
	cfg, err := s.config()
	if err != nil {
		return nil, err
	}
	b := &Breaker{cfg: cfg, hot: new(hotCounters)}
	b.origin = cfg.clock.Now()
	_, b.sysClock = cfg.clock.(clock.System)
	b.metrics = newCollector(b)
	ep := &epoch{gen: 0, state: StateClosed, mode: s.Mode}
	switch s.Mode {
	case ModeForcedOpen:
		ep.state, ep.openUntil = StateOpen, math.MaxInt64
	case ModeNormal, ModeMetricsOnly:
		b.newWindow(ep)
	}
	b.cur.Store(ep)
	if s.Registerer != nil {
		if err := s.Registerer.Register(b.metrics); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// Name returns Settings.Name.
func (b *Breaker) Name() string { return b.cfg.name }

// now returns the breaker's time: nanoseconds since origin. On the system
// clock it reads the monotonic clock alone (time.Since), which costs a
// third of time.Now on a virtual machine's kvm-clock.
func (b *Breaker) now() int64 {
	if b.sysClock {
		return int64(time.Since(b.origin))
	}
	return int64(b.cfg.clock.Now().Sub(b.origin))
}

func (b *Breaker) newWindow(ep *epoch) {
	if b.cfg.windowDur > 0 {
		ep.tw = newTimeWindow(int64(b.cfg.windowDur)/int64(b.cfg.buckets), b.cfg.buckets)
	} else {
		ep.cw = newCountWindow(b.cfg.windowSize)
	}
}

// Allow asks to make a call. It returns a Token to Record the call's outcome
// with, or, when the call is not permitted, the zero Token and ErrOpen,
// ErrTooManyRequests or ErrForcedOpen (all matching ErrRejected). A
// rejection is counted at once, as OutcomeRejected, or as OutcomeFallback
// when Settings.Fallback is set. While closed, Allow is one atomic load.
func (b *Breaker) Allow() (Token, error) {
	ep := b.cur.Load()
	if ep.state == StateClosed {
		return Token{ep: ep}, nil
	}
	return b.allowSlow(ep)
}

func (b *Breaker) allowSlow(ep *epoch) (Token, error) {
	for {
		switch ep.state {
		case StateOpen:
			if ep.mode == ModeForcedOpen {
				return b.reject(ep, ErrForcedOpen)
			}
			if b.now() < ep.openUntil {
				return b.reject(ep, ErrOpen)
			}
			ep = b.transition(ep, StateHalfOpen, ReasonOpenElapsed)
		case StateHalfOpen:
			for {
				n := ep.admitted.Load()
				if n >= b.cfg.permits {
					return b.reject(ep, ErrTooManyRequests)
				}
				if ep.admitted.CompareAndSwap(n, n+1) {
					return Token{ep: ep}, nil
				}
			}
		default:
			return Token{ep: ep}, nil
		}
	}
}

func (b *Breaker) reject(ep *epoch, err error) (Token, error) {
	if ep.mode == ModeMetricsOnly {
		b.hot.requests[ep.state][OutcomeRejected].Add(1)
		return Token{ep: ep, shadow: true}, nil
	}
	o := OutcomeRejected
	if b.cfg.fallback != nil {
		o = OutcomeFallback
	}
	b.hot.requests[ep.state][o].Add(1)
	return Token{}, err
}

// Record reports the outcome and duration of a call admitted by Allow. A
// success lasting at least Settings.SlowCallThreshold becomes
// OutcomeSlow. The result is counted in the request metrics under the
// state the call was admitted in; it moves the state machine only if the
// generation the call was admitted in is still current. OutcomeRejected
// and OutcomeFallback are not results and are ignored here, as is the zero
// Token. Record takes no lock unless the result causes a transition (or,
// with a time-based window, is the first of a new bucket).
func (b *Breaker) Record(t Token, o Outcome, d time.Duration) {
	b.record(t, o, d, -1)
}

// RecordAt is Record for a caller that has read the breaker's clock when
// the call ended anyway (to measure d, say): end saves the breaker a clock
// read with a time-based window. end must come from Settings.Clock.
func (b *Breaker) RecordAt(t Token, o Outcome, d time.Duration, end time.Time) {
	b.record(t, o, d, max(int64(end.Sub(b.origin)), 0))
}

// record is Record; now is the breaker time the call ended at, or −1 for
// "read the clock if needed".
func (b *Breaker) record(t Token, o Outcome, d time.Duration, now int64) {
	ep := t.ep
	if ep == nil || t.shadow || o >= OutcomeRejected {
		return
	}
	slow := o == OutcomeSlow
	if o != OutcomeIgnored && b.cfg.slowThreshold > 0 && d >= b.cfg.slowThreshold {
		slow = true
		if o == OutcomeSuccess {
			o = OutcomeSlow
		}
	}
	b.hot.requests[ep.state][o].Add(1)
	if ep.mode == ModeDisabled || o == OutcomeIgnored && ep.state == StateClosed {
		return
	}
	if b.cur.Load() != ep {
		b.hot.stale.Add(1)
		return
	}
	failure := o == OutcomeFailure || o == OutcomeTimeout
	switch ep.state {
	case StateClosed:
		b.recordClosed(ep, failure, slow, now)
	case StateHalfOpen:
		switch {
		case o == OutcomeIgnored:
			ep.admitted.Add(-1)
		case failure || slow && b.cfg.slowRate > 0:
			b.transition(ep, StateOpen, ReasonProbeFailure)
		default:
			if ep.succeeded.Add(1) >= b.cfg.successes {
				b.transition(ep, StateClosed, ReasonProbesSucceeded)
			}
		}
	}
}

func (b *Breaker) recordClosed(ep *epoch, failure, slow bool, now int64) {
	var c windowCounts
	if ep.cw != nil {
		c = ep.cw.add(b.hot.pos.Add(1)-1, failure, slow)
	} else {
		if now < 0 {
			now = b.now()
		}
		c = ep.tw.add(now, failure, slow)
	}
	r := b.trips(c)
	if b.cfg.consecutive > 0 {
		if failure {
			if ep.consecutive.Add(1) >= b.cfg.consecutive {
				r = ReasonConsecutiveFailures
			}
		} else if ep.consecutive.Load() != 0 {
			// Read before writing: a run of successes leaves the line clean.
			ep.consecutive.Store(0)
		}
	}
	if r != ReasonNone {
		b.transition(ep, StateOpen, r)
	}
}

// trips returns the window rule that c breaks, if any.
func (b *Breaker) trips(c windowCounts) Reason {
	if b.cfg.failureCount > 0 && c.failures >= b.cfg.failureCount {
		return ReasonFailureCount
	}
	if c.calls < b.cfg.minCalls || c.calls <= 0 {
		return ReasonNone
	}
	// Dividing (rather than comparing failures with rate·calls) makes 3
	// failures in 10 calls reach a rate of 0.3 exactly.
	if b.cfg.failureRate > 0 && float64(c.failures)/float64(c.calls) >= b.cfg.failureRate {
		return ReasonFailureRate
	}
	if b.cfg.slowRate > 0 && float64(c.slow)/float64(c.calls) >= b.cfg.slowRate {
		return ReasonSlowCallRate
	}
	return ReasonNone
}

// Execute runs fn if the breaker admits it and records its outcome, as
// Settings.Classify says, timed on the breaker's clock. When the call is
// rejected, Execute returns Settings.Fallback's result if it is set, else
// the rejection error. A panic in fn is recorded as a failure and
// propagated. fn's context carries Settings.Timeout when it is set.
func (b *Breaker) Execute(ctx context.Context, fn func(context.Context) error) error {
	tok, err := b.Allow()
	if err != nil {
		if b.cfg.fallback != nil {
			return b.cfg.fallback(ctx, err)
		}
		return err
	}
	callCtx := ctx
	if b.cfg.timeout > 0 {
		var cancel context.CancelFunc
		callCtx, cancel = context.WithTimeout(ctx, b.cfg.timeout)
		defer cancel()
	}
	start := b.now()
	done := false
	defer func() {
		if !done {
			b.Record(tok, OutcomeFailure, time.Duration(b.now()-start))
		}
	}()
	err = fn(callCtx)
	done = true
	b.Record(tok, b.classify(ctx, err), time.Duration(b.now()-start))
	return err
}

func (b *Breaker) classify(ctx context.Context, err error) Outcome {
	if ctx.Err() != nil {
		return OutcomeIgnored
	}
	if b.cfg.classify != nil {
		return b.cfg.classify(err)
	}
	switch {
	case err == nil:
		return OutcomeSuccess
	case errors.Is(err, context.DeadlineExceeded):
		return OutcomeTimeout
	case errors.Is(err, context.Canceled):
		return OutcomeIgnored
	}
	return OutcomeFailure
}

// Fallback calls Settings.Fallback with err (a rejection from Allow), for
// callers of the two-step form that serve the fallback themselves. Without
// a fallback it returns err.
func (b *Breaker) Fallback(ctx context.Context, err error) error {
	if b.cfg.fallback == nil {
		return err
	}
	return b.cfg.fallback(ctx, err)
}

// transition moves the breaker from generation from to state to, unless
// from is no longer current (another call moved it first). It returns the
// current generation afterwards, and delivers the state-change callbacks.
func (b *Breaker) transition(from *epoch, to State, r Reason) *epoch {
	b.mu.Lock()
	if cur := b.cur.Load(); cur != from {
		b.mu.Unlock()
		return cur
	}
	now := b.now()
	ep := &epoch{state: to, mode: from.mode, cw: from.cw, tw: from.tw, frozenAt: from.frozenAt}
	if from.state == StateClosed {
		ep.frozenAt = now
	}
	at := now
	var openFor time.Duration
	switch to {
	case StateOpen:
		b.opens++
		openFor = max(b.cfg.openFor.OpenDuration(b.opens), 0)
		ep.openUntil = satAdd(now, int64(openFor))
		b.openPeriods = appendLimited(b.openPeriods, openFor)
	case StateHalfOpen:
		at = from.openUntil // the open period ended then
	case StateClosed:
		b.opens = 0
		b.newWindow(ep)
	}
	tr := Transition{At: b.origin.Add(time.Duration(at)), From: from.state, To: to, Reason: r}
	if to == StateOpen {
		tr.Opens, tr.OpenFor = b.opens, openFor
	}
	b.publish(ep, tr)
	b.mu.Unlock()
	b.deliver()
	return ep
}

// publish makes ep the current generation; b.mu is held.
func (b *Breaker) publish(ep *epoch, tr Transition) {
	b.gen++
	ep.gen = b.gen
	b.cur.Store(ep)
	if tr.From == tr.To {
		return
	}
	tr.Generation = ep.gen
	b.history = appendLimited(b.history, tr)
	if b.cfg.onChange != nil {
		b.pending = append(b.pending, stateEvent{tr.From, tr.To})
	}
}

// deliver calls OnStateChange for the pending transitions, in order. One
// goroutine delivers at a time; a transition made meanwhile (perhaps by the
// callback itself) is delivered by the goroutine already delivering.
func (b *Breaker) deliver() {
	if b.cfg.onChange == nil {
		return
	}
	b.mu.Lock()
	if b.delivering {
		b.mu.Unlock()
		return
	}
	b.delivering = true
	for len(b.pending) > 0 {
		evs := b.pending
		b.pending = b.spare[:0]
		b.mu.Unlock()
		for _, e := range evs {
			b.cfg.onChange(b.cfg.name, e.from, e.to)
		}
		b.mu.Lock()
		b.spare = evs[:0]
	}
	b.delivering = false
	b.mu.Unlock()
}

// SetMode changes the mode. Between ModeNormal and ModeMetricsOnly the
// state and its counters carry over. ModeForcedOpen moves the breaker to
// OPEN with no end, ModeDisabled to CLOSED; leaving either starts afresh in
// CLOSED. Every mode change begins a generation, so results of calls
// admitted before it are dropped; the opens counter restarts whenever the
// breaker lands in CLOSED.
func (b *Breaker) SetMode(m Mode) {
	if m > ModeMetricsOnly {
		return
	}
	b.mu.Lock()
	from := b.cur.Load()
	if from.mode == m {
		b.mu.Unlock()
		return
	}
	ep := &epoch{mode: m, frozenAt: from.frozenAt}
	switch {
	case m == ModeForcedOpen:
		ep.state, ep.openUntil, ep.cw, ep.tw = StateOpen, math.MaxInt64, from.cw, from.tw
		if from.state == StateClosed {
			ep.frozenAt = b.now()
		}
	case m == ModeDisabled:
		ep.state = StateClosed
		b.opens = 0
	case from.mode == ModeForcedOpen || from.mode == ModeDisabled:
		ep.state = StateClosed
		b.opens = 0
		b.newWindow(ep)
	default: // between ModeNormal and ModeMetricsOnly
		ep.state, ep.openUntil, ep.cw, ep.tw = from.state, from.openUntil, from.cw, from.tw
		ep.consecutive.Store(from.consecutive.Load())
		ep.admitted.Store(from.admitted.Load())
		ep.succeeded.Store(from.succeeded.Load())
	}
	b.publish(ep, Transition{At: b.cfg.clock.Now(), From: from.state, To: ep.state, Reason: ReasonModeChange})
	b.mu.Unlock()
	b.deliver()
}

// Mode returns the current mode.
func (b *Breaker) Mode() Mode { return b.cur.Load().mode }

// State returns the current state. An open period that has ended is
// turned into HALF_OPEN here, as the next Allow would.
func (b *Breaker) State() State {
	ep := b.cur.Load()
	if ep.state == StateOpen && ep.mode != ModeForcedOpen && b.now() >= ep.openUntil {
		ep = b.transition(ep, StateHalfOpen, ReasonOpenElapsed)
	}
	return ep.state
}

// peek returns the state as State would, without moving the breaker.
func (b *Breaker) peek(ep *epoch, now int64) State {
	if ep.state == StateOpen && ep.mode != ModeForcedOpen && now >= ep.openUntil {
		return StateHalfOpen
	}
	return ep.state
}

// Stats is a snapshot of a breaker.
type Stats struct {
	State      State
	Mode       Mode
	Generation uint64
	// Opens counts the openings since the breaker last closed.
	Opens int
	// WindowCalls, WindowFailures and WindowSlowCalls are the contents of
	// the window (the last CLOSED one, while open or half-open);
	// FailureRate and SlowCallRate are their ratios to WindowCalls, as
	// fractions.
	WindowCalls, WindowFailures, WindowSlowCalls int64
	FailureRate, SlowCallRate                    float64
	// Stale counts results dropped because the generation their call was
	// admitted in was over.
	Stale uint64
}

// Stats returns a snapshot of the breaker. It does not move the breaker.
func (b *Breaker) Stats() Stats {
	ep := b.cur.Load()
	now := b.now()
	c := ep.counts(now)
	fr, sr := c.rates()
	b.mu.Lock()
	opens := b.opens
	b.mu.Unlock()
	return Stats{
		State: b.peek(ep, now), Mode: ep.mode, Generation: ep.gen, Opens: opens,
		WindowCalls: max(c.calls, 0), WindowFailures: max(c.failures, 0), WindowSlowCalls: max(c.slow, 0),
		FailureRate: fr, SlowCallRate: sr,
		Stale: b.hot.stale.Load(),
	}
}

func (ep *epoch) counts(now int64) windowCounts {
	switch {
	case ep.cw != nil:
		return ep.cw.counts()
	case ep.tw != nil:
		if ep.state != StateClosed {
			now = ep.frozenAt
		}
		return ep.tw.counts(now)
	}
	return windowCounts{}
}

// Requests returns how many calls ended with outcome o after being
// admitted (or rejected) in state s: the value of
// circuit_breaker_requests_total{state=s, outcome=o}.
func (b *Breaker) Requests(s State, o Outcome) uint64 {
	if s >= numStates || o >= numOutcomes {
		return 0
	}
	return b.hot.requests[s][o].Load()
}

// Transitions returns the changes of state so far, oldest first (at most
// the last 4096).
func (b *Breaker) Transitions() []Transition {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]Transition(nil), b.history...)
}

// OpenDurations returns the open periods the backoff gave, in order: the
// backoff sequence actually applied (at most the last 4096). Forced
// openings are not in it.
func (b *Breaker) OpenDurations() []time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]time.Duration(nil), b.openPeriods...)
}

func appendLimited[T any](s []T, v T) []T {
	if len(s) >= historyLimit {
		n := copy(s, s[len(s)-historyLimit/2:])
		s = s[:n]
	}
	return append(s, v)
}

func satAdd(a, b int64) int64 {
	if b > 0 && a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}
