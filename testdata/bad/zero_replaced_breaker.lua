-- want: zero_replaced_breaker.lua:9: target: breaker: consecutive_failures: expected a whole number > 0, got 0; leave consecutive_failures out for the default (off, or 5 when no other rule is set)
-- want: zero_replaced_breaker.lua:10: target: breaker: min_calls: expected a whole number > 0, got 0
-- want: zero_replaced_breaker.lua:10: target: breaker: window: expected a number of calls > 0, got 0; leave window out for the default (the last 100 calls)
-- want: zero_replaced_breaker.lua:11: target: breaker: window: expected a duration > 0, got 0s
-- want: zero_replaced_breaker.lua:11: target: breaker: window_buckets: expected a whole number > 0, got 0
-- want: zero_replaced_breaker.lua:12: target: breaker: half_open_permits: expected a whole number > 0, got 0
-- want: zero_replaced_breaker.lua:12: target: breaker: success_threshold: expected a whole number > 0, got 0
-- want: zero_replaced_breaker.lua:13: target: breaker: open_for: expected a duration > 0, got 0s; leave open_for out for the default (60s, doubling)
target { name = "a", url = "http://127.0.0.1:1/mcp", breaker = { consecutive_failures = 0 } }
target { name = "b", url = "http://127.0.0.1:1/mcp", breaker = { failure_rate = 0.5, min_calls = 0, window = 0 } }
target { name = "c", url = "http://127.0.0.1:1/mcp", breaker = { failure_rate = 0.5, window = "0s", window_buckets = 0 } }
target { name = "d", url = "http://127.0.0.1:1/mcp", breaker = { half_open_permits = 0, success_threshold = 0 } }
target { name = "e", url = "http://127.0.0.1:1/mcp", breaker = { open_for = "0s" } }
