-- want: unknown_method.lua:8: a load has no method "wiat" (did you mean "wait"?); its methods are name, ramp_to, set_rate, stop, wait
local t = target { name = "blue", url = "http://127.0.0.1:1/mcp" }
local traffic = load {
  target = t, rate = 10, duration = "30s",
  mix = { { 1, mcp.ping() } },
}
traffic:wait()
traffic:wiat()
