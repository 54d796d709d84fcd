package engine

import (
	"context"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/reslua/reslua/engine/mcp"
	"github.com/reslua/reslua/engine/outcome"
)

// Load is one running open-model load, made by Run.StartLoad.
type Load struct {
	spec      LoadSpec
	clock     Clock
	log       io.Writer
	planStart time.Duration
	order     []int           // mix entry index per arrival, cycled
	stats     []*requestStats // per mix entry; entries with one name share one
	names     []*requestStats // distinct, in mix order

	stop     chan struct{} // closed by Stop: no new arrivals
	stopOnce sync.Once
	cancel   context.CancelFunc // hard stop of requests in flight
	done     chan struct{}      // closed when the load has ended

	// Written by the load's goroutines, read after done.
	pool                       *mcp.Pool
	begin, end                 time.Time
	scheduled, dropped, unsent atomic.Int64
	queueMax                   atomic.Int64
	lag                        *hdrhistogram.Histogram // scheduler goroutine only
}

// arrival is one request due at its intended time.
type arrival struct {
	n        int64
	intended time.Time
}

func newLoad(spec LoadSpec, clock Clock, log io.Writer, planStart time.Duration) *Load {
	weights := make([]int, len(spec.Mix))
	for i, e := range spec.Mix {
		weights[i] = e.Weight
	}
	l := &Load{
		spec: spec, clock: clock, log: log, planStart: planStart,
		order: mixOrder(weights),
		stop:  make(chan struct{}),
		done:  make(chan struct{}),
		lag:   newHistogram(),
	}
	byName := map[string]*requestStats{}
	for _, e := range spec.Mix {
		n := e.Request.DisplayName()
		s, ok := byName[n]
		if !ok {
			s = newRequestStats(n)
			byName[n] = s
			l.names = append(l.names, s)
		}
		l.stats = append(l.stats, s)
	}
	return l
}

// Name returns the load's name.
func (l *Load) Name() string { return l.spec.Name }

// Stop ends the load's arrivals; requests in flight finish. Safe to call
// more than once and from any goroutine.
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

// start runs the load in the background; ctx is the hard stop.
func (l *Load) start(ctx context.Context) {
	ctx, l.cancel = context.WithCancel(ctx)
	go l.run(ctx, l.openSenders)
}

// run opens the load's senders, runs its arrivals to the end and closes
// its sessions. Tests pass senders of their own.
func (l *Load) run(ctx context.Context, open func(context.Context) []sender) {
	defer close(l.done)
	defer l.cancel()
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

	queue := make(chan arrival, l.spec.Queue)
	var wg sync.WaitGroup
	for range l.spec.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l.work(ctx, stopCtx, queue, senders)
		}()
	}
	l.begin = l.clock.Now()
	l.schedule(stopCtx, queue, ConstantRate{Rate: l.spec.Rate, Duration: l.spec.Duration})
	l.end = l.clock.Now()
	close(queue)
	wg.Wait()

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
		if e.Request.MCP != nil {
			pool, err := mcp.NewPool(ctx, t.mcp, l.spec.Sessions)
			if err != nil { // only for an invalid size, which Validate rules out
				panic(fmt.Sprintf("engine: session pool: %v", err))
			}
			l.pool = pool
			break
		}
	}
	senders := make([]sender, len(l.spec.Mix))
	for i, e := range l.spec.Mix {
		senders[i] = t.newSender(e.Request, l.pool)
	}
	return senders
}

// schedule puts each arrival on the queue at its intended time, until the
// pacer is done or stopCtx is. An arrival that finds the queue full is
// dropped and counted.
func (l *Load) schedule(stopCtx context.Context, queue chan<- arrival, p Pacer) {
	for n := int64(0); ; n++ {
		off, ok := p.Offset(n)
		if !ok {
			return
		}
		intended := l.begin.Add(off)
		if err := l.clock.SleepUntil(stopCtx, intended); err != nil {
			return
		}
		recordDuration(l.lag, l.clock.Now().Sub(intended))
		l.scheduled.Add(1)
		select {
		case queue <- arrival{n: n, intended: intended}:
			if d := int64(len(queue)); d > l.queueMax.Load() {
				l.queueMax.Store(d)
			}
		default:
			l.dropped.Add(1)
		}
	}
}

// work sends queued arrivals until the queue is closed. After a stop,
// arrivals still queued are counted as unsent rather than sent.
func (l *Load) work(ctx, stopCtx context.Context, queue <-chan arrival, senders []sender) {
	timeout := l.spec.Target.spec.Timeout
	for a := range queue {
		if stopCtx.Err() != nil {
			l.unsent.Add(1)
			continue
		}
		i := l.order[a.n%int64(len(l.order))]
		sent := l.clock.Now()
		rctx, cancel := context.WithTimeout(ctx, timeout)
		k := senders[i].send(rctx)
		cancel()
		if k == outcome.Canceled && ctx.Err() == nil && rctx.Err() == context.DeadlineExceeded {
			k = outcome.Timeout
		}
		done := l.clock.Now()
		l.stats[i].record(k, done.Sub(a.intended), done.Sub(sent), sent.Sub(a.intended))
	}
}

// result snapshots what the load recorded.
func (l *Load) result() LoadResult {
	r := LoadResult{
		Name:      l.spec.Name,
		Target:    l.spec.Target.spec.Name,
		Rate:      l.spec.Rate,
		Duration:  l.spec.Duration,
		Scheduled: l.scheduled.Load(),
		Dropped:   l.dropped.Load(),
		Unsent:    l.unsent.Load(),
		QueueMax:  l.queueMax.Load(),
		Lag:       newHistogram(),
	}
	select {
	case <-l.done:
		r.Elapsed = l.end.Sub(l.begin)
		r.Lag = hdrhistogram.Import(l.lag.Export())
	default: // never started (dry run)
	}
	for _, s := range l.names {
		r.Requests = append(r.Requests, s.snapshot())
	}
	if l.pool != nil {
		st := l.pool.Stats()
		r.Sessions = SessionResult{Opened: st.Opened, Reinitialized: st.Reinitialized, OpenFailures: st.OpenFailures, Init: st.InitLatency}
	}
	return r
}
