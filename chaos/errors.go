package chaos

import (
	"errors"
	"strings"
)

// Sentinel errors. Errors returned by this package wrap one of them, so
// callers test with errors.Is.
var (
	// ErrInvalid is wrapped by every validation error (see
	// ValidationError): a Proxy or Fault that cannot be used as given.
	ErrInvalid = errors.New("chaos: invalid configuration")

	// ErrUnknownKind is returned by NewAction for a kind name the
	// registry does not know. The message suggests the closest name.
	ErrUnknownKind = errors.New("chaos: unknown fault kind")

	// ErrNotStarted is returned by Add before Start.
	ErrNotStarted = errors.New("chaos: proxy not started")

	// ErrStarted is returned by a second call to Start.
	ErrStarted = errors.New("chaos: proxy already started")

	// ErrClosed is returned by Start and Add after Close.
	ErrClosed = errors.New("chaos: proxy closed")

	// ErrDuplicateID is returned by Add for a Fault whose ID names a
	// fault the proxy still holds.
	ErrDuplicateID = errors.New("chaos: duplicate fault id")
)

// FieldError is one problem with one field of a Proxy or a Fault.
type FieldError struct {
	// Field is the Go path of the field, as in "Probability",
	// "Match.Tool" or "Latency.Jitter" (the action's type name, then
	// its field). A binding maps it to its own key names.
	Field string
	// Problem says what is wrong and what is expected.
	Problem string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Problem }

// ValidationError lists every problem found in a Proxy or a Fault, in
// field order. It wraps ErrInvalid and each FieldError.
type ValidationError struct {
	// Subject names what was validated: `proxy "blue"`, `fault "abort-3"`.
	Subject string
	// Errors holds one entry per problem; never empty.
	Errors []*FieldError
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString("chaos: invalid ")
	b.WriteString(e.Subject)
	b.WriteString(": ")
	for i, fe := range e.Errors {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(fe.Error())
	}
	return b.String()
}

// Is reports whether target is ErrInvalid.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalid }

// Unwrap returns the field errors.
func (e *ValidationError) Unwrap() []error {
	errs := make([]error, len(e.Errors))
	for i, fe := range e.Errors {
		errs[i] = fe
	}
	return errs
}

// problems collects FieldErrors during validation.
type problems struct {
	errs []*FieldError
}

func (p *problems) add(field, problem string) {
	p.errs = append(p.errs, &FieldError{Field: field, Problem: problem})
}

// err returns nil when nothing was added, otherwise a *ValidationError.
func (p *problems) err(subject string) error {
	if len(p.errs) == 0 {
		return nil
	}
	return &ValidationError{Subject: subject, Errors: p.errs}
}
