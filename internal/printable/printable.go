package printable

import (
	"strconv"
	"unicode"
)

// Name returns s unchanged when every rune of it is printable (letters,
// marks, numbers, punctuation, symbols and the ASCII space), and
// otherwise s quoted as a Go string literal, in which newlines, escapes,
// other control characters, bidirectional overrides and invalid UTF-8
// are written as escapes: list<newline>verdict: PASS prints as
// "list\nverdict: PASS". The empty string is returned as is.
func Name(s string) string {
	for _, r := range s {
		// IsGraphic excludes control (Cc) and format (Cf: bidi overrides,
		// zero-width joiners) characters and other spaces.
		if r == unicode.ReplacementChar || (r != ' ' && !unicode.IsGraphic(r)) {
			return strconv.Quote(s)
		}
	}
	return s
}
