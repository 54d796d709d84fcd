// Package luabind runs reslua scenarios written in Lua (gopher-lua): it
// turns the DSL's Lua values into engine values, strictly, and engine
// objects into Lua userdata. It holds no engine logic: value rules (rate
// > 0, known metrics, URL schemes) are the engine's Validate and
// ParseCheck, whose messages luabind prefixes with a position.
//
// # Running a scenario
//
// Load reads and compiles a scenario once. Script.Check runs it against a
// dry run and reports every problem; Script.Exec runs it against a real
// engine.Run and stops at the first. Each run gets a fresh Lua state.
//
// # The DSL
//
// The scenario sees these globals; require("reslua") returns a table of
// the same values, so shared libraries reach them too:
//
//	target { name = "blue", url = "http://...", timeout = "5s",
//	         protocol_version = "2025-06-18", headers = { ["X-A"] = "b" } }
//	    -> a target (methods t:name(), t:url())
//	demo.mcp { name = "blue", version = "1.0.0", stateless = false, json = false }
//	    -> the URL of an embedded demo MCP server
//	load { name = "blue", target = t, rate = 300, duration = "30s",
//	       workers = 100, queue = 10000, sessions = 10,
//	       mix = { { 60, mcp.tools_list() },
//	               { 30, mcp.call("echo", { message = "hi" }) },
//	               { 10, http.get("/health"), name = "health" } } }
//	    -> a load (methods l:wait(), l:stop(), l:name())
//	mcp.tools_list(), mcp.ping(), mcp.call(tool, args), mcp.request(method, params),
//	http.get(path), http.post(path, body)
//	    -> requests for a mix
//	json.encode(value), json.decode(text)
//	    -> JSON text; a Lua value (null becomes nil)
//	sleep("10s")
//	sla { { "p95", "< 250ms" }, { "error_rate", "< 1%" },
//	      { "p99", "< 50ms", request = "tools/call echo", load = "blue" } }
//	env.NAME   -- read-only; nil when unset
//	print(...) -- to Options.Log
//
// Durations are strings with a unit ("30s", "250ms", "1m30s"); a bare
// number is refused. A mix entry is { weight, request, name = ...,
// check = ... } with a whole-number weight; the request may be a Lua
// function that builds it (see Per-request hooks).
//
// Tables passed as mcp.call args and mcp.request params are encoded to
// JSON once, when the request is built: a table whose keys are exactly
// 1..n is an array, one with string keys an object, an empty table {} (in
// every position); whole numbers stay integers. Other keys, mixed keys,
// functions, userdata, NaN and cyclic tables are errors naming the path of
// the bad value, e.g. "mcp.call: args.items[2]: functions cannot be sent
// as JSON".
//
// # Per-request hooks
//
// A mix entry's request may be a Lua function that builds it for each
// request, and any entry may check each successful reply:
//
//	local messages = { "hello", "bonjour", "hola" }
//	load { target = t, rate = 100, duration = "30s", mix = {
//	  { 10, function(n) return mcp.call("echo", { message = messages[n % #messages + 1] }) end,
//	        name = "echo dyn" },                    -- name: required for a built request
//	  { 30, mcp.call("add", { a = 2, b = 3 }),
//	        check = function(reply) return reply.result.structuredContent.sum == 5, "wrong sum" end },
//	} }
//
// A builder gets n, the load's request counter (from 0), and returns a
// request made by mcp.* or http.*. A check gets the reply: reply.status
// (the HTTP status), reply.body (the raw body; for MCP, the JSON-RPC
// result's JSON) and reply.result (the JSON-RPC result decoded into
// tables, on first use; nil for HTTP). Returning true or nothing passes;
// returning false or nil, optionally with a message, fails the request as
// check_failed ("path:line: check failed: message", at the line where the
// check function is defined); so does returning anything else, or raising
// an error ("path:line: message", at the error's line). A builder that
// raises an error or returns something other than a request fails the
// request as script_error, and nothing is sent. A mix without functions
// and checks never runs Lua per request.
//
// The per-worker rule. A Lua state is not goroutine-safe, so hooks do not
// run in the scenario's state: each worker of the load (each virtual user
// of a closed one) gets a fresh sandboxed state of its own, with the same
// sandbox as scenarios plus mcp.*, http.*, env, json and print — but no
// target, load, sleep, sla, demo or require, which raise "load is not
// available in a request hook". The hook functions are instantiated there
// from the same compiled prototypes (nothing is parsed or compiled again).
// What a hook captures from its scenario — its upvalues: the locals it
// uses, such as a data table, a counter or a helper function — is copied
// into each worker when the worker starts, from a snapshot taken when
// load { ... } runs. So:
//
//   - each worker mutates its own copy: two workers never see each other's
//     changes to a captured table or counter, and the scenario never sees
//     theirs;
//   - changes the scenario makes after load { ... } are not seen by hooks;
//   - copies keep nesting, sharing and cycles (two names for one table
//     stay one table), metatables, and the sharing of a local between a
//     builder, its check and helper functions of the same load;
//   - a hook may capture nil, booleans, numbers, strings, tables, Lua
//     functions (with what they capture in turn), requests, and the
//     sandbox's own values (string, string.format, mcp.call, env,
//     require("reslua")), which are not copied but are the worker's own;
//     a target, a load or another Go function is an error when load { ... }
//     runs, naming the variable: `load: mix[2]: the function captures "lb"
//     (a target); a hook may capture data and functions, not targets or
//     loads`;
//   - globals of the scenario are not copied: a hook that reads one gets
//     nil in its worker. Use locals. A load whose hooks read a global the
//     scenario has set when load { ... } runs is reported ("a hook reads
//     the global "x", which hooks do not see ...").
//
// Every worker holds its own copy of what its hooks capture: keep
// captured data to what the hooks need.
//
// A hook runs under the request's context: the target's timeout (or the
// run's hard stop) stops a hook in an endless loop, which fails that
// request ("path:line: the builder was stopped: context deadline
// exceeded (an endless loop?)").
//
// Check mode validates hooks when load { ... } runs: it takes the snapshot
// (reporting what cannot be captured) and runs each builder once with
// n = 0 in a throwaway worker state, reporting a failure or a non-request
// at the load's line, followed by the hook's own position:
//
//	scenarios/x.lua:12: load: mix[1]: with n = 0: scenarios/x.lua:9: attempt to index a nil value
//
// # Errors and positions
//
// Every problem is reported as "path:line: verb: key: message", e.g.
//
//	scenarios/mcp.lua:12: load: unknown key "duraton" (did you mean "duration"?)
//	scenarios/mcp.lua:12: load: rate: expected requests per second > 0, got -5
//
// The path is the scenario path as given to Load (library modules: the
// module's file path). The line is that of the verb's call as gopher-lua
// records it, which is the line where the called name stands: for
//
//	local t = target     -- line 1
//	{                    -- line 2
//	  url = "ftp://x",   -- line 3
//	}
//
// the error is reported at line 1, and for a call spread over lines 7-12
// starting with "load {" on line 7, at line 7, never at the line of the
// bad key. Calls through pcall or a library function are reported at the
// innermost Lua line that made the call.
//
// In check mode a verb whose arguments have problems records all of them
// and returns a placeholder (a target that loads accept silently, a load
// whose wait and stop do nothing, a request that a mix accepts), so the
// script goes on and later verbs do not repeat the same problem. Lua
// runtime errors (calling nil, a failed require) end the script in both
// modes.
//
// # Sandbox
//
// A script gets the base, table, string and math libraries only: no os,
// io, debug, package, coroutine or channel, and no dofile, loadfile, load,
// loadstring, module, setfenv, getfenv, collectgarbage, newproxy or
// string.dump; string.rep is bounded. pairs honours __pairs. require
// accepts only dotted module names ("lib.mcp_mixes"), never a path or
// "..", and looks for lib/mcp_mixes.lua in the scenario's directory, then
// in each Options.LibPath directory; each module runs once per Check or
// Exec. A cancelled context stops the script at its next instruction.
//
// Lua states are not goroutine-safe; each Check and Exec makes its own and
// uses it from the calling goroutine only; request hooks run in states of
// their own, one per engine worker (see Per-request hooks).
//
// gopher-lua v1.1.2 compiles { 1, f(), key = g() } as if g()'s value were
// also a list item (t[3]); Load compiles such constructors as Lua means
// them, so that { 10, http.get("/"), check = status(200) } is one entry.
package luabind
