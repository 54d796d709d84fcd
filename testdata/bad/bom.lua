-- want: bom.lua:4: load: rate: expected requests per second > 0
-- A UTF-8 byte order mark is skipped, as Lua does; the real problem is reported.
local t = target { name = "demo", url = "http://127.0.0.1:1/mcp" }
load { target = t, rate = -1, duration = "1s", mix = { { 1, mcp.ping() } } }
