-- want: breaker_window_huge.lua:3: target: breaker: window is 2000000000, want at most 1000000 (a slot each is allocated up front)
-- want: breaker_window_huge.lua:4: target: breaker: window_buckets is 2000000000, want at most 10000 (a bucket each is allocated up front)
local a = target { name = "a", url = "http://127.0.0.1:1/mcp", breaker = { window = 2000000000, failure_rate = 0.5 } }
local b = target { name = "b", url = "http://127.0.0.1:1/mcp", breaker = { window = "10s", window_buckets = 2000000000, failure_rate = 0.5 } }
