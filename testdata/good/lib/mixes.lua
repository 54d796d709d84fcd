-- A shared library: plain Lua returning a table, reaching the verbs through
-- require("reslua") rather than globals.
local r = require("reslua")

local M = {}

-- read_heavy returns a mix of mostly listing with some tool calls.
function M.read_heavy(message)
  return {
    { 80, r.mcp.tools_list() },
    { 20, r.mcp.call("echo", { message = message or "hi" }) },
  }
end

-- steady starts a load of mix on t at rate for duration.
function M.steady(t, rate, duration, mix)
  return r.load { target = t, rate = rate, duration = duration, mix = mix }
end

return M
