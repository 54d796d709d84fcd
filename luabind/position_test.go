package luabind

import (
	"strings"
	"testing"
)

// TestPositions pins down the line gopher-lua reports for a verb's call:
// the line where the called name stands, whatever lines its arguments
// span.
func TestPositions(t *testing.T) {
	_, msgs := check(t, `local a = target   -- 1
{                  -- 2
  name = "a",      -- 3
  url = "ftp://x", -- 4
}
local b = target { -- 6
  name = "b",
  url = "ftp://y",
}
local list = {
  x = 1, y = sleep( -- 11
    "3 seconds"
  ),
}
pcall(sleep, "2 seconds") -- 15
local function helper()
  return target { name = "c" } -- 17
end
helper() -- 19
`, Options{})
	want := []string{
		`scenario.lua:1: target: url: expected an http:// or https:// URL with a host, got "ftp://x"`,
		`scenario.lua:6: target: url: expected an http:// or https:// URL with a host, got "ftp://y"`,
		`scenario.lua:11: sleep: expected a duration such as "30s" or "250ms", got "3 seconds"`,
		`scenario.lua:15: sleep: expected a duration such as "30s" or "250ms", got "2 seconds"`,
		`scenario.lua:17: target: url: required`,
	}
	if got := strings.Join(msgs, "\n"); got != strings.Join(want, "\n") {
		t.Errorf("got:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
	}
}

// TestPositionInLibrary: a verb called inside a library module is
// reported at the module's line, with the module's path.
func TestPositionInLibrary(t *testing.T) {
	s := newScript(t, `local lib = require("lib.bad")
lib.go()
`, Options{})
	writeFile(t, "lib/bad.lua", `local r = require("reslua")
return { go = function()
  r.sleep("forever")
end }
`)
	_, errs := s.Check(t.Context())
	if len(errs) != 1 || errs[0].Error() != `lib/bad.lua:3: sleep: expected a duration such as "30s" or "250ms", got "forever"` {
		t.Errorf("got %v", errs)
	}
}

func TestSyntaxErrorPosition(t *testing.T) {
	t.Chdir(t.TempDir())
	for _, tc := range []struct{ src, want string }{
		{"local x = 1\nlocal = 2\n", `s.lua:2: syntax error near "="`},
		// gopher-lua's scanner reports the line after the string's newline.
		{"x = \"unterminated\n", `s.lua:2: unterminated string near`},
		{"if true then\n", `s.lua:2: syntax error at end of file (is an "end", "}" or ")" missing?)`},
		{"goto x\n", `s.lua:2: no visible label 'x' for <goto> at line 1`},
	} {
		writeFile(t, "s.lua", tc.src)
		_, err := Load("s.lua", Options{})
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%q: got %v, want prefix %q", tc.src, err, tc.want)
		}
	}
}
