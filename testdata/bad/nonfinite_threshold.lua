-- want: sla: check 1: error_rate: threshold "< NaN": expected a percentage such as 1% or a ratio between 0 and 1, got "NaN"
-- want: sla: check 2: rate: threshold "> Inf": expected requests per second such as 250 or 250/s, got "Inf"
-- want: sla: check 3: count: threshold "< Inf": expected a whole number, got "Inf"
-- want: sla: check 4: error_rate: threshold "< NaN%": expected a percentage between 0% and 100%, got "NaN%"
local t = target { name = "demo", url = "http://127.0.0.1:1/mcp" }
load { target = t, rate = 10, duration = "1s", mix = { { 1, mcp.ping() } } }
sla { { "error_rate", "< NaN" }, { "rate", "> Inf" }, { "count", "< Inf" }, { "error_rate", "< NaN%" } }
