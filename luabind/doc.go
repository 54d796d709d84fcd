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
//	sleep("10s")
//	sla { { "p95", "< 250ms" }, { "error_rate", "< 1%" },
//	      { "p99", "< 50ms", request = "tools/call echo", load = "blue" } }
//	env.NAME   -- read-only; nil when unset
//	print(...) -- to Options.Log
//
// Durations are strings with a unit ("30s", "250ms", "1m30s"); a bare
// number is refused. A mix entry is { weight, request, name = ... } with a
// whole-number weight.
//
// Tables passed as mcp.call args and mcp.request params are encoded to
// JSON once, when the request is built: a table whose keys are exactly
// 1..n is an array, one with string keys an object, an empty table {} (in
// every position); whole numbers stay integers. Other keys, mixed keys,
// functions, userdata, NaN and cyclic tables are errors naming the path of
// the bad value, e.g. "mcp.call: args.items[2]: functions cannot be sent
// as JSON".
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
// uses it from the calling goroutine only.
package luabind
