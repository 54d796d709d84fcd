-- want: chaos_faults.lua:12: chaos.inject: unknown key "latnecy" (did you mean "latency"?)
-- want: chaos_faults.lua:13: chaos.inject: abort: rate: expected the share of matching requests to hit, between 0 and 1, got 1.5
-- want: chaos_faults.lua:14: chaos.inject: latency.delay: -5ms is negative; want a duration of zero or more
-- want: chaos_faults.lua:15: chaos.inject: probability: -0.1 is outside 0..1
-- want: chaos_faults.lua:15: chaos.inject: latency.jitter: -1ms is negative; want a duration of zero or more
-- want: chaos_faults.lua:16: chaos.inject: match: unknown key "verb"; known keys: header, method, path, path_prefix, rpc_method, tool
-- want: chaos_faults.lua:17: chaos.inject: duration: -5s is negative; the window would end before it begins
-- want: chaos_faults.lua:18: chaos.inject: abort.status: 700 is outside 100..599
-- want: chaos_faults.lua:19: chaos.inject: no fault given; add one of abort, bandwidth, blackhole, cut, jsonrpc_error, latency, reset, slow_close, as in latency = "200ms"
-- want: chaos_faults.lua:20: chaos.inject: expected a target or a chaos.proxy as the first argument, got string "green"
local green = target { name = "green", url = "http://127.0.0.1:1/mcp" }
chaos.inject(green, { latnecy = "200ms" })
chaos.inject(green, { abort = { status = 503, rate = 1.5 } })
chaos.inject(green, { latency = "-5ms" })
chaos.inject(green, { latency = { delay = "10ms", jitter = "-1ms" }, probability = -0.1 })
chaos.inject(green, { reset = true, match = { tool = "echo", verb = "POST" } })
chaos.inject(green, { blackhole = true, start = "10s", duration = "-5s" })
chaos.inject(green, { abort = 700 })
chaos.inject(green, {})
chaos.inject("green", { reset = true })
