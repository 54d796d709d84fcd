-- want: rollout_settings.lua:16: deploy.blue_green: to: the router has no route "gren" (did you mean "green"?); its routes are blue, green
-- want: rollout_settings.lua:17: deploy.canary: steps[3]: 40 is not above the step before (50): steps must increase
-- want: rollout_settings.lua:17: deploy.canary: steps[4]: 120 is outside 0..100 (a percentage of the traffic)
-- want: rollout_settings.lua:18: deploy.canary: analysis.interval: 5s is longer than hold (2s): a step would end before its first measurement
-- want: rollout_settings.lua:19: deploy.canary: analysis: unknown key "eror_rate" (did you mean "error_rate"?)
-- want: rollout_settings.lua:19: deploy.canary: analysis: unknown key "p96" (did you mean "p90"?)
-- want: rollout_settings.lua:19: deploy.canary: analysis: p95: threshold "300ms" must start with one of < <= > >= == !=, as in "< 250ms"
-- want: rollout_settings.lua:20: deploy.blue_green: health.path: "health" does not start with '/'
-- want: rollout_settings.lua:21: deploy.canary: on_pause: expected a function, as in on_pause = function(...) ... end, got string "continue"
-- want: rollout_settings.lua:21: deploy.canary: actions: unknown key "set_weight" (did you mean "set_weights"?)
-- want: rollout_settings.lua:22: deploy.canary: router: required, unless actions.set_weights moves the traffic
-- want: rollout_settings.lua:23: deploy.blue_green: router: expected a router (made by router { ... }), got string "lb"
local blue = target { name = "blue", url = "http://127.0.0.1:1/mcp" }
local green = target { name = "green", url = "http://127.0.0.1:2/mcp" }
local lb = router { name = "lb", routes = { blue = 100, green = 0 } }
deploy.blue_green { router = lb, to = "gren" }
deploy.canary { router = lb, steps = { 10, 50, 40, 120 } }
deploy.canary { router = lb, hold = "2s", analysis = { interval = "5s" } }
deploy.canary { router = lb, analysis = { p95 = "300ms", eror_rate = "< 1%", p96 = "< 1s" } }
deploy.blue_green { router = lb, health = { path = "health" } }
deploy.canary { router = lb, on_pause = "continue", actions = { set_weight = function() end } }
deploy.canary { to = "green" }
deploy.blue_green { router = "lb" }
