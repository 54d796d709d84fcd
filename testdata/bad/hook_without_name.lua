-- want: hook_without_name.lua:4: load: mix[1]: name: required for a request built by a function, to label it in summaries
-- A request built by a function has no fixed request to name it by.
local t = target { name = "blue", url = "http://127.0.0.1:1/mcp" }
load { target = t, rate = 10, duration = "30s", mix = {
  { 1, function(n) return mcp.call("echo", { message = "hi " .. n }) end },
} }
