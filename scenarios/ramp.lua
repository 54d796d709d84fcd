-- scenarios/ramp.lua: an open-model ramp, then live control of the rate.
--
-- The arrival rate climbs from 0 to RATE over 10 s and holds; halfway
-- through, the script doubles it at once, then ramps it back down. Arrivals
-- keep coming at the schedule's pace whatever the server does, and latency
-- is measured from each arrival's intended time.
--
--   reslua scenarios/ramp.lua [-e TARGET_URL=...] [-e RATE=100]

local rate = tonumber(env.RATE or "100")

local t = target { name = "demo", url = env.TARGET_URL or demo.mcp { name = "demo" } }

local traffic = load {
  name = "ramp", target = t,
  rate = 0,                                   -- the starting rate
  stages = {
    { target = rate, duration = "10s" },      -- 0 → rate over 10 s
    { target = rate, duration = "20s" },      -- hold
  },
  abort_if_behind = "5s",                     -- abort if under 95 % of plan for 5 s
  mix = {
    { 3, mcp.tools_list() },
    { 6, mcp.call("echo", { message = "ramp" }) },
    { 1, http.get("/health") },
  },
}

sleep("15s")
traffic:set_rate(rate * 2)                    -- a step, from now on
sleep("5s")
traffic:ramp_to(rate / 2, "5s")               -- a ramp, from now on
traffic:wait()

sla {
  { "p95", "< 250ms" },
  { "error_rate", "< 1%" },
  { "dropped", "== 0" },
}
