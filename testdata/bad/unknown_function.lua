-- want: unknown_function.lua:5: unknown function mcp.cal (did you mean mcp.call?)
-- want: unknown_function.lua:6: load: rate: expected requests per second > 0
-- A misspelt function of a module is named, with the closest one.
local t = target { name = "demo", url = "http://127.0.0.1:1/mcp" }
local r = mcp.cal("echo", { message = "hi" })
load { target = t, rate = -1, duration = "1s", mix = { { 1, mcp.ping() } } }
