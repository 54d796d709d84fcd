-- want: chaos_nan_rate.lua:6: chaos.inject: abort: rate: expected a finite number, got NaN
-- want: chaos_nan_rate.lua:7: chaos.inject: probability: expected a finite number, got NaN
-- want: chaos_nan_rate.lua:8: chaos.inject: latency: rate: expected a finite number, got +Inf
-- not: rate: expected the share
local green = target { name = "green", url = "http://127.0.0.1:1/mcp" }
chaos.inject(green, { abort = { status = 503, rate = 0/0 } })
chaos.inject(green, { reset = true, probability = 0/0 })
chaos.inject(green, { latency = { delay = "10ms", rate = 1/0 } })
