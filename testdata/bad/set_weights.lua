-- want: set_weights.lua:7: set_weights: no route named "gren" (did you mean "green"?); the routes are "blue", "green"
-- want: set_weights.lua:8: set_weights: blue: weight must be >= 0, got -1
-- want: set_weights.lua:9: set_weights: every weight is 0; at least one route needs traffic
local blue = target { name = "blue", url = "http://127.0.0.1:1/mcp" }
local green = target { name = "green", url = "http://127.0.0.1:2/mcp" }
local lb = router { name = "lb", routes = { blue = 100, green = 0 } }
lb:set_weights { blue = 90, gren = 10 }
lb:set_weights { blue = -1, green = 101 }
lb:set_weights { blue = 0 }
