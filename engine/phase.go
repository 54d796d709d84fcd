package engine

import (
	"slices"
	"sync"
	"time"
)

// Phase is a named stretch of the run's timeline that checks may be
// scoped to: a fault's window, a rollout, one of its steps.
type Phase struct {
	// Kind groups phases: "fault", "rollout", "step".
	Kind string
	// Name tells phases of a kind apart: a fault's label ("green
	// latency"), a rollout's new route ("green"), a step ("green 25%").
	Name string
	// Start and End are offsets from the run's start. A phase still open
	// when the run ended ends at the run's end.
	Start, End time.Duration
}

// Contains reports whether offset t falls in [Start, End).
func (p Phase) Contains(t time.Duration) bool { return t >= p.Start && t < p.End }

// phases records a run's phases; safe for concurrent use. Its zero value
// is empty and ready.
type phases struct {
	mu   sync.Mutex
	list []Phase
	open []bool // parallel to list: not ended yet
}

// begin opens a phase at offset at and returns its index, for end.
func (p *phases) begin(kind, name string, at time.Duration) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.list = append(p.list, Phase{Kind: kind, Name: name, Start: at, End: at})
	p.open = append(p.open, true)
	return len(p.list) - 1
}

// end closes phase i at offset at; a phase ends once.
func (p *phases) end(i int, at time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if i >= 0 && i < len(p.list) && p.open[i] {
		p.list[i].End = at
		p.open[i] = false
	}
}

// all returns every phase, those still open ending at runEnd, in order of
// their start.
func (p *phases) all(runEnd time.Duration) []Phase {
	p.mu.Lock()
	out := slices.Clone(p.list)
	for i := range out {
		if p.open[i] {
			out[i].End = runEnd
		}
	}
	p.mu.Unlock()
	slices.SortStableFunc(out, func(a, b Phase) int { return int(a.Start - b.Start) })
	return out
}
