-- want: sla_route.lua:7: sla: check 1: route: a route's figures cover the whole run; scope them with during, from/to, sustained or abort_on_fail on the loads instead
-- want: sla_route.lua:8: sla: check 1: route: dropped is not measured per route; expected one of p50, p90, p95, p99, p99.9, max, min, avg, error_rate, rate, count, errors
-- want: sla_route.lua:9: sla: check 1: route and load, request or tag exclude each other: a route's figures are the router's, whoever sent the requests
-- want: sla_route.lua:10: sla: route: no route named "bleu" (did you mean "blue"?); known: blue
local blue = target { name = "blue", url = "http://127.0.0.1:1/mcp" }
local lb = router { name = "lb", routes = { blue = 100 } }
sla { { "p95", "< 1s", route = "blue", during = "fault" } }
sla { { "dropped", "== 0", route = "blue" } }
sla { { "p95", "< 1s", route = "blue", load = "lb" } }
sla { { "p95", "< 1s", route = "bleu" } }
