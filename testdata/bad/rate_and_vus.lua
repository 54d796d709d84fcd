-- want: rate_and_vus.lua:5: load: rate: a load has either rate (open model) or vus (closed model), not both
-- want: rate_and_vus.lua:5: load: workers: applies to open-model loads
-- want: rate_and_vus.lua:5: load: abort_if_behind: applies to open-model loads
local t = target { name = "t", url = "http://127.0.0.1:1/mcp" }
load { target = t, rate = 10, vus = 5, workers = 3, abort_if_behind = "5s", duration = "10s", mix = { { 1, mcp.ping() } } }
