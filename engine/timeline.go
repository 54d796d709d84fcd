package engine

import (
	"fmt"
	"slices"
	"sync"
	"time"
)

// Event is one thing that happened on a run's timeline: a weight change,
// a breaker's transition, a rollout's step or gate.
type Event struct {
	// At is when it happened, from the run's start.
	At time.Duration
	// Source names what it happened to: `router "mcp"`, `route "green"`,
	// `rollout "green"`, `target "blue"`.
	Source string
	// Kind says what happened: "weights", "breaker", "step", "gate",
	// "rollback", "promotion"…
	Kind string
	// Message says it in words.
	Message string
	// Detection marks an event by which the system under test (or the
	// rollout watching it) showed it noticed a problem: a breaker opening,
	// a failed gate, a rollback. time_to_detect measures up to the first.
	Detection bool
}

// String renders the event on one line.
func (e Event) String() string {
	return fmt.Sprintf("+%s  %s  %s: %s", e.At.Round(time.Millisecond), e.Source, e.Kind, e.Message)
}

// timeline collects a run's events; safe for concurrent use. Its zero
// value is empty and ready.
type timeline struct {
	mu     sync.Mutex
	events []Event
}

func (t *timeline) add(e Event) {
	t.mu.Lock()
	t.events = append(t.events, e)
	t.mu.Unlock()
}

// sorted returns the events in time order (ties keep their order of
// arrival), with more merged in.
func (t *timeline) sorted(more ...Event) []Event {
	t.mu.Lock()
	out := append(slices.Clone(t.events), more...)
	t.mu.Unlock()
	slices.SortStableFunc(out, func(a, b Event) int {
		switch {
		case a.At < b.At:
			return -1
		case a.At > b.At:
			return 1
		}
		return 0
	})
	return out
}

// breakerEvents turns a breaker's transitions into timeline events.
func breakerEvents(source string, b BreakerResult) []Event {
	out := make([]Event, len(b.Transitions))
	for i, t := range b.Transitions {
		out[i] = Event{At: t.At, Source: source, Kind: "breaker", Message: fmt.Sprintf("%s → %s (%s)", t.From, t.To, t.Reason),
			Detection: t.To == "open"}
	}
	return out
}
