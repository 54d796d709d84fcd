-- Per-request hooks: a builder from data, checks, hooks from a library.
local hooks = require("lib.hooks")

local t = target { name = "demo", url = demo.mcp() }
local sizes = { small = { a = 1, b = 2 }, large = { a = 1e6, b = 2e6 } }
local traffic = load {
  target = t, rate = 20, duration = "2s",
  mix = {
    { 2, hooks.greet("!"), name = "greet" },
    { 1, function(n)
        local args = n % 2 == 0 and sizes.small or sizes.large
        return mcp.call("add", args)
      end, name = "add",
      check = function(reply)
        local sc = reply.result.structuredContent
        return sc.sum == 3 or sc.sum == 3e6, "sum " .. tostring(sc.sum)
      end },
    { 1, http.get("/health"), check = hooks.status(200) },
  },
}
traffic:wait()

sla { { "error_rate", "== 0" }, { "count", "> 0", request = "greet" } }
