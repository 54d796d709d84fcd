-- want: load: duration: expected a duration such as "30s" or "250ms", got "3 seconds"
local t = target { name = "blue", url = "http://127.0.0.1:1/mcp" }
load { target = t, rate = 10, duration = "3 seconds", mix = { { 1, mcp.ping() } } }
