-- bench/scenarios/sessions.lua: many concurrent MCP sessions, each with its
-- own connection, each sending about one request per second (issue 3's bar:
-- 10,000 sessions within 256 MiB RSS). SESSIONS (default 10000) sessions
-- share arrivals at SESSIONS per second for DURATION.
local base = env.TARGET or "http://127.0.0.1:18080"
local n = tonumber(env.SESSIONS or "10000")
local t = target { name = "bench", url = base .. "/mcp", timeout = "10s" }
load {
  name = "sessions", target = t,
  rate = n, duration = env.DURATION or "30s",
  sessions = n, workers = tonumber(env.WORKERS or "500"),
  mix = { { 1, mcp.call("echo", { message = "hello" }), name = "req" } },
}:wait()
sla { { "error_rate", "== 0" } }
