-- bench/scenarios/mcp.lua: MCP tools/call echo through reslua's MCP client
-- (sessions, JSON-RPC ids, reply checks), in a closed loop of VUS virtual
-- users (default 50) sharing SESSIONS sessions (default VUS). MODEL=open:
-- see get.lua.
--
--   reslua bench/scenarios/mcp.lua -e TARGET=http://127.0.0.1:18080 -e DURATION=10s

local base = env.TARGET or "http://127.0.0.1:18080"
local t = target { name = "bench", url = base .. "/mcp", timeout = "10s" }
local vus = tonumber(env.VUS or "50")
local sessions = tonumber(env.SESSIONS or tostring(vus))
local mix = { { 1, mcp.call("echo", { message = "hello" }), name = "req" } }

local l
if env.MODEL == "open" then
  l = load { name = "mcp", target = t, rate = tonumber(env.RATE or "200000"), duration = env.DURATION or "10s",
             workers = vus, queue = 64, sessions = sessions, mix = mix }
else
  l = load { name = "mcp", target = t, vus = vus, duration = env.DURATION or "10s", sessions = sessions, mix = mix }
end
l:wait()
