-- Every load model: constant, ramping, live-controlled open loads; fixed
-- and ramping closed loads.
local t = target { name = "demo", url = demo.mcp {} }
local mix = { { 1, mcp.ping() } }
load { name = "constant", target = t, rate = 10, duration = "5s", mix = mix }
local ramp = load { name = "ramp", target = t, rate = 0, mix = mix, abort_if_behind = "3s",
  stages = { { target = 50, duration = "2s" }, { target = 50, duration = "2s" }, { target = 0, duration = "1s" } } }
load { name = "users", target = t, vus = 3, think_time = "100ms", duration = "5s", mix = mix }
load { name = "ramping users", target = t, vus = 0, mix = mix,
  stages = { { target = 4, duration = "2s" }, { target = 0, duration = "2s" } } }
sleep("1s")
ramp:set_rate(20)
ramp:ramp_to(40, "1s")
sla { { "error_rate", "< 1%" } }
