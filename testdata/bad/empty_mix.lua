-- want: load: mix: expected at least one request
local t = target { name = "blue", url = "http://127.0.0.1:1/mcp" }
load { target = t, rate = 10, duration = "30s", mix = {} }
