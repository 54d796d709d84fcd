-- want: duplicate_load.lua:4: load: name: a load named "blue" already exists
local t = target { name = "blue", url = "http://127.0.0.1:1/mcp" }
load { target = t, rate = 10, duration = "30s", mix = { { 1, mcp.ping() } } }
load { target = t, rate = 20, duration = "30s", mix = { { 1, mcp.ping() } } }
