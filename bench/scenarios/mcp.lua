-- bench/scenarios/mcp.lua: MCP tools/call echo through reslua's MCP client
-- (sessions, JSON-RPC ids, reply checks), in a closed loop of VUS virtual
-- users (default 50) sharing SESSIONS sessions (default VUS). MODEL=open:
-- see get.lua. HOOK=1 builds each request with a Lua function instead.
--
--   reslua bench/scenarios/mcp.lua -e TARGET=http://127.0.0.1:18080 -e DURATION=10s

local base = env.TARGET or "http://127.0.0.1:18080"
local t = target { name = "bench", url = base .. "/mcp", timeout = "10s" }
local vus = tonumber(env.VUS or "50")
local sessions = tonumber(env.SESSIONS or tostring(vus))
local mix = { { 1, mcp.call("echo", { message = "hello" }), name = "req" } }
if env.HOOK == "1" then
  -- The same request built per request by a Lua hook (run in per-worker
  -- states), to measure what a hook costs against the declarative mix.
  local words = { "hello", "hola", "hallo", "salut" }
  mix = { { 1, function(n) return mcp.call("echo", { message = words[n % #words + 1] }) end, name = "req" } }
end

local l
if env.MODEL == "open" then
  l = load { name = "mcp", target = t, rate = tonumber(env.RATE or "200000"), duration = env.DURATION or "10s",
             workers = vus, queue = 64, sessions = sessions, mix = mix }
else
  l = load { name = "mcp", target = t, vus = vus, duration = env.DURATION or "10s", sessions = sessions, mix = mix }
end
l:wait()
