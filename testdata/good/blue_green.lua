-- Two deployments side by side: a stateful SSE server and a stateless JSON
-- one, each under its own load, the second starting 2 s later.
local blue = target {
  name = "blue",
  url = env.BLUE_URL or demo.mcp { name = "blue", version = "1.0.0" },
}
local green = target {
  name = "green",
  url = env.GREEN_URL or demo.mcp { name = "green", version = "1.1.0", stateless = true, json = true },
  protocol_version = "2025-11-25",
  headers = { ["X-Deployment"] = "green" },
}

local mix = {
  { 70, mcp.call("add", { a = 1, b = 2 }) },
  { 20, mcp.request("resources/list", {}) },
  { 10, mcp.ping() },
}

local b = load { name = "blue", target = blue, rate = 40, duration = "4s", mix = mix }
sleep("2s")
local g = load { name = "green", target = green, rate = 40, duration = "4s", mix = mix, workers = 20, queue = 100 }
print("started", b:name(), g:name(), blue:url() ~= "")

b:wait()
g:wait()

sla {
  { "p95", "< 300ms", load = "blue" },
  { "p95", "< 300ms", load = "green" },
  { "errors", "== 0", request = "tools/call add" },
  { "dropped", "== 0" },
}
