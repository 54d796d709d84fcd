-- want: load: rate: required
local t = target { name = "blue", url = "http://127.0.0.1:1/mcp" }
load { target = t, duration = "30s", mix = { { 1, mcp.ping() } } }
