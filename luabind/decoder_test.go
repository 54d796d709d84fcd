package luabind

import (
	"strings"
	"testing"
)

// TestDecoderMessages checks every kind of decoding problem, each as the
// exact message check reports.
func TestDecoderMessages(t *testing.T) {
	const mix = `mix = { { 1, mcp.ping() } }`
	for _, tc := range []struct {
		name string
		src  string // appended to preamble, so line numbers start at 2
		want []string
	}{
		{"unknown key with suggestion",
			`load { target = t, rate = 1, duration = "1s", duraton = "2s", ` + mix + ` }`,
			[]string{`scenario.lua:2: load: unknown key "duraton" (did you mean "duration"?)`}},
		{"unknown key without suggestion",
			`load { target = t, rate = 1, duration = "1s", colour = "red", ` + mix + ` }`,
			[]string{`scenario.lua:2: load: unknown key "colour"; known keys: abort_if_behind, duration, fresh_sessions, graceful_stop, keep_sessions, mix, name, queue, rate, sessions, share_connections, stages, tags, target, think_time, vus, workers`}},
		{"wrong type",
			`load { target = t, rate = "fast", duration = "1s", ` + mix + ` }`,
			[]string{`scenario.lua:2: load: rate: expected a number, got string "fast"`}},
		{"bad duration",
			`load { target = t, rate = 1, duration = "3 seconds", ` + mix + ` }`,
			[]string{`scenario.lua:2: load: duration: expected a duration such as "30s" or "250ms", got "3 seconds"`}},
		{"duration without unit",
			`load { target = t, rate = 1, duration = 30, ` + mix + ` }`,
			[]string{`scenario.lua:2: load: duration: expected a duration such as "30s" or "250ms", got number 30; add a unit, as in "30s"`}},
		{"duration of wrong type",
			`load { target = t, rate = 1, duration = {}, ` + mix + ` }`,
			[]string{`scenario.lua:2: load: duration: expected a duration such as "30s" or "250ms", got a table`}},
		{"required",
			`load { target = t, duration = "1s", ` + mix + ` }`,
			[]string{`scenario.lua:2: load: rate: required`}},
		{"several required",
			`load { }`,
			[]string{"scenario.lua:2: load: target: required", "scenario.lua:2: load: rate: required",
				"scenario.lua:2: load: duration: required", "scenario.lua:2: load: mix: required"}},
		{"whole number",
			`load { target = t, rate = 1, duration = "1s", workers = 1.5, ` + mix + ` }`,
			[]string{`scenario.lua:2: load: workers: expected a whole number, got 1.5`}},
		{"engine validation",
			`load { target = t, rate = -5, duration = "-1s", queue = -1, ` + mix + ` }`,
			[]string{"scenario.lua:2: load: rate: expected requests per second > 0, got -5",
				"scenario.lua:2: load: duration: expected a duration > 0, got -1s",
				"scenario.lua:2: load: queue: must be > 0, got -1"}},
		{"not a table",
			`load("x")`,
			[]string{`scenario.lua:2: load: expected a table { target = ..., rate = 300, duration = "30s", mix = { ... } }, got string "x"`}},
		{"no argument",
			`load()`,
			[]string{`scenario.lua:2: load: expected a table { target = ..., rate = 300, duration = "30s", mix = { ... } }, got nil`}},
		{"extra argument",
			`load({ target = t, rate = 1, duration = "1s", ` + mix + ` }, 2)`,
			[]string{`scenario.lua:2: load: expected one table argument, got 2 arguments`}},
		{"positional value",
			`load { "blue", target = t, rate = 1, duration = "1s", ` + mix + ` }`,
			[]string{`scenario.lua:2: load: unexpected string "blue" at position 1; settings are written with a key, as in name = ...`}},
		{"non-name key",
			`load { [true] = 1, target = t, rate = 1, duration = "1s", ` + mix + ` }`,
			[]string{`scenario.lua:2: load: unexpected key boolean true; keys are names such as name`}},
		{"target of wrong type",
			`load { target = "blue", rate = 1, duration = "1s", ` + mix + ` }`,
			[]string{`scenario.lua:2: load: target: expected a target (made by target { ... }) or a router, got string "blue"`}},
		{"mix not a list",
			`load { target = t, rate = 1, duration = "1s", mix = mcp.ping() }`,
			[]string{`scenario.lua:2: load: mix: expected a list of { weight, request } entries, got a request`}},
		{"mix with a key",
			`load { target = t, rate = 1, duration = "1s", mix = { { 1, mcp.ping() }, extra = 1 } }`,
			[]string{`scenario.lua:2: load: mix: unexpected key "extra"; a mix is a list of { weight, request } entries such as { 10, mcp.ping() }`}},
		{"mix entry problems",
			`load { target = t, rate = 1, duration = "1s", mix = { { 1, mcp.ping(), nmae = "p" }, { 1 }, { "x", "y" }, { 1, mcp.ping(), 3 } } }`,
			[]string{`scenario.lua:2: load: mix[1]: unknown key "nmae" (did you mean "name"?)`,
				`scenario.lua:2: load: mix[2]: request: required`,
				`scenario.lua:2: load: mix[3]: weight: expected a whole number, got string "x"`,
				`scenario.lua:2: load: mix[3]: request: expected a request such as mcp.tools_list() or http.get("/health"), or a function that returns one, got string "y"`,
				`scenario.lua:2: load: mix[4]: unexpected number 3 at position 3; settings are written with a key, as in name = ...`}},
		{"bad weight",
			`load { target = t, rate = 1, duration = "1s", mix = { { 0, mcp.ping() }, { -2, mcp.ping() } } }`,
			[]string{`scenario.lua:2: load: mix[1]: weight must be > 0, got 0`, `scenario.lua:2: load: mix[2]: weight must be > 0, got -2`}},
		{"http path",
			`load { target = t, rate = 1, duration = "1s", mix = { { 1, http.get("health") } } }`,
			[]string{`scenario.lua:2: load: mix[1]: HTTP path must start with /, got "health"`}},
		{"headers",
			`target { name = "x", url = "http://h/mcp", headers = { ["X-A"] = 5, [1] = "b" } }`,
			[]string{`scenario.lua:2: target: headers: expected names as keys, as in { ["X-Name"] = "value" }, got key number 1`,
				`scenario.lua:2: target: headers["X-A"]: expected a string, got number 5`}},
		{"target timeout",
			`target { name = "x", url = "http://h/mcp", timeout = "-1s" }`,
			[]string{`scenario.lua:2: target: timeout: must not be negative, got -1s`}},
		{"duplicate target",
			`target { name = "blue", url = "http://h/mcp" }`,
			[]string{`scenario.lua:2: target: name: a target named "blue" already exists`}},
		{"demo types",
			`demo.mcp { stateless = "yes", versoin = "1" }`,
			[]string{`scenario.lua:2: demo.mcp: stateless: expected true or false, got string "yes"`,
				`scenario.lua:2: demo.mcp: unknown key "versoin" (did you mean "version"?)`}},
		{"demo not a table",
			`demo.mcp("blue")`,
			[]string{`scenario.lua:2: demo.mcp: expected a table { name = "blue", version = "1.0.0" }, got string "blue"`}},
		{"sleep",
			`sleep("3 seconds") sleep() sleep("-1s") sleep("1s", 2)`,
			[]string{`scenario.lua:2: sleep: expected a duration such as "30s" or "250ms", got "3 seconds"`,
				`scenario.lua:2: sleep: expected a duration such as "30s" or "250ms", got nil`,
				`scenario.lua:2: sleep: expected a duration >= 0, got -1s`,
				`scenario.lua:2: sleep: expected one duration, as in sleep("10s")`}},
		{"builders",
			`mcp.call() mcp.call("echo", "hi") mcp.tools_list(1) mcp.ping(1, 2) http.get(5) http.post("/x", {}) mcp.request("")`,
			[]string{`scenario.lua:2: mcp.call: tool: expected a non-empty string, got nil`,
				`scenario.lua:2: mcp.call: args: expected a table such as { message = "hi" }, got string "hi"`,
				`scenario.lua:2: mcp.tools_list: expected a table { all = true }, got number 1`,
				`scenario.lua:2: mcp.ping: expected no arguments, got 2 arguments`,
				`scenario.lua:2: http.get: path: expected a non-empty string, got number 5`,
				`scenario.lua:2: http.post: body: expected a string, got a table`,
				`scenario.lua:2: mcp.request: method: expected a non-empty string, got string ""`}},
		{"json problems",
			`mcp.call("x", { items = { 1, function() end } }) mcp.call("x", { 1, 2 }) mcp.request("m", { a = 1, 2 })`,
			[]string{`scenario.lua:2: mcp.call: args.items[2]: functions cannot be sent as JSON`,
				`scenario.lua:2: mcp.call: args: expected named values such as { message = "hi" }, got a list`,
				`scenario.lua:2: mcp.request: params: a table with both list items and named keys cannot be sent as JSON`}},
		{"sla shape",
			`sla {} sla "p95" sla { "p95", "< 1s" } sla { { "p95" }, { 95, "< 1s" }, x = 1 }`,
			[]string{`scenario.lua:2: sla: expected at least one check, as in sla { { "p95", "< 250ms" }, { "error_rate", "< 1%" } }`,
				`scenario.lua:2: sla: expected a table { { "p95", "< 250ms" }, { "error_rate", "< 1%" } }, got string "p95"`,
				`scenario.lua:2: sla: expected a list of checks, each in its own braces, as in sla { { "p95", "< 250ms" }, { "error_rate", "< 1%" } }`,
				`scenario.lua:2: sla: unexpected key "x"; sla is a list of checks such as`,
				`scenario.lua:2: sla: check 1: threshold: required`,
				`scenario.lua:2: sla: check 2: metric: expected a string, got number 95`}},
		{"sla engine",
			`sla { { "p59x", "< 1s" }, { "p95", "fast" }, { "error_rate", "< 200%" }, { "p95", "< 1s", lod = "x" } }`,
			[]string{`scenario.lua:2: sla: check 1: unknown metric "p59x"`,
				`scenario.lua:2: sla: check 2: p95: threshold "fast" must start with one of < <= > >= == !=, as in "< 250ms"`,
				`scenario.lua:2: sla: check 3: error_rate: threshold "< 200%": expected a percentage between 0% and 100%, got "200%"`,
				`scenario.lua:2: sla: check 4: unknown key "lod" (did you mean "load"?)`}},
		{"sla scope",
			`local l = load { target = t, rate = 1, duration = "1s", mix = { { 1, mcp.call("echo", {}) } } }
sla { { "p95", "< 1s", load = "bleu" }, { "p95", "< 1s", request = "tools/call ecko" } }`,
			[]string{`scenario.lua:3: sla: load: no load named "bleu" (did you mean "blue"?); known: blue`,
				`scenario.lua:3: sla: request: no request named "tools/call ecko" (did you mean "tools/call echo"?); known: tools/call echo`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, msgs := check(t, preamble+tc.src, Options{})
			all := strings.Join(msgs, "\n")
			for _, w := range tc.want {
				if !strings.Contains(all, w) {
					t.Errorf("missing %q in:\n%s", w, all)
				}
			}
			if len(msgs) != len(tc.want) {
				t.Errorf("got %d problems, want %d:\n%s", len(msgs), len(tc.want), all)
			}
		})
	}
}
