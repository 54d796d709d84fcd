-- want: zero_replaced_chaos.lua:8: chaos.inject: probability: expected a number > 0, got 0; leave probability out for the default (1, every matching request; to turn a fault off, remove it)
-- want: zero_replaced_chaos.lua:9: chaos.inject: abort: rate: expected a number > 0, got 0
-- want: zero_replaced_chaos.lua:10: chaos.inject: duration: expected a duration > 0, got 0s; leave duration out for the default (until removed)
-- want: zero_replaced_chaos.lua:11: chaos.inject: first: expected a whole number > 0, got 0; leave first out for the default (no limit)
-- want: zero_replaced_chaos.lua:12: chaos.experiment: window: expected a duration > 0, got 0s; leave window out for the default (5s)
-- not: rate: expected the share
local green = target { name = "green", url = "http://127.0.0.1:1/mcp" }
chaos.inject(green, { reset = true, probability = 0 })
chaos.inject(green, { abort = { status = 503, rate = 0 } })
chaos.inject(green, { blackhole = true, duration = "0s" })
chaos.inject(green, { reset = true, first = 0 })
chaos.experiment { title = "x", window = "0s", method = function() end }
