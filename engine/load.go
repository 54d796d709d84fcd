package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/reslua/reslua/breaker"
	"github.com/reslua/reslua/engine/httpc"
	"github.com/reslua/reslua/engine/mcp"
	"github.com/reslua/reslua/engine/outcome"
)

// Load is one running load, made by Run.StartLoad.
type Load struct {
	spec      LoadSpec
	clock     Clock
	log       io.Writer
	planStart time.Duration
	mix       mixPicker       // chooses each request's mix entry
	stats     []*requestStats // per mix entry; entries with one name share one
	names     []*requestStats // distinct, in mix order
	nameOf    []int           // per mix entry, its index in names
	abort     func(reason string)

	stop     chan struct{} // closed by Stop: no new requests
	stopOnce sync.Once
	cancel   context.CancelFunc // hard stop of requests in flight
	done     chan struct{}      // closed when the load has ended

	// mu guards the schedule, its start and the context whose cancel
	// tells the scheduler that the schedule changed.
	mu      sync.Mutex
	sched   Schedule
	begin   time.Time
	changed context.CancelFunc

	// Written by the load's goroutines, read after done (or as counters).
	pool                       *mcp.Pool
	end                        time.Time
	scheduled, dropped, unsent atomic.Int64
	sent                       atomic.Int64 // requests handed to a sender
	hookErrors                 atomic.Int64
	makeSender                 func(RequestSpec) (sender, error) // for built requests
	queueMax                   atomic.Int64
	lagMu                      sync.Mutex              // guards lag: written by the scheduler or users, read by metrics
	lag                        *hdrhistogram.Histogram // how late requests started
	abortReason                string
	connStart                  httpc.Stats // the target's connection counts when the load began
	probeStart                 int64       // the target's era probes when the load began

	// sc places the load's per-second series on the run's timeline and
	// counts its drops per second (series.go).
	sc *seriesClock
	// track tells which seconds have all their arrivals ended (series.go).
	track *arrivalTrack
}

// arrival is one request due at its intended time.
type arrival struct {
	n        int64
	intended time.Time
	entry    int // the mix entry it sends: l.mix.pick(n), chosen once
}

func newLoad(spec LoadSpec, clock Clock, log io.Writer, planStart time.Duration) *Load {
	weights := make([]int, len(spec.Mix))
	for i, e := range spec.Mix {
		weights[i] = e.Weight
	}
	l := &Load{
		spec: spec, clock: clock, log: log, planStart: planStart,
		mix:   newMixPicker(weights),
		sched: spec.Schedule(),
		stop:  make(chan struct{}),
		done:  make(chan struct{}),
		lag:   newHistogram(),
		abort: func(string) {},
		sc:    newSeriesClock(clock, planStart),
	}
	byName := map[string]*requestStats{}
	for _, e := range spec.Mix {
		n := e.Request.DisplayName()
		s, ok := byName[n]
		if !ok {
			s = newRequestStats(n, l.sc)
			byName[n] = s
			l.names = append(l.names, s)
		}
		l.stats = append(l.stats, s)
		l.nameOf = append(l.nameOf, slices.Index(l.names, s))
	}
	var starts []time.Duration
	if spec.Closed {
		for _, life := range lifetimes(l.sched.steps()) {
			starts = append(starts, life.start)
		}
	}
	names := make([]string, len(l.names))
	for i, s := range l.names {
		names[i] = s.name
	}
	l.track = newArrivalTrack(planStart, names, starts)
	return l
}

// Name returns the load's name.
func (l *Load) Name() string { return l.spec.Name }

// Closed reports whether the load is closed-model (virtual users).
func (l *Load) Closed() bool { return l.spec.Closed }

// Stop ends the load now: arrivals not yet sent are counted as unsent,
// and requests in flight get the load's graceful stop (LoadSpec.GracefulStop)
// before they are cut. Safe to call more than once and from any goroutine.
func (l *Load) Stop() { l.stopOnce.Do(func() { close(l.stop) }) }

// Wait blocks until the load has ended or ctx is done.
func (l *Load) Wait(ctx context.Context) error {
	select {
	case <-l.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// SetRate changes an open load's arrival rate from now on: to rate at
// once when over is 0, else linearly over `over`; then the rate holds
// until the load's planned end. It returns an error for a closed load or
// a negative rate.
func (l *Load) SetRate(rate float64, over time.Duration) error {
	switch {
	case l.spec.Closed:
		return fmt.Errorf("load %q is closed-model (vus); its rate cannot be set", l.spec.Name)
	case !(rate >= 0) || rate > maxRate:
		return fmt.Errorf("rate: expected requests per second between 0 and %d, got %g", maxRate, rate)
	case over < 0:
		return fmt.Errorf("ramp duration must not be negative, got %s", over)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	var at time.Duration
	if !l.begin.IsZero() {
		at = l.clock.Now().Sub(l.begin)
	}
	l.sched = l.sched.Retarget(at, rate, over)
	if l.changed != nil {
		l.changed()
	}
	return nil
}

// start runs the load in the background; ctx is the hard stop.
func (l *Load) start(ctx context.Context) {
	ctx, l.cancel = context.WithCancel(ctx)
	go l.run(ctx, l.openSenders)
}

// run opens the load's senders, runs its requests to the end and closes
// its sessions. Tests pass senders of their own.
func (l *Load) run(ctx context.Context, open func(context.Context) []sender) {
	defer close(l.done)
	defer l.cancel()
	l.connStart = l.spec.Target.connStats()
	l.probeStart = l.spec.Target.probes()
	senders := open(ctx)

	stopCtx, stopCancel := context.WithCancel(ctx)
	defer stopCancel()
	go func() {
		select {
		case <-l.stop:
			stopCancel()
		case <-stopCtx.Done():
		}
	}()

	if l.spec.Closed {
		l.runClosed(ctx, stopCtx, senders)
	} else {
		l.runOpen(ctx, stopCtx, senders)
	}

	if l.pool != nil {
		// Sessions are closed even after a hard stop, so the target is
		// not left holding them; the close has its own bound.
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		if err := l.pool.Close(cctx); err != nil {
			fmt.Fprintf(l.log, "load %q: closing sessions: %v\n", l.spec.Name, err)
		}
		cancel()
	}
}

// openSenders opens the load's MCP sessions (if its mix has MCP requests)
// and returns one sender per mix entry.
func (l *Load) openSenders(ctx context.Context) []sender {
	t := l.spec.Target
	for _, e := range l.spec.Mix {
		if e.Request.MCP != nil || e.Build { // a built request may be MCP
			pool, err := mcp.OpenPool(ctx, t.mcp, mcp.PoolOptions{
				Sessions:      l.spec.Sessions,
				SharedConns:   l.spec.SharedConns,
				KeepSessions:  l.spec.KeepSessions,
				FreshSessions: l.spec.FreshSessions,
			})
			if err != nil { // only for an invalid size, which Validate rules out
				panic(fmt.Sprintf("engine: session pool: %v", err))
			}
			l.pool = pool
			break
		}
	}
	l.makeSender = func(r RequestSpec) (sender, error) { return t.newSender(r, l.pool) }
	senders := make([]sender, len(l.spec.Mix))
	for i, e := range l.spec.Mix {
		if e.Build { // built requests get their sender per request
			continue
		}
		s, err := t.newSender(e.Request, l.pool)
		if err != nil { // the params were checked when the spec was made
			panic(fmt.Sprintf("engine: mix[%d]: %v", i+1, err))
		}
		senders[i] = s
	}
	return senders
}

// errGraceOver is the cause with which a load cuts the requests still in
// flight when its graceful stop runs out.
var errGraceOver = errors.New("the load's graceful stop ran out")

// runOpen schedules arrivals and sends them from a pool of workers until
// the load's planned end (or a stop); then arrivals still queued are
// counted as unsent and requests in flight get the graceful stop.
func (l *Load) runOpen(ctx, stopCtx context.Context, senders []sender) {
	reqCtx, cut := context.WithCancelCause(ctx) // what requests are sent under
	defer cut(nil)
	endCtx, ended := context.WithCancel(stopCtx) // done at the load's end
	defer ended()
	queue := make(chan arrival, l.spec.Queue)
	var wg sync.WaitGroup
	for range l.spec.Workers {
		w := l.newWorker() // before the clock starts: a script state is not free
		wg.Add(1)
		go func() {
			defer wg.Done()
			l.work(reqCtx, endCtx, queue, senders, w)
		}()
	}
	l.mu.Lock()
	l.begin = l.clock.Now()
	l.mu.Unlock()
	if l.spec.AbortIfBehind > 0 {
		go l.watchRate(stopCtx)
	}
	l.schedule(stopCtx, queue)
	l.track.handedOut(math.MaxInt64) // no more arrivals
	l.waitEnd(stopCtx)
	ended()
	close(queue)
	l.drain(&wg, cut)
}

// waitEnd waits for the load's planned end, which its last arrival may
// precede by up to an arrival interval, or for a stop; it then records the
// load's end: the window over which its rates are reported.
func (l *Load) waitEnd(stopCtx context.Context) {
	l.mu.Lock()
	end := l.begin.Add(l.sched.Length()) // SetRate keeps the length
	l.mu.Unlock()
	if l.clock.SleepUntil(stopCtx, end) != nil {
		if now := l.clock.Now(); now.Before(end) {
			end = now // stopped early: the time it ran
		}
	}
	l.end = end
}

// drain waits for the load's requests in flight (wg) for its graceful
// stop from its end, then cuts those still running and waits for them.
func (l *Load) drain(wg *sync.WaitGroup, cut context.CancelCauseFunc) {
	idle, stopped := context.WithCancel(context.Background())
	defer stopped()
	go func() {
		wg.Wait()
		stopped()
	}()
	if l.clock.SleepUntil(idle, l.end.Add(l.spec.Grace())) == nil {
		cut(errGraceOver)
	}
	wg.Wait()
}

// schedule puts each arrival on the queue at its intended time, until the
// schedule ends or stopCtx is done. An arrival that finds the queue full
// is dropped and counted. When SetRate changes the schedule, the arrival
// being waited for is computed again.
func (l *Load) schedule(stopCtx context.Context, queue chan<- arrival) {
	for n := int64(0); ; {
		l.mu.Lock()
		sched := l.sched
		wait, changed := context.WithCancel(stopCtx)
		l.changed = changed
		l.mu.Unlock()
		for ; ; n++ {
			off, ok := sched.Offset(n)
			if !ok {
				changed()
				return
			}
			intended := l.begin.Add(off)
			at := l.sc.offset(intended)
			l.track.handedOut(at) // every arrival before this one is
			if err := l.clock.SleepUntil(wait, intended); err != nil {
				break
			}
			late := l.clock.Now().Sub(intended)
			l.lagMu.Lock() // uncontended but for a metrics scrape
			recordDuration(l.lag, late)
			l.lagMu.Unlock()
			l.scheduled.Add(1)
			entry := l.mix.pick(n)
			name := l.nameOf[entry]
			l.track.due(name, at)
			select {
			case queue <- arrival{n: n, intended: intended, entry: entry}:
				if d := int64(len(queue)); d > l.queueMax.Load() {
					l.queueMax.Store(d)
				}
			default:
				l.dropped.Add(1)
				l.sc.drop(intended)
				l.track.ended(name, at)
			}
		}
		changed()
		if stopCtx.Err() != nil {
			return
		}
	}
}

// work sends queued arrivals under ctx until the queue is closed. After
// the load's end (endCtx), arrivals still queued are counted as unsent
// rather than sent.
func (l *Load) work(ctx, endCtx context.Context, queue <-chan arrival, senders []sender, w *worker) {
	defer w.close()
	for a := range queue {
		if endCtx.Err() != nil {
			l.unsent.Add(1)
			l.sc.unsend(a.intended)
		} else {
			l.send(ctx, a, senders, w)
		}
		l.track.ended(l.nameOf[a.entry], l.sc.offset(a.intended))
	}
}

// worker is what one worker goroutine (or virtual user) owns: its script
// hooks, made when first needed.
type worker struct {
	hooks WorkerHooks
	err   error  // why hooks could not be made
	guard *guard // bounds each hook call; nil until the first
}

func (w *worker) close() {
	if w.hooks != nil {
		w.hooks.Close()
	}
	if w.guard != nil {
		w.guard.close()
	}
}

// hookGuard returns the guard of w's hook calls, bounded by timeout and by
// ctx, which is the same for every call of a worker (the run's hard stop).
func (w *worker) hookGuard(ctx context.Context, timeout time.Duration) *guard {
	if w.guard == nil {
		w.guard = newGuard(ctx, timeout)
	}
	return w.guard
}

// newWorker returns a worker with its script hooks made, if the load has
// any, so that making them costs no request its latency.
func (l *Load) newWorker() *worker {
	w := &worker{}
	if l.spec.Hooks != nil {
		l.scriptHooks(w)
	}
	return w
}

// scriptHooks returns the worker's hooks, making them on first use.
func (l *Load) scriptHooks(w *worker) (WorkerHooks, error) {
	if w.hooks == nil && w.err == nil {
		w.hooks, w.err = l.spec.Hooks.NewWorker()
	}
	return w.hooks, w.err
}

// maxHookErrors bounds the script errors a load logs; the rest are counted.
const maxHookErrors = 10

// hookFailed logs the first few errors of the load's script hooks.
func (l *Load) hookFailed(err error) {
	if n := l.hookErrors.Add(1); n <= maxHookErrors {
		fmt.Fprintf(l.log, "load %q: %v\n", l.spec.Name, err)
		if n == maxHookErrors {
			fmt.Fprintf(l.log, "load %q: further script errors are counted, not shown\n", l.spec.Name)
		}
	}
}

// send sends arrival a and records its outcome: latency from the intended
// start, service time from the send, and the wait between them. A request
// built by a script is built first (its cost counts as wait, not service
// time); a checked reply is checked after the clock stops.
func (l *Load) send(ctx context.Context, a arrival, senders []sender, w *worker) {
	i := a.entry
	e := &l.spec.Mix[i]
	s := senders[i]
	timeout := l.spec.Target.spec.Timeout
	if e.Build {
		spec, err := l.build(ctx, w, i, a.n, timeout)
		if err == nil {
			if s, err = l.makeSender(spec); err != nil {
				err = fmt.Errorf("mix[%d]: %w", i+1, err)
			}
		}
		if err != nil { // nothing was sent
			l.hookFailed(err)
			now := l.clock.Now()
			l.stats[i].recordAt(a.intended, sendResult{kind: outcome.ScriptError, fail: &failureDetail{err: err}}, now.Sub(a.intended), 0, now.Sub(a.intended))
			return
		}
	}
	br := l.spec.Target.breaker
	var tok breaker.Token
	if br != nil {
		var err error
		if tok, err = br.Allow(); err != nil { // refused: nothing is sent
			kind := outcome.Rejected
			if l.spec.Target.fallback {
				kind = outcome.Fallback
			}
			now := l.clock.Now()
			l.stats[i].recordAt(a.intended, sendResult{kind: kind, fail: &failureDetail{err: err}}, now.Sub(a.intended), 0, now.Sub(a.intended))
			return
		}
	}
	l.sent.Add(1)
	sent := l.clock.Now()
	res := s.send(ctx, e.Check) // the sender applies the target's timeout
	done := l.clock.Now()
	if res.kind != outcome.OK && interrupted(ctx) {
		res.kind = outcome.Interrupted // whatever the cut looked like to the sender
		res.fail = l.graceOver(fmt.Sprintf("no reply after %s", done.Sub(sent).Round(time.Millisecond)))
	}
	if e.Check && res.kind.IsReply() {
		l.checked(ctx, w, i, &res, timeout)
	}
	if br != nil { // the checked outcome: an expected 404 is a success
		br.RecordAt(tok, breakerOutcome(res.kind), done.Sub(sent), done)
	}
	l.stats[i].recordAt(a.intended, res, done.Sub(a.intended), done.Sub(sent), sent.Sub(a.intended))
}

// interrupted reports whether ctx, under which a load's requests are sent,
// was cut at the end of the load's graceful stop. Called on failures only.
func interrupted(ctx context.Context) bool {
	return ctx.Err() != nil && context.Cause(ctx) == errGraceOver
}

// graceOver is the failure sample of a request cut when its load's
// graceful stop ran out; what says what it was doing.
func (l *Load) graceOver(what string) *failureDetail {
	return &failureDetail{err: fmt.Errorf("%s: %w (%s)", what, errGraceOver, l.spec.Grace())}
}

// breakerOutcome is what a request's outcome tells a client-side breaker:
// a cancellation by the run says nothing about the target.
func breakerOutcome(k outcome.Kind) breaker.Outcome {
	switch k {
	case outcome.OK:
		return breaker.OutcomeSuccess
	case outcome.Timeout:
		return breaker.OutcomeTimeout
	case outcome.Canceled, outcome.Interrupted:
		return breaker.OutcomeIgnored
	}
	return breaker.OutcomeFailure
}

// build runs the script that makes mix entry i's request n.
func (l *Load) build(ctx context.Context, w *worker, i int, n int64, timeout time.Duration) (RequestSpec, error) {
	h, err := l.scriptHooks(w)
	if err != nil {
		return RequestSpec{}, err
	}
	g := w.hookGuard(ctx, timeout)
	spec, err := h.Build(g.begin(), i, n)
	g.end() // a script's error names its own file:line
	if err == nil && (spec.MCP == nil) == (spec.HTTP == nil) {
		err = fmt.Errorf("mix[%d]: the builder returned no request", i+1)
	}
	return spec, err
}

// checked runs mix entry i's check on the reply in res and sets the
// request's kind: OK when the check accepts it (also a reply that failed,
// such as an expected 404), CheckFailed when it rejects a reply that
// succeeded, the reply's own kind when it rejects one that failed.
func (l *Load) checked(ctx context.Context, w *worker, i int, res *sendResult, timeout time.Duration) {
	err := l.check(ctx, w, i, res.reply, timeout)
	switch {
	case err != nil && interrupted(ctx):
		res.kind, res.fail = outcome.Interrupted, l.graceOver("cut during its check") // the grace ran out during the check
	case err == nil:
		res.kind, res.fail = outcome.OK, nil
	case res.kind == outcome.OK:
		l.hookFailed(err)
		res.kind = outcome.CheckFailed
		res.fail = &failureDetail{status: res.reply.Status, err: err, body: clipBody(res.reply.Body)}
	case !errors.Is(err, ErrReplyRejected):
		l.hookFailed(err) // the check itself failed to run
	}
}

// check runs the script that checks mix entry i's reply.
func (l *Load) check(ctx context.Context, w *worker, i int, r Reply, timeout time.Duration) error {
	h, err := l.scriptHooks(w)
	if err != nil {
		return err
	}
	g := w.hookGuard(ctx, timeout)
	defer g.end()
	return h.Check(g.begin(), i, r)
}

// runClosed runs the virtual users the schedule calls for, each over its
// own lifetime; each sends its next request ThinkTime after its last one
// ended. At the load's planned end (or a stop) requests in flight get the
// graceful stop.
func (l *Load) runClosed(ctx, stopCtx context.Context, senders []sender) {
	reqCtx, cut := context.WithCancelCause(ctx)
	defer cut(nil)
	l.mu.Lock()
	l.begin = l.clock.Now()
	lives := lifetimes(l.sched.steps())
	l.mu.Unlock()
	var (
		wg   sync.WaitGroup
		iter atomic.Int64
	)
	for i, life := range lives {
		if l.clock.SleepUntil(stopCtx, l.begin.Add(life.start)) != nil {
			for j := i; j < len(lives); j++ {
				l.track.user(j, math.MaxInt64) // never started
			}
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			l.user(reqCtx, stopCtx, l.begin.Add(life.stop), &iter, senders, i)
		}()
	}
	l.waitEnd(stopCtx)
	l.drain(&wg, cut)
}

// lifetime is when one virtual user runs: from start until stop.
type lifetime struct{ start, stop time.Duration }

// lifetimes turns steps of the user count into one lifetime per user; the
// user started last is stopped first. Knowing its stop time up front, a
// user never starts a request at or after it, whatever the order in which
// goroutines wake at that instant.
func lifetimes(steps []step) []lifetime {
	var out []lifetime
	var running []int // indexes into out, oldest first
	for _, st := range steps {
		for len(running) < st.count {
			running = append(running, len(out))
			out = append(out, lifetime{start: st.at})
		}
		for len(running) > st.count {
			out[running[len(running)-1]].stop = st.at
			running = running[:len(running)-1]
		}
	}
	return out
}

// user is one virtual user: it sends requests one after another until
// stop (or stopCtx ends). Its intended start is the end of its last
// request plus the think time, so a generator that wakes it late shows as
// latency.
func (l *Load) user(ctx, stopCtx context.Context, stop time.Time, iter *atomic.Int64, senders []sender, i int) {
	w := l.newWorker()
	defer w.close()
	defer l.track.user(i, math.MaxInt64)
	next := l.clock.Now()
	for next.Before(stop) {
		l.track.user(i, l.sc.offset(next)) // due, until the next is known
		if l.clock.SleepUntil(stopCtx, next) != nil {
			return
		}
		l.lagMu.Lock()
		recordDuration(l.lag, l.clock.Now().Sub(next))
		l.lagMu.Unlock()
		l.scheduled.Add(1)
		n := iter.Add(1) - 1
		l.send(ctx, arrival{n: n, intended: next, entry: l.mix.pick(n)}, senders, w)
		next = l.clock.Now().Add(l.spec.ThinkTime)
	}
}

// watchRate aborts the run when the load sends less than 95 % of its
// planned rate for AbortIfBehind, checking once a second.
func (l *Load) watchRate(stopCtx context.Context) {
	const tolerance = 0.95
	var behindSince time.Duration = -1
	lastSent := l.sent.Load()
	for tick := time.Second; ; tick += time.Second {
		if l.clock.SleepUntil(stopCtx, l.begin.Add(tick)) != nil {
			return
		}
		l.mu.Lock()
		sched := l.sched
		l.mu.Unlock()
		if tick > sched.Length() {
			return
		}
		planned := (sched.At(tick-time.Second) + sched.At(tick-1)) / 2
		sent := l.sent.Load()
		got := float64(sent - lastSent)
		lastSent = sent
		if got >= tolerance*planned {
			behindSince = -1
			continue
		}
		if behindSince < 0 {
			behindSince = tick - time.Second
		}
		if tick-behindSince >= l.spec.AbortIfBehind {
			l.abortReason = fmt.Sprintf("load %q sent %.0f/s against %.0f/s planned for %s (abort_if_behind); the generator or its workers could not keep up",
				l.spec.Name, got, planned, tick-behindSince)
			l.abort(l.abortReason)
			return
		}
	}
}

// result snapshots what the load recorded.
func (l *Load) result() LoadResult {
	r := LoadResult{
		Name:      l.spec.Name,
		Target:    l.spec.Target.spec.Name,
		Closed:    l.spec.Closed,
		Plan:      l.spec.Describe(),
		Tags:      l.spec.Tags,
		Rate:      l.spec.Rate,
		VUs:       l.spec.VUs,
		Duration:  l.spec.Length(),
		Grace:     l.spec.Grace(),
		Scheduled: l.scheduled.Load(),
		Dropped:   l.dropped.Load(),
		Unsent:    l.unsent.Load(),
		QueueMax:  l.queueMax.Load(),
		Lag:       newHistogram(),
		// The load's place on the run's timeline, for per-second checks.
		Start:          l.planStart,
		DroppedSeconds: l.sc.drops(),
		UnsentSeconds:  l.sc.unsents(),
	}
	select {
	case <-l.done:
		r.Elapsed = l.end.Sub(l.begin)
		r.Start = l.sc.offset(l.begin)
		r.Lag = hdrhistogram.Import(l.lag.Export())
	default: // never started (dry run)
	}
	for _, s := range l.names {
		r.Requests = append(r.Requests, s.snapshot())
	}
	select {
	case <-l.done:
		st := l.spec.Target.connStats()
		r.Connections = ConnResult{Dials: st.Dials - l.connStart.Dials,
			Reconnects: st.Reconnects - l.connStart.Reconnects, Replays: st.Replays - l.connStart.Replays}
	default:
	}
	if l.pool != nil {
		st := l.pool.Stats()
		r.Sessions = SessionResult{
			ProtocolVersion: st.ProtocolVersion,
			Opened:          st.Opened, Reinitialized: st.Reinitialized, OpenFailures: st.OpenFailures,
			Deleted: st.Deleted, DeleteFailures: st.DeleteFailures, LeftOpen: st.LeftOpen, CancelsSent: st.CancelsSent,
			Init: st.InitLatency,
		}
	}
	select {
	case <-l.done:
		r.Sessions.Probes = l.spec.Target.probes() - l.probeStart
	default:
	}
	return r
}
