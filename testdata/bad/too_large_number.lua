-- want: too_large_number.lua:6: load: mix[1]: weight: too large: expected a whole number up to 2147483648, got 3000000000
-- want: too_large_number.lua:6: load: workers: too large: expected a whole number up to 2147483648, got 1e+300
-- want: too_large_number.lua:7: load: queue: expected a whole number, got NaN
-- want: too_large_number.lua:7: load: sessions: too large: expected a whole number up to 2147483648, got 1.7976931348623157e+308
local t = target { name = "t", url = "http://127.0.0.1:1/mcp" }
load { target = t, rate = 10, duration = "10s", workers = 1e300, mix = { { 3000000000, mcp.ping() } } }
load { target = t, rate = 10, duration = "10s", queue = 0/0, sessions = math.huge, mix = { { 1, mcp.ping() } } }
