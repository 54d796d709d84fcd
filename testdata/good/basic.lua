-- The smallest useful scenario: one demo MCP server, one load, a verdict.
-- `-e TARGET_URL=http://host/mcp` points it at a real server instead.
local blue = target {
  name = "blue",
  url = env.TARGET_URL or demo.mcp { name = "blue", version = "1.0.0" },
  timeout = "5s",
}

local traffic = load {
  target = blue,
  rate = 50,
  duration = "5s",
  sessions = 2,
  mix = {
    { 60, mcp.tools_list() },
    { 30, mcp.call("echo", { message = "hi" }) },
    { 10, http.get("/health"), name = "health" },
  },
}

traffic:wait()

sla {
  { "p95", "< 250ms" },
  { "error_rate", "< 1%" },
  { "p99", "< 500ms", request = "tools/call echo" },
  { "error_rate", "== 0", request = "health", load = "blue" },
}
