-- A shared library of hooks: builders and checks are plain functions of
-- a module; what they capture (here `r` and `greetings`) is copied into
-- each worker's Lua state when a load starts.
local r = require("reslua")

local M = {}

local greetings = { "hello", "bonjour", "hola" }

-- greet returns a builder of echo calls that cycle through greetings.
function M.greet(suffix)
  return function(n)
    return r.mcp.call("echo", { message = greetings[n % #greetings + 1] .. suffix })
  end
end

-- status returns a check of the HTTP status.
function M.status(want)
  return function(reply)
    return reply.status == want, "status " .. reply.status .. ", want " .. want
  end
end

return M
