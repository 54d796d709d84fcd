-- want: negative_rate.lua:3: load: rate: expected requests per second > 0, got -5
local t = target { name = "blue", url = "http://127.0.0.1:1/mcp" }
load { target = t, rate = -5, duration = "30s", mix = { { 1, mcp.ping() } } }
