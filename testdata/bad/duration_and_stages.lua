-- want: duration_and_stages.lua:6: load: duration: a load has either duration or stages, not both
-- want: duration_and_stages.lua:6: load: stages[2]: duration: expected a duration such as "30s" or "250ms", got "a while"
-- want: duration_and_stages.lua:6: load: stages[3]: target: must be >= 0, got -5
-- want: duration_and_stages.lua:6: load: stages[1]: unknown key "duraton" (did you mean "duration"?)
local t = target { name = "t", url = "http://127.0.0.1:1/mcp" }
load { target = t, rate = 0, duration = "10s", mix = { { 1, mcp.ping() } },
  stages = { { target = 10, duration = "5s", duraton = "1s" }, { target = 20, duration = "a while" }, { target = -5, duration = "5s" } } }
