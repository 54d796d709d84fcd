-- want: graceful_stop.lua:8: load: graceful_stop: expected a duration >= 0 (how long requests in flight at the load's end may still run), got -5s
-- want: graceful_stop.lua:9: load: graceful_stop: at most 1h0m0s (the longest latency measured), got 100h0m0s
-- want: graceful_stop.lua:10: load: graceful_stop: expected a duration such as "30s" or "250ms", got "soon"
-- want: graceful_stop.lua:11: load: graceful_stop: expected a duration such as "30s" or "250ms", got number 30; add a unit, as in "30s"
-- want: graceful_stop.lua:12: load: graceful_stop: duration "9999999999h" is too large
-- want: graceful_stop.lua:13: load: unknown key "gracefulStop" (did you mean "graceful_stop"?)
local t = target { name = "t", url = "http://127.0.0.1:1/mcp" }
load { name = "a", target = t, rate = 10, duration = "1s", graceful_stop = "-5s", mix = { { 1, mcp.ping() } } }
load { name = "b", target = t, rate = 10, duration = "1s", graceful_stop = "100h", mix = { { 1, mcp.ping() } } }
load { name = "c", target = t, rate = 10, duration = "1s", graceful_stop = "soon", mix = { { 1, mcp.ping() } } }
load { name = "d", target = t, vus = 2, duration = "1s", graceful_stop = 30, mix = { { 1, mcp.ping() } } }
load { name = "e", target = t, rate = 10, duration = "1s", graceful_stop = "9999999999h", mix = { { 1, mcp.ping() } } }
load { name = "f", target = t, rate = 10, duration = "1s", gracefulStop = "30s", mix = { { 1, mcp.ping() } } }
