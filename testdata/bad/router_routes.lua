-- want: router_routes.lua:8: router: routes["other"]: its target's path "/v2/mcp" differs from "/mcp"; a router sends each request's path on unchanged, so its routes must serve the same path
-- want: router_routes.lua:9: router: name: a target or router named "blue" already exists
-- want: router_routes.lua:10: router: name: required
-- want: router_routes.lua:10: router: unknown key "stciky" (did you mean "sticky"?)
-- want: router_routes.lua:11: router: routes["blue"]: breaker: failure_rate is 2, want a fraction in (0, 1], or 0 for off
local blue = target { name = "blue", url = "http://127.0.0.1:1/mcp" }
local other = target { name = "other", url = "http://127.0.0.1:2/v2/mcp" }
local a = router { name = "a", routes = { blue = 50, other = 50 } }
local b = router { name = "blue", routes = { blue = 100 } }
local c = router { routes = { blue = 100 }, stciky = true }
local d = router { name = "d", routes = { blue = { weight = 100, breaker = { failure_rate = 2 } } } }
