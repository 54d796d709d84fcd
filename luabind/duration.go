package luabind

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// durationHint is how every duration error describes what is expected.
const durationHint = `expected a duration such as "30s" or "250ms"`

// durationSyntax matches what time.ParseDuration reads; a string that
// matches and still fails to parse overflows.
var durationSyntax = regexp.MustCompile(`^[-+]?(([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h))+$`)

// maxDuration is the longest duration, as written in messages.
const maxDuration = "2562047h47m16s"

// parseDuration reads a Lua value as a duration. Only strings with a unit
// are accepted ("30s", "250ms", "1m30s", "-5s"); a bare number is refused
// with a hint to add a unit, since 30 could mean seconds or milliseconds.
// Whether a negative or zero duration makes sense is the engine's call.
func parseDuration(v lua.LValue) (time.Duration, error) {
	switch v := v.(type) {
	case lua.LString:
		s := strings.TrimSpace(string(v))
		d, err := time.ParseDuration(s)
		if err != nil && durationSyntax.MatchString(s) {
			return 0, fmt.Errorf("duration %q is too large: at most %s (about 106 752 days)", string(v), maxDuration)
		}
		if err != nil || s == "0" {
			return 0, fmt.Errorf("%s, got %q", durationHint, string(v))
		}
		return d, nil
	case lua.LNumber:
		return 0, fmt.Errorf("%s, got number %s; add a unit, as in \"%ss\"", durationHint, v, v)
	}
	return 0, fmt.Errorf("%s, got %s", durationHint, describe(v))
}
