-- want: duration_too_large.lua:4: load: duration: duration "9999999999h" is too large: at most 2562047h47m16s
-- A duration beyond what the engine can hold is "too large", not a syntax error.
local t = target { name = "demo", url = "http://127.0.0.1:1/mcp" }
load { target = t, rate = 10, duration = "9999999999h", mix = { { 1, mcp.ping() } } }
