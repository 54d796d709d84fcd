package engine

import (
	"context"
	"errors"
	"fmt"
	"log"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/reslua/reslua/chaos"
)

// FaultProxySpec describes a fault-injecting proxy (package chaos) that
// stands in front of a dependency: a TCP service (a database, a cache) or
// an HTTP one. A target's own proxy is made by AddTarget (TargetSpec.Chaos).
type FaultProxySpec struct {
	// Name names the proxy in faults, events and results. Required;
	// unique among proxies and targets.
	Name string
	// Target is what the proxy forwards to: "host:port" for a TCP proxy,
	// an http:// URL for an HTTP one. Required.
	Target string
	// TCP makes the proxy decide per connection (relaying bytes), as it
	// must in front of a non-HTTP service. Zero: per HTTP request.
	TCP bool
}

// FaultProxy is one of the run's fault-injecting proxies.
type FaultProxy struct {
	name   string
	target string // what it stands in front of, for results
	p      *chaos.Proxy
	run    *Run
	scope  chaos.Scope

	mu     sync.Mutex
	faults map[string]*injected // by fault ID
	order  []string
	added  int // faults added, for their IDs
	labels map[string]*labelPhase
}

// labelPhase is the phase of the faults sharing a label, with the number
// of them still active.
type labelPhase struct{ index, open int }

// injected is one fault added to a proxy, with its place on the timeline.
type injected struct {
	label      string
	kind       string
	phase      int // index in the run's phases; -1 until active
	start, end time.Duration
	active     bool
	stats      chaos.Stats
}

// Name returns the proxy's name.
func (fp *FaultProxy) Name() string { return fp.name }

// Addr returns the proxy's address, "127.0.0.1:port" ("127.0.0.1:0" in
// a dry run): what the dependency's clients connect to instead.
func (fp *FaultProxy) Addr() string {
	if a := fp.p.Addr(); a != "" {
		return a
	}
	return "127.0.0.1:0"
}

// AddFaultProxy validates spec and starts the proxy on 127.0.0.1 (not in
// a dry run).
func (r *Run) AddFaultProxy(spec FaultProxySpec) (*FaultProxy, error) {
	var errs []error
	if spec.Name == "" {
		errs = append(errs, errors.New("name: required, e.g. \"db\""))
	}
	if spec.Target == "" {
		errs = append(errs, errors.New("target: required: host:port of a TCP service, or an http:// URL"))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	scope := chaos.PerRequest
	if spec.TCP {
		scope = chaos.PerConnection
	}
	r.mu.Lock()
	taken := slices.ContainsFunc(r.proxies, func(p *FaultProxy) bool { return p.name == spec.Name })
	r.mu.Unlock()
	if taken {
		return nil, fmt.Errorf("name: a fault proxy named %q already exists", spec.Name)
	}
	return r.startProxy(spec.Name, spec.Target, scope)
}

// startProxy makes, validates and (unless in a dry run) starts a proxy.
func (r *Run) startProxy(name, target string, scope chaos.Scope) (*FaultProxy, error) {
	fp := &FaultProxy{name: name, target: target, run: r, scope: scope, faults: map[string]*injected{}, labels: map[string]*labelPhase{}}
	fp.p = &chaos.Proxy{
		Name:     name,
		Scope:    scope,
		Target:   target,
		Seed:     r.cfg.Seed,
		Clock:    r.clock,
		OnEvent:  fp.event,
		ErrorLog: log.New(r.cfg.Log, fmt.Sprintf("fault proxy %q: ", name), 0),
	}
	if err := fp.p.Validate(); err != nil {
		return nil, chaosProblems(err)
	}
	if !r.cfg.DryRun {
		// The proxy's faults end with Finish (Close), not with the
		// script's context: a fault never outlives the run, and requests
		// in flight at a graceful stop still pass through.
		if err := fp.p.Start(context.Background()); err != nil {
			return nil, fmt.Errorf("%w: fault proxy %q: %v", ErrRuntime, name, err)
		}
	}
	r.mu.Lock()
	r.proxies = append(r.proxies, fp)
	r.mu.Unlock()
	return fp, nil
}

// Inject adds faults to fp, labelled for phases and results (zero: each
// fault's ID). It validates every fault first and adds none if one is
// invalid; the problems name the DSL's keys. In a dry run it records the
// faults on the plan. It returns the faults' IDs.
func (r *Run) Inject(fp *FaultProxy, label string, faults ...chaos.Fault) ([]string, error) {
	var errs []error
	for _, f := range faults {
		if f.Action == nil {
			errs = append(errs, errors.New("no fault kind given"))
			continue
		}
		if err := f.Validate(fp.scope); err != nil {
			for _, e := range splitJoined(chaosProblems(err)) {
				if rest, ok := strings.CutPrefix(e.Error(), "action: "); ok {
					e = fmt.Errorf("%s: %s", f.Action.Kind(), strings.TrimPrefix(rest, f.Action.Kind()+" is "))
				}
				errs = append(errs, e)
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(faults))
	r.mu.Lock()
	at := r.elapsedLocked()
	for _, f := range faults {
		r.plan.Faults = append(r.plan.Faults, PlannedFault{Proxy: fp.name, Kind: f.Action.Kind(), Start: at + f.Start, Duration: f.Duration})
	}
	r.mu.Unlock()
	if r.cfg.DryRun || r.isInterrupted() {
		// An interrupted run takes no new fault (Interrupt removed the
		// others).
		for range faults {
			ids = append(ids, "")
		}
		return ids, nil
	}
	for _, f := range faults {
		// The ID is made here, so that the fault's label is known before
		// Add, which may report it active at once.
		fp.mu.Lock()
		fp.added++
		l := label
		if l == "" {
			l = fmt.Sprintf("%s %s", fp.name, f.Action.Kind())
		}
		f.ID = fmt.Sprintf("%s-%d", f.Action.Kind(), fp.added)
		fp.faults[f.ID] = &injected{label: l, kind: f.Action.Kind(), phase: -1}
		fp.order = append(fp.order, f.ID)
		fp.mu.Unlock()
		if _, err := fp.p.Add(f); err != nil {
			for _, done := range ids { // all or nothing
				fp.p.Remove(done)
			}
			return nil, chaosProblems(err)
		}
		ids = append(ids, f.ID)
	}
	if r.isInterrupted() { // Interrupt ran meanwhile: it may have missed these
		fp.Remove(ids...)
	}
	r.noteFaults(fp, ids)
	return ids, nil
}

// Remove removes faults from fp at once; unknown or removed IDs are
// ignored.
func (fp *FaultProxy) Remove(ids ...string) {
	for _, id := range ids {
		if id != "" {
			fp.p.Remove(id)
		}
	}
}

// event puts a proxy's fault events on the run's timeline and its fault
// windows among the run's phases.
func (fp *FaultProxy) event(e chaos.Event) {
	r := fp.run
	at := e.Time.Sub(r.start)
	fp.mu.Lock()
	in := fp.faults[e.FaultID]
	if in == nil { // not added through Inject
		in = &injected{label: e.FaultID, kind: e.Kind, phase: -1}
		fp.faults[e.FaultID] = in
		fp.order = append(fp.order, e.FaultID)
	}
	label := in.label
	var msg string
	switch e.Type {
	case chaos.EventActive:
		in.active, in.start = true, at
		// The faults of one chaos.inject share a label and one phase,
		// from the first that begins to the last that ends.
		if ph, ok := fp.labels[label]; ok && ph.open > 0 {
			in.phase = ph.index
			ph.open++
		} else {
			in.phase = r.phases.begin("fault", label, at)
			fp.labels[label] = &labelPhase{index: in.phase, open: 1}
		}
		msg = fmt.Sprintf("%s (%s) active", label, e.Kind)
	case chaos.EventRemoved:
		in.end, in.stats = at, e.Stats
		if ph := fp.labels[label]; in.active && ph != nil {
			if ph.open--; ph.open == 0 {
				r.phases.end(ph.index, at)
			}
		}
		reason := e.Reason.String()
		if e.Reason == chaos.ReasonRemoved && r.stopping.Load() {
			reason = "stopped" // by Run.Interrupt: a signal or a script error
		}
		msg = fmt.Sprintf("%s (%s) removed (%s): %d matched, %d hit", label, e.Kind, reason, e.Stats.Matched, e.Stats.Injected)
	default:
		fp.mu.Unlock()
		return
	}
	fp.mu.Unlock()
	r.events.add(Event{At: at, Source: fmt.Sprintf("proxy %q", fp.name), Kind: "fault", Message: msg})
	r.logf("proxy %q  fault: %s", fp.name, msg)
}

// close removes every fault (ending their phases) and stops the proxy.
func (fp *FaultProxy) close() {
	if err := fp.p.Close(); err != nil {
		fp.run.logf("closing fault proxy %q: %v", fp.name, err)
	}
}

// results returns what fp's faults did, in the order they were added.
func (fp *FaultProxy) results() []FaultResult {
	fp.mu.Lock()
	defer fp.mu.Unlock()
	var out []FaultResult
	for _, id := range fp.order {
		in := fp.faults[id]
		fr := FaultResult{ID: in.label, Target: fp.name, Kind: in.kind, Start: in.start, End: in.end,
			Matched: in.stats.Matched, Hit: in.stats.Injected}
		if !in.active {
			fr.Start, fr.End = -1, -1 // never became active
		}
		out = append(out, fr)
	}
	return out
}

// PlannedFault is a fault the script injects, on the plan's timeline.
type PlannedFault struct {
	Proxy, Kind     string
	Start, Duration time.Duration
}

// chaosProblems rewrites a chaos validation error's Go field paths
// ("Latency.Jitter", "Match.Tool") as the DSL's keys ("latency.jitter",
// "match.tool"); other errors pass unchanged.
func chaosProblems(err error) error {
	var ve *chaos.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	errs := make([]error, len(ve.Errors))
	for i, fe := range ve.Errors {
		field := dslKey(fe.Field)
		// The action's settings sit under its kind's key in the DSL.
		for _, k := range chaos.Kinds() {
			if head, rest, ok := strings.Cut(field, "."); ok && strings.ReplaceAll(head, "_", "") == strings.ReplaceAll(k, "_", "") {
				field = k + "." + rest
			}
		}
		errs[i] = fmt.Errorf("%s: %s", field, fe.Problem)
	}
	return errors.Join(errs...)
}
