-- scenarios/dependency.lua: chaos at the TCP level, behind an MCP server.
--
-- The demo MCP server's lookup tool asks a key-value service over plain
-- TCP (demo.kv(), one connection per lookup). A fault proxy stands between
-- them, deciding per connection: from 5 s to 10 s the KV service stalls
-- (blackhole: connections are accepted and never answered, the reference
-- chapter's resource exhaustion), and lookups fail after their 1 s
-- timeout. The MCP layer sees only the consequence: tools/call results
-- with isError. Afterwards the service answers again and the errors stop.
--
--   reslua scenarios/dependency.lua

local kv  = demo.kv()
local dep = chaos.proxy { name = "kv", target = kv, scope = "connection" }
local app = target {
  name = "app",
  url = demo.mcp { name = "app", version = "1.0.0", stateless = true, json = true, dependency = dep:addr() },
  timeout = "3s",
}

local traffic = load {
  name = "lookups", target = app, rate = tonumber(env.RATE or "100"), duration = env.DURATION or "15s",
  mix = { { 4, mcp.call("lookup", { key = "user-42" }), name = "lookup" }, { 1, mcp.call("echo", { message = "hi" }) } },
}

at("5s", function()
  chaos.inject(dep, { blackhole = true, duration = "5s", name = "kv stalls" })
end)

traffic:wait()

sla {
  -- echo does not touch the dependency: it stays healthy throughout.
  { "error_rate", "== 0", request = "tools/call echo" },
  { "p99", "< 100ms", request = "tools/call echo" },
  -- lookups fail only while the dependency stalls (a third of the run).
  { "error_rate", "< 40%", request = "lookup" },
}
