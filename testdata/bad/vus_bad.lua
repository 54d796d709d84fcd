-- want: vus_bad.lua:4: load: vus: expected a number of virtual users > 0, got 0
-- want: vus_bad.lua:4: load: think_time: must not be negative
local t = target { name = "t", url = "http://127.0.0.1:1/mcp" }
load { target = t, vus = 0, think_time = "-1s", duration = "10s", mix = { { 1, mcp.ping() } } }
