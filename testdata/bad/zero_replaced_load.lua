-- want: zero_replaced_load.lua:7: target: timeout: expected a duration > 0, got 0s; leave timeout out for the default (10s)
-- want: zero_replaced_load.lua:8: load: workers: expected a whole number > 0, got 0; leave workers out for the default (100)
-- want: zero_replaced_load.lua:8: load: queue: expected a whole number > 0, got 0; leave queue out for the default (10000)
-- want: zero_replaced_load.lua:8: load: sessions: expected a whole number > 0, got 0; leave sessions out for the default (4)
-- want: zero_replaced_load.lua:10: router: timeout: expected a duration > 0, got 0s
local t = target { name = "t", url = "http://127.0.0.1:1/mcp" }
target { name = "u", url = "http://127.0.0.1:1/mcp", timeout = "0s" }
load { target = t, rate = 10, duration = "10s", workers = 0, queue = 0, sessions = 0, mix = { { 1, mcp.ping() } } }
local g = target { name = "g", url = "http://127.0.0.1:2/mcp" }
router { name = "lb", routes = { t = 50, g = 50 }, timeout = "0s" }
