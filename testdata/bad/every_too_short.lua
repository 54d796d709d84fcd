-- want: every_too_short.lua:5: every: expected a period of at least 10ms (callbacks run one at a time on the script's goroutine), got 1ns
-- want: every_too_short.lua:6: every: expected a period of at least 10ms (callbacks run one at a time on the script's goroutine), got 1ms
local t = target { name = "t", url = "http://127.0.0.1:1/mcp" }
load { target = t, rate = 10, duration = "2s", mix = { { 1, mcp.ping() } } }
every("1ns", function() end)
every("1ms", function() local x = 0 for i = 1, 1000 do x = x + i end end)
