-- bench/scenarios/post.lua: POST /mcp with a tools/call-shaped JSON body
-- through the engine's plain-HTTP sender, in a closed loop of VUS virtual
-- users (default 50). MODEL=open: see get.lua.
--
--   reslua bench/scenarios/post.lua -e TARGET=http://127.0.0.1:18080 -e DURATION=10s

local base = env.TARGET or "http://127.0.0.1:18080"
local t = target { name = "bench", url = base .. "/mcp", timeout = "10s",
                   headers = { ["Content-Type"] = "application/json",
                               ["Accept"] = "application/json, text/event-stream" } }
local vus = tonumber(env.VUS or "50")
local body = '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"message":"hello"}}}'
local mix = { { 1, http.post("/mcp", body), name = "req" } }

local l
if env.MODEL == "open" then
  l = load { name = "post", target = t, rate = tonumber(env.RATE or "200000"), duration = env.DURATION or "10s",
             workers = vus, queue = 64, mix = mix }
else
  l = load { name = "post", target = t, vus = vus, duration = env.DURATION or "10s", mix = mix }
end
l:wait()
