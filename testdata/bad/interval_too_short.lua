-- want: interval_too_short.lua:5: deploy.blue_green: health.interval: 1ns is shorter than 10ms: the probes would run back to back
-- want: interval_too_short.lua:6: deploy.canary: analysis.interval: 1ms is shorter than 10ms: the measurements would run back to back
local blue, green = target { name = "blue", url = "http://127.0.0.1:1/mcp" }, target { name = "green", url = "http://127.0.0.1:2/mcp" }
local lb = router { name = "lb", routes = { blue = 100, green = 0 } }
deploy.blue_green { router = lb, from = "blue", to = "green", health = { interval = "1ns" } }
deploy.canary { router = lb, from = "blue", to = "green", hold = "1s", analysis = { interval = "1ms", error_rate = "< 2%" } }
