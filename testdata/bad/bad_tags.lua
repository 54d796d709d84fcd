-- want: bad_tags.lua:4: load: tags: a tag name is a word without '=' or spaces, got "tier=x"
-- want: bad_tags.lua:5: sla: check 1: tag: expected name=value, as in "tier=gold", got "gold"
local t = target { name = "t", url = "http://127.0.0.1:1/mcp" }
load { target = t, rate = 10, duration = "1s", tags = { ["tier=x"] = "gold" }, mix = { { 1, mcp.ping() } } }
sla { { "p95", "< 1s", tag = "gold" } }
