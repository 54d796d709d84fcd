-- want: check_not_function.lua:4: load: mix[1]: check: expected a function such as function(reply) return reply.status == 200 end, got boolean true
-- want: check_not_function.lua:4: load: mix[2]: request: expected a request, got the function mcp.ping itself; call it, as in mcp.ping(...)
local t = target { name = "blue", url = "http://127.0.0.1:1/mcp" }
load { target = t, rate = 10, duration = "30s", mix = {
  { 1, mcp.call("add", { a = 2, b = 3 }), check = true },
  { 1, mcp.ping },
} }
