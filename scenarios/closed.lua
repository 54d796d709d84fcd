-- scenarios/closed.lua: the closed model, virtual users with think time.
--
-- Each virtual user sends a request, waits for the answer, thinks, and
-- sends the next: the rate follows the server's speed (as with wrk or k6's
-- VUs). Users ramp 0 → USERS over 10 s, hold for 15 s, ramp down over 5 s.
-- Latency counts from when a user meant to send, so a generator that wakes
-- a user late shows in the figures.
--
--   reslua scenarios/closed.lua [-e TARGET_URL=...] [-e USERS=20]

local users = tonumber(env.USERS or "20")

local t = target { name = "demo", url = env.TARGET_URL or demo.mcp { name = "demo", json = true } }

load {
  name = "users", target = t,
  vus = 0,                                    -- the starting number of users
  think_time = "50ms",
  stages = {
    { target = users, duration = "10s" },
    { target = users, duration = "15s" },
    { target = 0, duration = "5s" },
  },
  sessions = 4,
  mix = {
    { 1, mcp.tools_list() },
    { 4, mcp.call("add", { a = 1, b = 2 }) },
  },
}:wait()

sla {
  { "p99", "< 100ms" },
  { "error_rate", "== 0" },
}
