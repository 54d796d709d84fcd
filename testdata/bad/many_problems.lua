-- One script, many problems: check reports each of them once, with its
-- line, and no cascading complaints.
-- want: many_problems.lua:15: target: url: expected an http:// or https:// URL with a host, got "localhost:3001"
-- want: many_problems.lua:15: target: unknown key "timout" (did you mean "timeout"?)
-- want: many_problems.lua:17: load: unknown key "duraton" (did you mean "duration"?)
-- want: many_problems.lua:17: load: rate: expected requests per second > 0, got -5
-- want: many_problems.lua:17: load: duration: required
-- want: many_problems.lua:17: load: workers: expected a whole number, got string "many"
-- want: many_problems.lua:21: mcp.call: args: expected named values such as { message = "hi" }, got a list
-- want: many_problems.lua:26: sleep: expected a duration such as "30s" or "250ms", got "3 seconds"
-- want: many_problems.lua:28: sla: check 1: unknown key "lod" (did you mean "load"?)
-- want: many_problems.lua:28: sla: check 2: p95: threshold "fast" must start with one of
-- not: load: target: required
-- not: no load named
local green = target { name = "green", url = "localhost:3001", timout = "5s" }

local traffic = load {
  target = green, rate = -5, duraton = "30s", workers = "many",
  mix = {
    { 60, mcp.tools_list() },
    { 40, mcp.call("echo", { "hi" }) },
  },
}

traffic:wait()
sleep("3 seconds")

sla {
  { "error_rate", "< 1%", lod = "green" },
  { "p95", "fast", load = "green" },
}
