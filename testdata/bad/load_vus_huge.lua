-- want: load_vus_huge.lua:4: load: vus: at most 1000000 per load, got 2000000000
-- want: load_vus_huge.lua:5: load: stages: at most 1000000 virtual users per load, got 2e+09
local t = target { name = "t", url = "http://127.0.0.1:1/mcp" }
load { target = t, vus = 2000000000, duration = "10s", mix = { { 1, mcp.ping() } } }
load { target = t, vus = 1, stages = { { duration = "10s", target = 2000000000 } }, mix = { { 1, mcp.ping() } } }
