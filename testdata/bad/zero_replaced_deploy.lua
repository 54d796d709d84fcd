-- want: zero_replaced_deploy.lua:12: deploy.blue_green: hold: expected a duration > 0, got 0s; leave hold out for the default (30s)
-- want: zero_replaced_deploy.lua:13: deploy.blue_green: health: interval: expected a duration > 0, got 0s; leave interval out for the default (10s)
-- want: zero_replaced_deploy.lua:13: deploy.blue_green: health: successes: expected a whole number > 0, got 0
-- want: zero_replaced_deploy.lua:14: deploy.blue_green: health: timeout: expected a duration > 0, got 0s
-- want: zero_replaced_deploy.lua:14: deploy.blue_green: health: probe_timeout: expected a duration > 0, got 0s
-- want: zero_replaced_deploy.lua:14: deploy.blue_green: health: expect: expected a whole number > 0, got 0
-- want: zero_replaced_deploy.lua:15: deploy.canary: analysis: interval: expected a duration > 0, got 0s; leave interval out for the default (the hold: one measurement per step)
-- want: zero_replaced_deploy.lua:15: deploy.canary: analysis: count: expected a whole number > 0, got 0
-- want: zero_replaced_deploy.lua:15: deploy.canary: analysis: min_requests: expected a whole number > 0, got 0; leave min_requests out for the default (1)
local blue, green = target { name = "blue", url = "http://127.0.0.1:1/mcp" }, target { name = "green", url = "http://127.0.0.1:2/mcp" }
local lb = router { name = "lb", routes = { blue = 100, green = 0 } }
deploy.blue_green { router = lb, from = "blue", to = "green", hold = "0s" }
deploy.blue_green { router = lb, from = "blue", to = "green", health = { interval = "0s", successes = 0 } }
deploy.blue_green { router = lb, from = "blue", to = "green", health = { timeout = "0s", probe_timeout = "0s", expect = 0 } }
deploy.canary { router = lb, from = "blue", to = "green", analysis = { interval = "0s", count = 0, min_requests = 0, error_rate = "< 2%" } }
