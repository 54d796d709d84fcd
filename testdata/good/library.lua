-- Uses a shared library from lib/ next to the scenario.
local mixes = require("lib.mixes")

local t = target { name = "demo", url = demo.mcp() }
local traffic = mixes.steady(t, 20, "3s", mixes.read_heavy("hello"))
traffic:wait()

sla { { "p95", "< 250ms" }, { "count", "> 0" } }
