-- want: unknown_key.lua:5: load: unknown key "duraton" (did you mean "duration"?)
-- want: load: duration: required
local t = target { name = "blue", url = "http://127.0.0.1:1/mcp" }

load {
  target = t,
  rate = 10,
  duraton = "30s",
  mix = { { 1, mcp.ping() } },
}
