-- scenarios/mcp.lua: an MCP request mix against two MCP servers, with SLA checks.
--
-- With no settings it starts two embedded demo MCP servers on 127.0.0.1 (blue:
-- stateful with SSE replies, green: stateless with JSON replies). Point it at
-- your own servers without editing it:
--
--   reslua scenarios/mcp.lua -e TARGET_URL=http://127.0.0.1:3001/mcp
--   reslua scenarios/mcp.lua -e BLUE_URL=... -e GREEN_URL=...
--
-- RATE and DURATION scale the run: -e RATE=50 -e DURATION=10s.

local rate     = tonumber(env.RATE or "200")
local duration = env.DURATION or "30s"

local blue = target {
  name = "blue",
  url = env.BLUE_URL or env.TARGET_URL or demo.mcp { name = "blue", version = "1.0.0" },
  timeout = "5s",
}

local green = target {
  name = "green",
  url = env.GREEN_URL or env.TARGET_URL or demo.mcp { name = "green", version = "1.1.0", stateless = true, json = true },
  timeout = "5s",
}

-- The mix every arrival draws from, by weight (a shared library in
-- scenarios/lib/mixes.lua): mostly tool calls, some listing, a health probe
-- (plain HTTP on the target's origin).
local mixes = require("lib.mixes")
local function mix() return mixes.mcp_basic() end

-- Open model: arrivals come at the rate whatever the servers do; latency is
-- measured from each arrival's intended time.
local main = load { name = "blue", target = blue, rate = rate, duration = duration, sessions = 8, mix = mix() }
local next = load { name = "green", target = green, rate = rate / 4, duration = duration, sessions = 2, mix = mix() }

main:wait()
next:wait()

sla {
  { "p95", "< 250ms" },
  { "p99", "< 500ms" },
  { "error_rate", "< 1%" },
  { "dropped", "== 0" },
  { "rate", ">= " .. (rate * 1.25 * 0.95) },
  { "p99", "< 100ms", request = "tools/call echo" },
  { "error_rate", "== 0", load = "green" },
}
