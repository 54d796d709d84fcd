-- want: session_options.lua:5: demo.mcp: protocol_versions[1]: expected one of 2025-03-26, 2025-06-18, 2025-11-25, 2026-07-28, got "2024-11-05"
-- want: session_options.lua:7: load: sessions: fresh_sessions opens a session per request; leave sessions out
-- want: session_options.lua:7: load: keep_sessions: expected true or false, got string "yes"
local t = target { name = "t", url = "http://127.0.0.1:1/mcp" }
local u = demo.mcp { protocol_versions = { "2024-11-05" } }
print(u)
load { target = t, rate = 10, duration = "1s", sessions = 4, fresh_sessions = true, keep_sessions = "yes", mix = { { 1, mcp.ping() } } }
