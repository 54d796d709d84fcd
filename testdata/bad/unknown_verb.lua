-- want: unknown_verb.lua:6: unknown verb "slaa" (did you mean "sla"?)
-- want: unknown_verb.lua:7: load: rate: expected requests per second > 0
-- A misspelt verb is named, with the closest one, and check goes on to
-- report the script's other problems.
local t = target { name = "demo", url = "http://127.0.0.1:1/mcp" }
slaa { { "p95", "< 1s" } }
load { target = t, rate = -1, duration = "1s", mix = { { 1, mcp.ping() } } }
