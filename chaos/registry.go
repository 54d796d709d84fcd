package chaos

import (
	"fmt"
	"slices"
	"strings"

	"github.com/reslua/reslua/internal/suggest"
)

// kind is one entry of the registry.
type kind struct {
	name string
	// perConnection says whether the action works on a TCP proxy; every
	// action works on an HTTP proxy.
	perConnection bool
	new           func() Action
	doc           string
}

// registry is the one place that lists the fault kinds, sorted by name.
var registry = [...]kind{
	{"abort", false, func() Action { return &Abort{} },
		"answer with an HTTP status (and optional body) instead of forwarding"},
	{"bandwidth", true, func() Action { return &Bandwidth{} },
		"limit the bytes per second of the response, the request or both"},
	{"blackhole", true, func() Action { return &Blackhole{} },
		"accept and never answer until the fault is removed or the client gives up"},
	{"cut", true, func() Action { return &Cut{} },
		"close the connection after some bytes or some time"},
	{"jsonrpc_error", false, func() Action { return &JSONRPCError{} },
		"answer a JSON-RPC request with a JSON-RPC error instead of forwarding"},
	{"latency", true, func() Action { return &Latency{} },
		"delay the request or the response: a fixed delay plus uniform jitter"},
	{"reset", true, func() Action { return &Reset{} },
		"reset the connection (TCP RST) instead of forwarding"},
	{"slow_close", true, func() Action { return &SlowClose{} },
		"delay the end of the response (the close of the connection)"},
}

// Kinds returns the registered fault kind names, sorted: abort,
// bandwidth, blackhole, cut, jsonrpc_error, latency, reset, slow_close.
func Kinds() []string {
	names := make([]string, len(registry))
	for i, k := range registry {
		names[i] = k.name
	}
	return names
}

// KindDoc returns a one-line description of a kind, "" for an unknown one.
func KindDoc(name string) string {
	if k := lookupKind(name); k != nil {
		return k.doc
	}
	return ""
}

// Supports reports whether the kind can be used on a proxy of the given
// scope. Every kind works per request (HTTP); abort and jsonrpc_error do
// not work per connection (TCP), which has no requests to answer.
func Supports(name string, scope Scope) bool {
	k := lookupKind(name)
	switch {
	case k == nil || !scope.valid():
		return false
	case scope == PerConnection:
		return k.perConnection
	}
	return true
}

// NewAction returns a pointer to the zero value of the named kind's
// action, for a binding to fill in, as in NewAction("latency") →
// *Latency. For an unknown name it returns an error that wraps
// ErrUnknownKind and suggests the closest name.
func NewAction(name string) (Action, error) {
	if k := lookupKind(name); k != nil {
		return k.new(), nil
	}
	return nil, unknownKind(name)
}

func lookupKind(name string) *kind {
	i, ok := slices.BinarySearchFunc(registry[:], name, func(k kind, n string) int { return strings.Compare(k.name, n) })
	if !ok {
		return nil
	}
	return &registry[i]
}

func unknownKind(name string) error {
	hint := ""
	if c := suggest.Closest(name, Kinds()); c != "" {
		hint = fmt.Sprintf(" (did you mean %q?)", c)
	}
	return fmt.Errorf("%w %q%s; known kinds: %s", ErrUnknownKind, name, hint, strings.Join(Kinds(), ", "))
}
