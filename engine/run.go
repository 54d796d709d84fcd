package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/reslua/reslua/chaos"
	"github.com/reslua/reslua/engine/demo"
	"github.com/reslua/reslua/internal/suggest"
)

// ErrRuntime marks failures of the machinery rather than of the scenario:
// a demo server that cannot listen, for example. The CLI exits 1 on them.
var ErrRuntime = errors.New("runtime failure")

// Config configures a Run. The zero value is a real run on the system clock
// that logs nowhere.
type Config struct {
	// Clock measures and waits; nil means SystemClock.
	Clock Clock
	// Log receives the run's messages (not the summary); nil discards them.
	Log io.Writer
	// DryRun validates and records the Plan without starting servers or
	// sending requests; Sleep and Wait return at once and advance the
	// plan's own timeline instead.
	DryRun bool
	// ClientVersion is sent as clientInfo.version; zero means "dev".
	ClientVersion string
	// Seed seeds every random choice of the run's fault proxies, so that
	// a run can be repeated exactly. Zero: the seed 0.
	Seed uint64
	// Chaos names targets that get a fault proxy in front even without
	// TargetSpec.Chaos: those a dry run of the script injected faults
	// into (Plan.Faults). Zero: none.
	Chaos []string
	// HTTPDebug logs each plain HTTP exchange of the targets to Log: the
	// heads, or the bodies too. Zero: none.
	HTTPDebug HTTPDebug
	// TestID names this run among others (k6's testid): it labels every
	// Prometheus series of the run (label testid) and is kept in the
	// Result. Zero: no label.
	TestID string
}

// Run is one execution of a scenario. Its methods are called by one script
// goroutine (Stop and Interrupt may be called from any goroutine); Finish
// ends it.
type Run struct {
	cfg      Config
	clock    Clock
	start    time.Time
	startCPU time.Duration

	mu          sync.Mutex
	targets     []*Target
	routers     []*Router
	rollouts    []*Rollout
	proxies     []*FaultProxy
	timers      []*timer // the script's scheduled callbacks (At, Every)
	timerSeq    int
	inCallback  bool               // a callback is running: no other starts
	watched     []Check            // abort_on_fail checks
	stopWatch   context.CancelFunc // ends the watch of abort_on_fail checks
	experiment  *experiment        // under way; nil when none
	experiments []*ExperimentResult
	demos       []*demo.Server
	kvs         []*demo.KV
	loads       []*Load
	checks      []Check
	plan        Plan
	planOffset  time.Duration // dry runs: where the script is on the plan's timeline
	interrupted bool
	// stopping is set by Interrupt before it removes the faults, whose
	// removal the timeline then calls "stopped".
	stopping atomic.Bool
	finished bool
	aborted  string // why the run was aborted; "" if it was not
	events   timeline
	phases   phases

	// abortCtx is cancelled when the run aborts, to wake a sleeping script.
	abortCtx    context.Context
	abortCancel context.CancelFunc
}

// Plan is what a scenario declares, in declaration order: pure data that a
// dry run records and `reslua check` prints.
type Plan struct {
	Demos    []DemoSpec
	Targets  []TargetSpec
	Routers  []RouterSpec
	Rollouts []PlannedRollout
	Faults   []PlannedFault
	Loads    []PlannedLoad
	Checks   []CheckSpec
	// Length is when the last load ends, on the plan's timeline.
	Length time.Duration
}

// PlannedLoad is a load and when the script starts it.
type PlannedLoad struct {
	Spec   LoadSpec
	Target string
	Start  time.Duration
}

// NewRun returns a run whose clock starts now.
func NewRun(cfg Config) *Run {
	if cfg.Clock == nil {
		cfg.Clock = SystemClock
	}
	if cfg.Log == nil {
		cfg.Log = io.Discard
	}
	if cfg.ClientVersion == "" {
		cfg.ClientVersion = "dev"
	}
	r := &Run{cfg: cfg, clock: cfg.Clock, start: cfg.Clock.Now(), startCPU: processCPU()}
	r.abortCtx, r.abortCancel = context.WithCancel(context.Background())
	return r
}

// ErrAborted is returned by Sleep and WaitLoad once the run has aborted.
var ErrAborted = errors.New("run aborted")

// Abort stops every load (and any load started later), wakes a sleeping
// script with ErrAborted, and records reason; the result then fails. Only
// the first reason is kept.
func (r *Run) Abort(reason string) {
	r.mu.Lock()
	if r.aborted == "" {
		r.aborted = reason
		r.logf("run aborted: %s", reason)
	}
	loads := append([]*Load(nil), r.loads...)
	r.mu.Unlock()
	r.abortCancel()
	for _, l := range loads {
		l.Stop()
	}
}

// Aborted returns why the run aborted, or "" if it did not.
func (r *Run) Aborted() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.aborted
}

// abortable returns ctx, also cancelled when the run aborts.
func (r *Run) abortable(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(r.abortCtx, cancel)
	return ctx, func() { stop(); cancel() }
}

func (r *Run) abortErr(err error) error {
	if r.abortCtx.Err() != nil {
		return fmt.Errorf("%w: %s", ErrAborted, r.Aborted())
	}
	return err
}

// DryRun reports whether the run only validates.
func (r *Run) DryRun() bool { return r.cfg.DryRun }

// Elapsed returns the time since the run started (the plan's timeline in a
// dry run).
func (r *Run) Elapsed() time.Duration {
	if r.cfg.DryRun {
		r.mu.Lock()
		defer r.mu.Unlock()
		return r.planOffset
	}
	return r.clock.Now().Sub(r.start)
}

func (r *Run) logf(format string, args ...any) {
	fmt.Fprintf(r.cfg.Log, format+"\n", args...)
}

// StartDemo starts an embedded demo MCP server on 127.0.0.1 and returns its
// MCP endpoint URL. The server lives until Finish. In a dry run it returns
// a placeholder URL on port 0.
func (r *Run) StartDemo(ctx context.Context, spec DemoSpec) (string, error) {
	if err := spec.Validate(); err != nil {
		return "", err
	}
	if spec.Name == "" {
		spec.Name = "demo"
	}
	if spec.Version == "" {
		spec.Version = "1.0.0"
	}
	r.mu.Lock()
	r.plan.Demos = append(r.plan.Demos, spec)
	r.mu.Unlock()
	if r.cfg.DryRun {
		return "http://127.0.0.1:0/mcp", nil
	}
	s, err := demo.Start(ctx, demo.Options{Name: spec.Name, Version: spec.Version, Stateless: spec.Stateless, JSON: spec.JSON,
		ProtocolVersions: spec.ProtocolVersions, Latency: spec.Latency, ErrorRate: spec.ErrorRate,
		Dependency: spec.Dependency})
	if err != nil {
		return "", fmt.Errorf("%w: demo server %q: %w", ErrRuntime, spec.Name, err)
	}
	r.mu.Lock()
	r.demos = append(r.demos, s)
	r.mu.Unlock()
	misbehaving := ""
	if spec.Latency > 0 {
		misbehaving += fmt.Sprintf(", %s slower", spec.Latency)
	}
	if spec.ErrorRate > 0 {
		misbehaving += fmt.Sprintf(", failing %g%% of MCP requests", 100*spec.ErrorRate)
	}
	r.logf("demo MCP server %q (version %s, %s, %s%s) at %s", spec.Name, spec.Version,
		pick(spec.Stateless, "stateless", "stateful"), pick(spec.JSON, "JSON replies", "SSE replies"), misbehaving, s.URL())
	return s.URL(), nil
}

func pick(b bool, yes, no string) string {
	if b {
		return yes
	}
	return no
}

// targetNamedLocked reports whether a target (or router) is named name;
// r.mu is held.
func (r *Run) targetNamedLocked(name string) bool {
	return slices.ContainsFunc(r.targets, func(t *Target) bool { return t.spec.Name == name })
}

// StartKV starts a demo KV service on 127.0.0.1 (a TCP dependency for a
// demo server, see DemoSpec.Dependency) and returns its host:port; it
// lives until Finish. In a dry run it returns a placeholder address.
func (r *Run) StartKV(ctx context.Context) (string, error) {
	if r.cfg.DryRun {
		return "127.0.0.1:0", nil
	}
	kv, err := demo.StartKV(ctx)
	if err != nil {
		return "", fmt.Errorf("%w: demo KV service: %w", ErrRuntime, err)
	}
	r.mu.Lock()
	r.kvs = append(r.kvs, kv)
	r.mu.Unlock()
	r.logf("demo KV service (TCP) at %s", kv.Addr())
	return kv.Addr(), nil
}

// AddTarget validates spec and returns the target it describes. Target
// names are unique within a run.
func (r *Run) AddTarget(spec TargetSpec) (*Target, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	r.mu.Lock()
	if r.targetNamedLocked(spec.Name) {
		r.mu.Unlock()
		return nil, fmt.Errorf("name: a target named %q already exists", spec.Name)
	}
	r.plan.Targets = append(r.plan.Targets, spec)
	r.mu.Unlock()
	var fp *FaultProxy
	// A dry run gives every target an (unstarted) proxy, so that the plan
	// records the faults the script injects: the real run then puts a
	// proxy in front of those targets alone (Config.Chaos).
	if spec.Chaos || r.cfg.DryRun || slices.Contains(r.cfg.Chaos, spec.Name) {
		// The target's traffic goes through a fault proxy of its own,
		// ready for chaos.inject; targets without one pay no extra hop.
		var err error
		if fp, err = r.startProxy(spec.Name, spec.URL, chaos.PerRequest); err != nil {
			return nil, err
		}
		if !r.cfg.DryRun {
			spec.URL = fp.p.URL()
		}
	}
	t := newTarget(spec, r.cfg.ClientVersion, r.clock)
	t.proxy = fp
	if r.cfg.HTTPDebug != HTTPDebugOff && r.cfg.Log != nil {
		t.debug = &httpDebug{w: r.cfg.Log, full: r.cfg.HTTPDebug == HTTPDebugFull}
	}
	r.mu.Lock()
	r.targets = append(r.targets, t)
	r.mu.Unlock()
	return t, nil
}

// StartLoad validates spec and starts the load; arrivals begin at once. In
// a dry run it only records the load on the plan. Load names are unique
// within a run.
func (r *Run) StartLoad(ctx context.Context, spec LoadSpec) (*Load, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	if spec.Name == "" {
		spec.Name = spec.Target.spec.Name
	}
	if spec.Workers == 0 {
		spec.Workers = DefaultWorkers
	}
	if spec.Queue == 0 {
		spec.Queue = DefaultQueue
	}
	if spec.Sessions == 0 {
		spec.Sessions = DefaultSessions
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.finished {
		return nil, errors.New("the run has finished")
	}
	for _, l := range r.loads {
		if l.spec.Name == spec.Name {
			return nil, fmt.Errorf("name: a load named %q already exists; give each load its own name", spec.Name)
		}
	}
	pl := PlannedLoad{Spec: spec, Target: spec.Target.spec.Name, Start: r.elapsedLocked()}
	r.plan.Loads = append(r.plan.Loads, pl)
	if end := pl.Start + spec.Length(); end > r.plan.Length {
		r.plan.Length = end
	}
	l := newLoad(spec, r.clock, r.cfg.Log, pl.Start)
	l.abort = r.Abort
	r.loads = append(r.loads, l)
	if !r.cfg.DryRun {
		if r.interrupted || r.aborted != "" {
			l.Stop()
		}
		l.start(ctx)
	}
	return l, nil
}

func (r *Run) elapsedLocked() time.Duration {
	if r.cfg.DryRun {
		return r.planOffset
	}
	return r.clock.Now().Sub(r.start)
}

// Sleep waits for d on the run's clock, or until ctx is done. In a dry run
// it advances the plan's timeline and returns at once.
func (r *Run) Sleep(ctx context.Context, d time.Duration) error {
	if d < 0 {
		return fmt.Errorf("sleep: expected a duration >= 0, got %s", d)
	}
	if r.cfg.DryRun {
		r.mu.Lock()
		to := r.planOffset + d
		r.mu.Unlock()
		return r.advancePlan(ctx, to)
	}
	ctx, cancel := r.abortable(ctx)
	defer cancel()
	return r.abortErr(r.block(ctx, r.clock.Now().Add(d), nil))
}

// WaitLoad blocks until l has finished (its planned end, or a stop, and then
// its requests in flight answered or cut at the end of its graceful stop)
// or ctx is done. In a dry run it advances the plan's timeline to l's end.
func (r *Run) WaitLoad(ctx context.Context, l *Load) error {
	if r.cfg.DryRun {
		return r.advancePlan(ctx, l.planStart+l.spec.Length())
	}
	ctx, cancel := r.abortable(ctx)
	defer cancel()
	if err := r.block(ctx, time.Time{}, l.done); err != nil {
		return r.abortErr(err)
	}
	return nil
}

// AddChecks validates and records checks, to be evaluated by Finish. It
// returns every problem, each prefixed with its check's Where.
func (r *Run) AddChecks(specs ...CheckSpec) error {
	var errs []error
	for _, s := range specs {
		c, err := ParseCheck(s)
		if err != nil {
			errs = append(errs, prefix(s.Where, err))
			continue
		}
		r.mu.Lock()
		r.checks = append(r.checks, c)
		r.plan.Checks = append(r.plan.Checks, s)
		r.mu.Unlock()
		if s.AbortOnFail && !r.cfg.DryRun {
			r.watchCheck(c)
		}
	}
	return errors.Join(errs...)
}

func prefix(where string, err error) error {
	if where == "" {
		return err
	}
	return fmt.Errorf("%s: %w", where, err)
}

// Interrupt ends the run's faults at once (requests a fault holds, such
// as a blackhole's, go on to their target), stops every load's arrivals
// (and any load started later), gives requests in flight their load's
// graceful stop, and marks the result as interrupted. The first call puts
// an "interrupt" event on the timeline; the faults' ends are no later.
// Faults injected afterwards are not added. Rollouts under way roll back
// when the script's context ends (deploy), as the interrupt cancels it.
func (r *Run) Interrupt() {
	r.mu.Lock()
	first := !r.interrupted
	r.interrupted = true
	loads := append([]*Load(nil), r.loads...)
	proxies := append([]*FaultProxy(nil), r.proxies...)
	r.mu.Unlock()
	if r.cfg.DryRun {
		for _, l := range loads {
			l.Stop()
		}
		return
	}
	// The faults first: a request in flight must not stay blackholed
	// through the graceful stop, nor the fault's window outlast the
	// interrupt in the results.
	r.stopping.Store(true)
	for _, fp := range proxies {
		fp.p.RemoveAll()
	}
	if first {
		r.events.add(Event{At: r.Elapsed(), Source: "run", Kind: "interrupt",
			Message: "interrupted: faults removed, arrivals stopped, requests in flight draining"})
	}
	for _, l := range loads {
		l.Stop()
	}
}

// isInterrupted reports whether Interrupt was called.
func (r *Run) isInterrupted() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.interrupted
}

// Plan returns what the scenario has declared so far.
func (r *Run) Plan() Plan {
	r.mu.Lock()
	defer r.mu.Unlock()
	p := r.plan
	p.Demos = append([]DemoSpec(nil), p.Demos...)
	p.Targets = append([]TargetSpec(nil), p.Targets...)
	p.Routers = append([]RouterSpec(nil), p.Routers...)
	p.Rollouts = append([]PlannedRollout(nil), p.Rollouts...)
	p.Faults = append([]PlannedFault(nil), p.Faults...)
	p.Loads = append([]PlannedLoad(nil), p.Loads...)
	p.Checks = append([]CheckSpec(nil), p.Checks...)
	return p
}

// Finish waits for every load to end (or ctx to be done, which stops them
// hard), closes sessions, targets and demo servers, and evaluates the
// checks. The error reports checks whose scope names no load or request
// (the only problem a dry run cannot see before the end); the Result is
// returned in every case.
func (r *Run) Finish(ctx context.Context) (*Result, error) {
	r.mu.Lock()
	if r.stopWatch != nil {
		r.stopWatch()
	}
	r.finished = true
	loads := append([]*Load(nil), r.loads...)
	checks := append([]Check(nil), r.checks...)
	r.mu.Unlock()

	if !r.cfg.DryRun {
		for _, l := range loads {
			if err := l.Wait(ctx); err != nil {
				l.Stop()
				l.cancel()
				<-l.done
			}
		}
	}
	// Every fault ends here, whatever ended the run.
	var faults []FaultResult
	for _, fp := range r.proxies {
		fp.close()
		faults = append(faults, fp.results()...)
	}
	var routers []RouterResult
	var events []Event // breaker transitions, merged into the timeline
	for _, ro := range r.routers {
		ro.close()
		rr := ro.result(r.start)
		for _, rt := range rr.Routes {
			if rt.Breaker != nil {
				events = append(events, breakerEvents(fmt.Sprintf("route %q", rt.Name), *rt.Breaker)...)
			}
		}
		routers = append(routers, rr)
	}
	for _, t := range r.targets {
		t.close()
	}
	var breakers []BreakerResult
	for _, t := range r.targets {
		if t.breaker == nil {
			continue
		}
		br := breakerResult(t.spec.Name, t.breaker, r.start)
		events = append(events, breakerEvents(fmt.Sprintf("target %q", t.spec.Name), br)...)
		breakers = append(breakers, br)
	}
	for _, d := range r.demos {
		if err := d.Close(); err != nil {
			r.logf("closing demo server: %v", err)
		}
	}
	for _, kv := range r.kvs {
		kv.Close()
	}

	res := &Result{TestID: r.cfg.TestID, Elapsed: r.Elapsed(), Interrupted: r.interrupted, Aborted: r.Aborted(), DryRun: r.cfg.DryRun,
		Breakers: breakers, Routers: routers, Rollouts: r.rolloutResults(), Events: r.events.sorted(events...)}
	res.Phases = r.phases.all(res.Elapsed)
	res.Faults = faults
	for _, l := range loads {
		res.Loads = append(res.Loads, l.result())
	}
	for _, e := range r.experiments {
		ex := *e
		res.compareGroups(&ex) // on the loads' series
		res.Experiments = append(res.Experiments, ex)
	}
	if !r.cfg.DryRun {
		res.Generator = health(processCPU()-r.startCPU, res.Elapsed, len(r.demos), res.Loads)
	}
	var errs []error
	for _, c := range checks {
		if err := r.checkScope(c); err != nil {
			errs = append(errs, prefix(c.Spec.Where, err))
			continue
		}
		if !r.cfg.DryRun {
			// A phase name that matches none of the run's phases is a
			// mistake in the scenario (the check also fails, saying so).
			if err := res.scopeError(c); err != nil {
				errs = append(errs, prefix(c.Spec.Where, err))
			}
			res.Checks = append(res.Checks, res.evaluate(c))
		}
	}
	return res, errors.Join(errs...)
}

// checkScope reports a check whose load or request scope matches nothing.
func (r *Run) checkScope(c Check) error {
	var loads, requests, tags []string
	seenReq, seenTag := map[string]bool{}, map[string]bool{}
	tagKey, tagValue, _ := strings.Cut(c.Spec.Tag, "=")
	for _, pl := range r.plan.Loads {
		loads = append(loads, pl.Spec.Name)
		for k, v := range pl.Spec.Tags {
			if t := k + "=" + v; !seenTag[t] {
				seenTag[t] = true
				tags = append(tags, t)
			}
		}
		if c.Spec.Load != "" && pl.Spec.Name != c.Spec.Load {
			continue
		}
		if c.Spec.Tag != "" && pl.Spec.Tags[tagKey] != tagValue {
			continue
		}
		for _, e := range pl.Spec.Mix {
			n := e.Request.DisplayName()
			if !seenReq[n] {
				seenReq[n] = true
				requests = append(requests, n)
			}
		}
	}
	if c.Spec.Route != "" {
		var routes []string
		for _, rs := range r.plan.Routers {
			for _, rt := range rs.Routes {
				routes = append(routes, rt.Target.Name())
			}
		}
		if !slices.Contains(routes, c.Spec.Route) {
			return unknownName("route", c.Spec.Route, routes)
		}
	}
	if c.Spec.Load != "" && !slices.Contains(loads, c.Spec.Load) {
		return unknownName("load", c.Spec.Load, loads)
	}
	if c.Spec.Tag != "" && !seenTag[c.Spec.Tag] {
		return unknownName("tag", c.Spec.Tag, tags)
	}
	if c.Spec.Request != "" && !seenReq[c.Spec.Request] {
		return unknownName("request", c.Spec.Request, requests)
	}
	return nil
}

func unknownName(what, name string, known []string) error {
	msg := fmt.Sprintf("%s: no %s named %q", what, what, name)
	if alt := suggest.Closest(name, known); alt != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", alt)
	}
	if len(known) > 0 {
		sorted := append([]string(nil), known...)
		sort.Strings(sorted)
		msg += "; known: " + strings.Join(sorted, ", ")
	}
	return errors.New(msg)
}
