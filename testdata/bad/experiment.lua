-- want: experiment.lua:10: chaos.experiment: steady_state[1]: "time_to_detect" is not a live figure; expected one of p50, p90, p95, p99, p99.9, max, min, avg, error_rate, rate, count, errors, lost_requests
-- want: experiment.lua:11: chaos.experiment: title: required
-- want: experiment.lua:11: chaos.experiment: method: expected a function, as in method = function(...) ... end, got string "later"
-- want: experiment.lua:11: chaos.experiment: on_safety: expected "experiment" (stop the experiment only) or "run" (abort the whole run), got "everything"
-- want: experiment.lua:11: chaos.experiment: window: must not be negative, got -1s
-- want: experiment.lua:12: chaos.experiment: unknown key "contol" (did you mean "control"?)
-- want: experiment.lua:12: chaos.experiment: safety[1]: error_rate: threshold "1%" must start with one of < <= > >= == !=, as in "< 1%"
-- want: experiment.lua:13: chaos.inject: latency.delay: -2s is negative; want a duration of zero or more
local t = target { name = "t", url = "http://127.0.0.1:1/mcp" }
chaos.experiment { title = "x", method = function() end, steady_state = { { "time_to_detect", "< 1s" } } }
chaos.experiment { method = "later", on_safety = "everything", window = "-1s" }
chaos.experiment { title = "y", method = function() end, safety = { { "error_rate", "1%" } }, contol = 1 }
chaos.experiment { title = "z", method = function() chaos.inject(t, { latency = "-2s" }) end }
