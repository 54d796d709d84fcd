package chaos

import (
	"fmt"
	"reflect"
	"time"
)

// Action is what a fault does to the traffic it hits. The package's
// actions are Latency, Abort, JSONRPCError, Reset, Blackhole, Bandwidth,
// SlowClose and Cut; the registry (Kinds, NewAction) names them. The set
// is closed: the interface's other methods are unexported.
//
// A Fault may hold an action by value (chaos.Latency{...}) or by pointer
// (what NewAction returns); Add takes a copy either way.
type Action interface {
	// Kind is the action's name in the registry, as in "latency".
	Kind() string

	// validate adds the action's own problems; field names start with
	// the action's type name. Scope support is checked by the caller.
	validate(scope Scope, p *problems)
	// apply adds what the action does to h.plan.
	apply(h *hit)
}

// actionValue returns a non-nil action held by value (a pointer is
// dereferenced), so that later changes to the caller's copy do not reach
// the proxy. It returns nil for a nil action or a nil pointer.
func actionValue(a Action) Action {
	if a == nil {
		return nil
	}
	v := reflect.ValueOf(a)
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return nil
		}
		if av, ok := v.Elem().Interface().(Action); ok {
			return av
		}
	}
	return a
}

// typeName is the Go name of a's type, the prefix of its field names.
func typeName(a Action) string {
	t := reflect.TypeOf(a)
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Name()
}

// checkDuration adds a problem when d is negative.
func checkDuration(p *problems, field string, d time.Duration) {
	if d < 0 {
		p.add(field, fmt.Sprintf("%v is negative; want a duration of zero or more", d))
	}
}
