-- scenarios/mcp.lua: roll a new MCP server version out under load and chaos.
--
-- Blue serves all traffic through a weighted router; green is rolled out
-- in steps (10, 25, 50, 75, 100 %) while the load goes on, and each step
-- is gated on green's own p95 and error rate as the router measured them.
-- Twenty seconds in, green turns slow and starts failing (a fault proxy
-- injects 200 ms of latency and 503s into a fifth of its requests): its
-- route's breaker opens, the step's gate fails, and all traffic goes back
-- to blue, with the reason on the timeline. Set -e CHAOS=0 to watch the
-- same rollout promoted instead.
--
-- With no settings it starts two embedded demo MCP servers on 127.0.0.1.
-- Point it at your own servers without editing it:
--
--   reslua scenarios/mcp.lua -e TARGET_URL=http://127.0.0.1:3001/mcp
--   reslua scenarios/mcp.lua -e BLUE_URL=... -e GREEN_URL=...
--
-- RATE, DURATION and HOLD scale the run: -e RATE=50 -e HOLD=2s. A stateful
-- server of your own keeps each session on the route that issued it
-- (sticky = true below), so green sees the sessions opened while it has
-- weight.

local rate     = tonumber(env.RATE or "200")
local duration = env.DURATION or "45s"
local hold     = env.HOLD or "5s"

local blue = target {
  name = "blue",
  url = env.BLUE_URL or env.TARGET_URL or demo.mcp { name = "blue", version = "1.0.0", stateless = true },
  timeout = "5s",
}
local green = target {
  name = "green",
  url = env.GREEN_URL or env.TARGET_URL or demo.mcp { name = "green", version = "1.1.0", stateless = true, json = true },
  timeout = "5s",
}

-- The router is what clients talk to. Each route has a server-side breaker
-- that ejects it while it fails or crawls (its share goes to the other
-- route): half of the last 20 calls failed, or took 100 ms or more.
local lb = router {
  name = "mcp", routes = { blue = 100, green = 0 }, sticky = true,
  breaker = { failure_rate = 0.5, slow_call = "100ms", slow_call_rate = 0.5, min_calls = 20, window = 20,
              open_for = "1s", backoff = "doubling" },
}

-- Open model: arrivals come at the rate whatever the servers do; latency is
-- measured from each arrival's intended time. The mix is a shared library
-- (scenarios/lib/mixes.lua): tool calls, listing, a health probe.
local mixes = require("lib.mixes")
local traffic = load { name = "traffic", target = lb, rate = rate, duration = duration, sessions = 8, mix = mixes.mcp_basic() }

-- The fault: from 20 s to 35 s on the run's timeline, whatever the
-- script is doing then (here: waiting for the rollout's gates).
if env.CHAOS ~= "0" then
  at("20s", function()
    chaos.inject(green, { latency = "200ms", abort = { status = 503, rate = 0.2 }, duration = "15s",
                          name = "green trouble" })
  end)
end

sleep("5s") -- blue alone first: the baseline

local result = deploy.blue_green {
  router = lb, from = "blue", to = "green",
  steps = { 10, 25, 50, 75, 100 }, hold = hold,
  health = { successes = 3, interval = "500ms", timeout = "30s" },
  analysis = { interval = "1s", failure_limit = 0, min_requests = 10, p95 = "< 150ms", error_rate = "< 2%" },
}
print(("rollout of green: %s (%s)"):format(result.status, result.reason))

traffic:wait()

local checks = {
  { "p95", "< 250ms" },
  { "p99", "< 500ms" },
  { "error_rate", "< 2%" },
  { "dropped", "== 0" },
  { "rate", ">= " .. (rate * 0.95) },
  { "error_rate", "< 1%", during = "rollout" },
}
if env.CHAOS ~= "0" then
  -- Dynamics: how fast the system noticed the fault (a breaker opening, a
  -- failed gate, a rollback), how fast it was back to its steady state
  -- after the fault, and what the clients lost meanwhile.
  table.insert(checks, { "time_to_detect", "< 5s" })
  table.insert(checks, { "time_to_recover", "< 15s" })
  table.insert(checks, { "lost_requests", "< 100", during = "fault" })
end
sla(checks)
