-- want: nonfinite_numbers.lua:8: load: rate: expected a finite number, got NaN
-- want: nonfinite_numbers.lua:9: load: stages[1]: target: expected a finite number, got +Inf
-- want: nonfinite_numbers.lua:10: demo.mcp: error_rate: expected a finite number, got NaN
-- want: nonfinite_numbers.lua:11: target: breaker: failure_rate: expected a finite number, got NaN
-- want: nonfinite_numbers.lua:12: target: breaker: slow_call_rate: expected a finite number, got -Inf
-- want: nonfinite_numbers.lua:14: load "o":set_rate: rate: expected requests per second between 0 and 1000000, got NaN
local t = target { name = "t", url = "http://127.0.0.1:1/mcp" }
load { target = t, rate = 0/0, duration = "10s", mix = { { 1, mcp.ping() } } }
load { target = t, rate = 1, stages = { { duration = "10s", target = 1/0 } }, mix = { { 1, mcp.ping() } } }
demo.mcp { error_rate = 0/0 }
target { name = "a", url = "http://127.0.0.1:1/mcp", breaker = { failure_rate = 0/0 } }
target { name = "b", url = "http://127.0.0.1:1/mcp", breaker = { slow_call = "1s", slow_call_rate = -1/0 } }
local o = load { name = "o", target = t, rate = 10, duration = "10s", mix = { { 1, mcp.ping() } } }
o:set_rate(0/0)
