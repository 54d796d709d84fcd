-- want: load_vus_huge.lua:4: load: vus: at most 100000 per load (a goroutine and a request in flight each), got 2000000000
-- want: load_vus_huge.lua:5: load: stages: at most 100000 virtual users per load, got 200001
local t = target { name = "t", url = "http://127.0.0.1:1/mcp" }
load { target = t, vus = 2000000000, duration = "10s", mix = { { 1, mcp.ping() } } }
load { target = t, vus = 1, stages = { { duration = "10s", target = 200001 } }, mix = { { 1, mcp.ping() } } }
