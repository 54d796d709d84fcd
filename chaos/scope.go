package chaos

import "fmt"

// Scope says what a proxy decides on: each HTTP request, or each TCP
// connection. It is always explicit: the zero value is invalid.
type Scope int

const (
	// PerRequest is an HTTP reverse proxy. Every request is matched and
	// decided on its own, even on a kept-alive connection.
	PerRequest Scope = iota + 1
	// PerConnection is a TCP proxy for any protocol (a database, a
	// cache, a message broker). Every accepted connection is matched and
	// decided once, and the decision holds for its whole life.
	PerConnection
)

func (s Scope) String() string {
	switch s {
	case PerRequest:
		return "per-request"
	case PerConnection:
		return "per-connection"
	}
	return fmt.Sprintf("Scope(%d)", int(s))
}

func (s Scope) valid() bool { return s == PerRequest || s == PerConnection }

// Direction is the way the bytes a fault acts on flow.
type Direction int

const (
	// Downstream is from the target to the client: the response. It is
	// the zero value.
	Downstream Direction = iota
	// Upstream is from the client to the target: the request.
	Upstream
	// Both is either way.
	Both
)

func (d Direction) String() string {
	switch d {
	case Downstream:
		return "downstream"
	case Upstream:
		return "upstream"
	case Both:
		return "both"
	}
	return fmt.Sprintf("Direction(%d)", int(d))
}

func (d Direction) valid() bool { return d >= Downstream && d <= Both }

func (d Direction) down() bool { return d == Downstream || d == Both }
func (d Direction) up() bool   { return d == Upstream || d == Both }
