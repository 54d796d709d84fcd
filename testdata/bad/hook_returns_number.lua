-- want: hook_returns_number.lua:6: load: mix[1]: with n = 0: 
-- want: hook_returns_number.lua:7: the builder returned number 0; expected a request such as mcp.call("echo", { message = "hi" })
-- Check mode runs each builder once, with n = 0, to catch this before a run.
local t = target { name = "blue", url = "http://127.0.0.1:1/mcp" }
local base = 0
load { target = t, rate = 10, duration = "30s", mix = {
  { 1, function(n)
      return base + n
    end, name = "count" },
} }
