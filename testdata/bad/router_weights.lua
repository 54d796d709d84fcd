-- want: router_weights.lua:8: router: routes["blue"]: weight must be >= 0, got -10
-- want: router_weights.lua:9: router: routes: every weight is 0; at least one route needs traffic
-- want: router_weights.lua:10: router: routes.gren: no target named "gren" (did you mean "green"?); the targets are "blue", "green"
-- want: router_weights.lua:11: router: balance: expected round_robin or random, got "roundrobin" (did you mean "round_robin"?)
-- want: router_weights.lua:12: router: routes.blue: expected a weight (a number) or { weight = ..., breaker = { ... } }, got string "all"
local blue = target { name = "blue", url = "http://127.0.0.1:1/mcp" }
local green = target { name = "green", url = "http://127.0.0.1:2/mcp" }
local a = router { name = "a", routes = { blue = -10, green = 0 } }
local b = router { name = "b", routes = { blue = 0, green = 0 } }
local c = router { name = "c", routes = { blue = 100, gren = 0 } }
local d = router { name = "d", routes = { blue = 100 }, balance = "roundrobin" }
local e = router { name = "e", routes = { blue = "all" } }
