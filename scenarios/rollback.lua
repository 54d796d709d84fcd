-- scenarios/rollback.lua: a bad version is caught and rolled back.
--
-- Green (the demo server's failing mode: 10 % of its MCP requests answer
-- 503, and each takes 150 ms longer) passes its health check, so only the
-- live analysis can tell. The canary gives it 10 % of the traffic; the
-- first measurement fails on green's own error rate and p95, the router
-- sends everything back to blue, and the script sees why.
--
--   reslua scenarios/rollback.lua

local blue  = target { name = "blue",  url = demo.mcp { name = "blue", version = "1.0.0", stateless = true, json = true } }
local green = target { name = "green", url = demo.mcp { name = "green", version = "1.1.0-bad", stateless = true, json = true,
                                                          error_rate = 0.1, latency = "150ms" } }

local lb = router { name = "mcp", routes = { blue = 100, green = 0 } }
local traffic = load {
  name = "traffic", target = lb, rate = tonumber(env.RATE or "100"), duration = env.DURATION or "15s",
  mix = { { 3, mcp.call("echo", { message = "hi" }) }, { 1, mcp.tools_list() } },
}

sleep("2s")
local result = deploy.canary {
  router = lb, from = "blue", to = "green", steps = { 10, 25, 50 }, hold = "4s",
  health = { successes = 2, interval = "200ms" },
  analysis = { interval = "1s", min_requests = 5, p95 = "< 100ms", error_rate = "< 2%" },
}

if result.rolled_back then
  print("green was rolled back: " .. result.reason)
else
  print("green was " .. result.status .. "; this scenario expected a rollback")
end

traffic:wait()

-- Blue carried the run; green's failures during its one step are the
-- price of the canary, within budget.
sla {
  { "error_rate", "< 2%" },
  { "p95", "< 250ms" },
}
