-- want: sla: request: no request named "tools/call ecko" (did you mean "tools/call echo"?)
local t = target { name = "blue", url = demo.mcp { version = "1.0.0" } }
local l = load {
  target = t, rate = 10, duration = "30s",
  mix = { { 1, mcp.call("echo", { message = "hi" }) } },
}
l:wait()
sla { { "p99", "< 50ms", request = "tools/call ecko" } }
