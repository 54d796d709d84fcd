-- want: set_rate_closed.lua:7: load "c":set_rate: load "c" is closed-model (vus); its rate cannot be set
-- want: set_rate_closed.lua:8: load "o":ramp_to: duration: expected a duration such as "30s" or "250ms", got "fast"
-- want: set_rate_closed.lua:9: load "o":set_rate: rate: expected requests per second, got string "lots"
local t = target { name = "t", url = "http://127.0.0.1:1/mcp" }
local c = load { name = "c", target = t, vus = 2, think_time = "1s", duration = "10s", mix = { { 1, mcp.ping() } } }
local o = load { name = "o", target = t, rate = 10, duration = "10s", mix = { { 1, mcp.ping() } } }
c:set_rate(10)
o:ramp_to(100, "fast")
o:set_rate("lots")
