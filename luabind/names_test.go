package luabind

import (
	"context"
	"strings"
	"testing"

	"github.com/reslua/reslua/engine"
)

// TestUnknownNames: a misspelt verb or module function, or a removed
// global, is named with a suggestion at its line, in check mode (which
// goes on) and in a run (which stops); other missing globals are nil.
func TestUnknownNames(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"slaa { }\n", `scenario.lua:1: unknown verb "slaa" (did you mean "sla"?)`},
		{"local r = mcp.cal('x')\n", `scenario.lua:1: unknown function mcp.cal (did you mean mcp.call?)`},
		{"local s = ('x'):upperr()\n", `scenario.lua:1: unknown function string.upperr (did you mean string.upper?)`},
		{"local x = mcp.zzzzzzzz\n", `scenario.lua:1: mcp has no zzzzzzzz; it has mcp.call,`},
		{"loadstring('return 1')\n", `scenario.lua:1: loadstring is not available in a scenario: it compiles code at run time`},
		{"setfenv(1, {})\n", `scenario.lua:1: setfenv is not available in a scenario`},
	} {
		_, msgs := check(t, tc.src, Options{})
		if len(msgs) != 1 || !strings.HasPrefix(msgs[0], tc.want) {
			t.Errorf("check %q: got %q, want %q", tc.src, msgs, tc.want)
		}
		err := newScript(t, tc.src, Options{}).Exec(context.Background(), engine.NewRun(engine.Config{DryRun: true}))
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("exec %q: got %v, want %q", tc.src, err, tc.want)
		}
	}
	// A global nobody set is nil, as in Lua, when no verb is close.
	mustExec(t, "if DEBUG_MODE then error('set') end\nlocal x = my_setting or 5\n", Options{})
}

// TestUnknownNamesInHook: a hook's misspelt function is named too.
func TestUnknownNamesInHook(t *testing.T) {
	_, h := hooksOf(t, hookPreamble+`load { name = "l", target = t, rate = 1, duration = "1s", mix = {
  { 1, function(n) return mcp.cal("echo", {}) end, name = "typo" },
} }
`, "l")
	w := newWorker(t, h)
	_, err := w.Build(context.Background(), 0, 0)
	if want := `scenario.lua:3: unknown function mcp.cal (did you mean mcp.call?)`; err == nil || err.Error() != want {
		t.Errorf("Build: %v, want %q", err, want)
	}
}
