-- want: load_sizes_huge.lua:5: load: workers: at most 100000 per load (a goroutine and a request in flight each), got 2000000000
-- want: load_sizes_huge.lua:5: load: queue: at most 1000000 arrivals per load (the queue is allocated up front), got 2000000000
-- want: load_sizes_huge.lua:5: load: sessions: at most 10000 MCP sessions per load (each is opened before the load starts), got 2000000000
local t = target { name = "t", url = "http://127.0.0.1:1/mcp" }
load { target = t, rate = 10, duration = "10s", workers = 2000000000, queue = 2000000000, sessions = 2000000000,
  mix = { { 1, mcp.ping() } } }
