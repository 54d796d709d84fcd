-- want: chaos_schedule.lua:8: chaos.proxy: scope: expected "connection" (TCP, decided per connection) or "request" (HTTP, decided per request), got "conection" (did you mean "connection"?)
-- want: chaos_schedule.lua:10: chaos.inject: abort: not available on a per-connection (TCP) proxy, which has no requests to answer; use reset, blackhole or cut
-- want: chaos_schedule.lua:11: chaos.inject: match.path: not available on a per-connection (TCP) proxy, which sees bytes, not requests; leave it empty
-- want: chaos_schedule.lua:12: at: expected a duration such as "30s" or "250ms", got "soon"
-- want: chaos_schedule.lua:13: at: expected a function as the second argument, as in at("20s", function() ... end), got string "not a function"
-- want: chaos_schedule.lua:14: every: expected a period > 0, got 0s
-- want: chaos_schedule.lua:15: chaos.inject: bandwidth.bytes_per_second: -10 is negative; want a positive rate
local db = chaos.proxy { name = "db", target = "127.0.0.1:5432", scope = "conection" }
local kv = chaos.proxy { name = "kv", target = "127.0.0.1:6379", scope = "connection" }
chaos.inject(kv, { abort = 503 })
chaos.inject(kv, { latency = "10ms", match = { path = "/x" } })
at("soon", function() end)
at("5s", "not a function")
every("0s", function() end)
at("1s", function() chaos.inject(kv, { bandwidth = -10 }) end)
