package luabind

import (
	"regexp"
)

// Error is one problem found in a script, at a position.
type Error struct {
	// Pos is where the problem is, "path:line" (or just "path" when no line
	// is known); zero means nowhere in particular.
	Pos string
	// Msg says what is wrong, e.g. `load: rate: expected a number, got
	// string "fast"`.
	Msg string
	// Err is the underlying cause, such as context.Canceled, for errors.Is;
	// nil means none.
	Err error
}

// Error returns "Pos: Msg", or Msg alone when Pos is empty.
func (e *Error) Error() string {
	if e.Pos == "" {
		return e.Msg
	}
	return e.Pos + ": " + e.Msg
}

// Unwrap returns the underlying cause, if any.
func (e *Error) Unwrap() error { return e.Err }

// posPrefix matches the "source:line: " that Lua puts before runtime error
// messages.
var posPrefix = regexp.MustCompile(`^(.*?:\d+): `)

// splitPos splits a Lua error message into its position and the rest.
func splitPos(msg string) (pos, rest string) {
	if m := posPrefix.FindStringSubmatch(msg); m != nil {
		return m[1], msg[len(m[0]):]
	}
	return "", msg
}
