-- bench/scenarios/open.lua: open-model accuracy. Arrivals at RATE per second
-- for DURATION against GET /get?delay_us=DELAY_US (the target's own service
-- time), with WORKERS workers. bench/open.sh compares the achieved rate, the
-- scheduler's lag and the reported p99 with what the target measured.
local base = env.TARGET or "http://127.0.0.1:18080"
local t = target { name = "bench", url = base .. "/mcp", timeout = "10s" }
load {
  name = "open", target = t,
  rate = tonumber(env.RATE or "5000"), duration = env.DURATION or "30s",
  workers = tonumber(env.WORKERS or "400"),
  mix = { { 1, http.get("/get?delay_us=" .. (env.DELAY_US or "2000")), name = "req" } },
}:wait()
