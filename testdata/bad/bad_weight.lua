-- want: load: mix[1]: weight must be > 0, got 0
-- want: load: mix[2]: weight: expected a whole number, got 2.5
-- want: load: mix[3]: expected a table { weight, request } such as { 10, mcp.ping() }, got a request
local t = target { name = "blue", url = "http://127.0.0.1:1/mcp" }
load {
  target = t, rate = 10, duration = "30s",
  mix = {
    { 0, mcp.ping() },
    { 2.5, mcp.tools_list() },
    mcp.ping(),
  },
}
