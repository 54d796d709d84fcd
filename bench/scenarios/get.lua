-- bench/scenarios/get.lua: GET /get in a closed loop of VUS virtual users
-- (default 50), as wrk -c50 runs it. MODEL=open runs it open-model instead:
-- arrivals at RATE (default 200000/s, above what the target sustains) with
-- VUS workers and a small queue, so the workers are always busy.
--
--   reslua bench/scenarios/get.lua -e TARGET=http://127.0.0.1:18080 -e DURATION=10s

local base = env.TARGET or "http://127.0.0.1:18080"
local t = target { name = "bench", url = base .. "/mcp", timeout = "10s" }
local vus = tonumber(env.VUS or "50")
local mix = { { 1, http.get("/get"), name = "req" } }

local l
if env.MODEL == "open" then
  l = load { name = "get", target = t, rate = tonumber(env.RATE or "200000"), duration = env.DURATION or "10s",
             workers = vus, queue = 64, mix = mix }
else
  l = load { name = "get", target = t, vus = vus, duration = env.DURATION or "10s", mix = mix }
end
l:wait()
