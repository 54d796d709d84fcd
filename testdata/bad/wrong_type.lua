-- want: wrong_type.lua:4: load: rate: expected a number, got string "fast"
local t = target { name = "blue", url = "http://127.0.0.1:1/mcp" }

load { target = t, rate = "fast", duration = "30s", mix = { { 1, mcp.ping() } } }
