package deploy

import (
	"errors"
	"strings"
)

// Sentinel errors. Errors returned by this package wrap one of them, so
// callers can test with errors.Is.
var (
	// ErrInvalid matches every validation error (a *ValidationError).
	ErrInvalid = errors.New("deploy: invalid configuration")

	// ErrUnknownRoute is wrapped by the problems that name a route the
	// router does not have.
	ErrUnknownRoute = errors.New("deploy: unknown route")

	// ErrStarted is returned by Router.Start when the router was already
	// started.
	ErrStarted = errors.New("deploy: router already started")

	// ErrClosed is returned by Router.Start after Close or Shutdown.
	ErrClosed = errors.New("deploy: router closed")

	// ErrAllEjected is what the router answers (as a 503 body) when every
	// route with weight is ejected by its circuit breaker.
	ErrAllEjected = errors.New("deploy: every route with weight is ejected (circuit open)")

	// ErrUnhealthy is wrapped by HealthCheck.Wait when the target did not
	// give the required run of successes in time.
	ErrUnhealthy = errors.New("deploy: health check failed")

	// ErrNoHealthEndpoint is wrapped (with ErrUnhealthy) by
	// HealthCheck.Wait when a probe is answered 404 Not Found or 405
	// Method Not Allowed: the path is wrong, and waiting will not fix it.
	ErrNoHealthEndpoint = errors.New("deploy: no health endpoint at the path")

	// ErrAnalysisFailed is wrapped by Result.Err when an analysis failed.
	ErrAnalysisFailed = errors.New("deploy: analysis failed")

	// ErrRunning is returned by Run or Resume while a run of the same
	// controller is under way.
	ErrRunning = errors.New("deploy: rollout already running")

	// ErrNotPaused is returned by Resume when the last run did not end
	// Paused.
	ErrNotPaused = errors.New("deploy: rollout is not paused")
)

// Problem is one thing wrong with a configuration: the field (a Go path
// such as "Steps[2]" or `Weights["green"]`) and what is wrong with it.
type Problem struct {
	Field string
	Msg   string
	// Err is a sentinel the problem matches, such as ErrUnknownRoute;
	// nil for most problems.
	Err error
}

// String returns "Field: Msg", or Msg alone when there is no field.
func (p Problem) String() string {
	if p.Field == "" {
		return p.Msg
	}
	return p.Field + ": " + p.Msg
}

// ValidationError lists every problem a Validate method found. It matches
// ErrInvalid, and every sentinel its problems carry, through errors.Is.
type ValidationError struct {
	// What names the thing validated ("router", "canary", …).
	What     string
	Problems []Problem
}

// Error lists the problems, one per line when there are several.
func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString("deploy: invalid ")
	b.WriteString(e.What)
	if len(e.Problems) == 1 {
		b.WriteString(": ")
		b.WriteString(e.Problems[0].String())
		return b.String()
	}
	b.WriteString(":")
	for _, p := range e.Problems {
		b.WriteString("\n\t")
		b.WriteString(p.String())
	}
	return b.String()
}

// Is reports whether target is ErrInvalid or a sentinel one of the
// problems carries.
func (e *ValidationError) Is(target error) bool {
	if target == ErrInvalid {
		return true
	}
	for _, p := range e.Problems {
		if p.Err != nil && errors.Is(p.Err, target) {
			return true
		}
	}
	return false
}

// problems collects Problems; its err method returns nil when there are
// none.
type problems struct {
	what string
	list []Problem
}

func (ps *problems) add(field, msg string) {
	ps.list = append(ps.list, Problem{Field: field, Msg: msg})
}

func (ps *problems) addErr(field, msg string, err error) {
	ps.list = append(ps.list, Problem{Field: field, Msg: msg, Err: err})
}

// merge adds the problems of err (a *ValidationError, or any other error as
// one problem) under the prefix field.
func (ps *problems) merge(prefix string, err error) {
	if err == nil {
		return
	}
	var ve *ValidationError
	if !errors.As(err, &ve) {
		ps.add(prefix, err.Error())
		return
	}
	for _, p := range ve.Problems {
		switch {
		case p.Field == "":
			p.Field = prefix
		case strings.HasPrefix(p.Field, "["):
			p.Field = prefix + p.Field
		case prefix != "":
			p.Field = prefix + "." + p.Field
		}
		ps.list = append(ps.list, p)
	}
}

func (ps *problems) err() error {
	if len(ps.list) == 0 {
		return nil
	}
	return &ValidationError{What: ps.what, Problems: ps.list}
}
