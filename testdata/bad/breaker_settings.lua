-- want: breaker_settings.lua:5: target: breaker: open_for: required with backoff = "linear": the first open period
-- want: breaker_settings.lua:6: target: breaker: min_calls: expected a whole number, got string "ten"
-- want: breaker_settings.lua:7: target: breaker: expected a table, got string "on"
-- want: breaker_settings.lua:7: target: breaker
local a = target { name = "a", url = "http://127.0.0.1:1/mcp", breaker = { backoff = "linear" } }
local b = target { name = "b", url = "http://127.0.0.1:1/mcp", breaker = { min_calls = "ten" } }
local c = target { name = "c", url = "http://127.0.0.1:1/mcp", breaker = "on" }
