package deploy

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// DefaultSteps are the reference chapter's traffic steps: the new
// version's share, in percent.
var DefaultSteps = []int{10, 25, 50, 75, 100}

// MinInterval is the shortest Analysis.Interval and HealthCheck.Interval:
// 10 ms. Shorter, measurements or probes would run back to back and
// measure little but themselves.
const MinInterval = 10 * time.Millisecond

// Defaults of Rollout.
const (
	defaultHold            = 30 * time.Second // the chapter's "let traffic stabilize"
	defaultRollbackTimeout = 30 * time.Second
)

// Rollout is what the BlueGreen and Canary controllers share: where the
// traffic goes, in which steps, how each step is judged, and whom to tell.
//
// A rollout moves traffic from the route From to the route To in Steps:
// at each step it sets the weights {From: 100−s, To: s} (every other route
// of a Router gets zero), holds them for Hold while the Analysis measures,
// and goes on when the analysis passes. A failed analysis, an unhealthy
// new version or an action's error rolls back: {From: 100, To: 0}, then
// Cleanup. An inconclusive analysis pauses and asks Decide. After the last
// step the new version gets all the traffic and the rollout is promoted.
type Rollout struct {
	// Router is the built-in router. When set, the rollout reads each
	// step's traffic from it (the client-visible errors of the step), sets
	// weights on it unless Actions is set, and takes the new version's
	// health URL from its route. Zero (nil): no router; Actions is then
	// required, and the steps have no traffic figures.
	Router *Router

	// Actions start the new version, set the weights and clean up. Zero
	// (nil): Router.Actions(), which sets the router's weights.
	Actions Actions

	// From and To are the old and the new route. Zero: "blue" and "green"
	// for BlueGreen, "stable" and "canary" for Canary.
	From, To string

	// Steps are the new version's successive shares of the traffic, in
	// percent: increasing, within 0..100. The last need not be 100: the
	// promotion gives the new version everything anyway. Zero (nil):
	// DefaultSteps (10, 25, 50, 75, 100).
	Steps []int

	// Hold is how long each step lasts at least, from when its weights
	// are set; the analysis measures during it. Zero: 30 s.
	Hold time.Duration

	// Analysis says how each step is analysed (see Analysis). Zero: one
	// measurement at the end of each hold.
	Analysis Analysis

	// Analyzer takes the measurements. Zero (nil): BlueGreen probes the
	// new version's health once per measurement; Canary does no analysis,
	// and a step passes when its hold ends.
	Analyzer Analyzer

	// Decide is asked what to do when an analysis is inconclusive. Zero
	// (nil): the rollout stops Paused and the caller decides with Resume.
	Decide DecideFunc

	// OnEvent receives every event as it happens, in order, from the
	// goroutine running the rollout. Zero (nil): events are only in the
	// Result.
	OnEvent func(Event)

	// Clock paces holds and measurements and dates events. Zero (nil):
	// SystemClock.
	Clock Clock

	// RollbackTimeout bounds the rollback and the clean-up, which run even
	// when the rollout's context is done (on a context of their own).
	// Zero: 30 s.
	RollbackTimeout time.Duration
}

// check adds the rollout's problems to ps. from and to are the names with
// their defaults applied; analyzer says whether measurements have an
// analyzer.
func (ro *Rollout) check(ps *problems, from, to string, analyzer bool) {
	if ro.Router == nil && ro.Actions == nil {
		ps.add("Actions", "nil, and there is no Router to set weights on: set one of them")
	}
	if from == to {
		ps.add("To", fmt.Sprintf("%q is also From: a rollout needs two routes", to))
	}
	if ro.Router != nil {
		names := ro.Router.routeNames()
		for _, f := range []struct{ field, name string }{{"From", from}, {"To", to}} {
			if f.name != "" && !slices.Contains(names, f.name) {
				ps.addErr(f.field, fmt.Sprintf("unknown route %q (the router's routes are %s)", f.name, strings.Join(names, ", ")), ErrUnknownRoute)
			}
		}
	}
	if ro.Steps != nil && len(ro.Steps) == 0 {
		ps.add("Steps", "empty: give at least one step, or nil for the default 10, 25, 50, 75, 100")
	}
	for i, s := range ro.Steps {
		f := fmt.Sprintf("Steps[%d]", i)
		if s < 0 || s > 100 {
			ps.add(f, fmt.Sprintf("%d is outside 0..100 (a percentage of the traffic)", s))
		} else if i > 0 && s <= ro.Steps[i-1] {
			ps.add(f, fmt.Sprintf("%d is not above the step before (%d): steps must increase", s, ro.Steps[i-1]))
		}
	}
	if ro.Hold < 0 {
		ps.add("Hold", fmt.Sprintf("%v is negative", ro.Hold))
	}
	ro.Analysis.check(ps, "Analysis", ro.hold(), analyzer)
	if ro.RollbackTimeout < 0 {
		ps.add("RollbackTimeout", fmt.Sprintf("%v is negative", ro.RollbackTimeout))
	}
}

func (ro *Rollout) hold() time.Duration {
	if ro.Hold == 0 {
		return defaultHold
	}
	return ro.Hold
}

func (ro *Rollout) steps() []int {
	if ro.Steps == nil {
		return DefaultSteps
	}
	return ro.Steps
}

// routeURL returns the router's URL for the route name, or "".
func (ro *Rollout) routeURL(name string) string {
	if ro.Router == nil {
		return ""
	}
	u, _ := ro.Router.RouteURL(name)
	return u
}
