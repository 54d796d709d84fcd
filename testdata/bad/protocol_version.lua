-- want: target: protocol_version: expected one of auto, 2025-03-26, 2025-06-18, 2025-11-25, 2026-07-28, got "2024-11-05"
local t = target { name = "blue", url = "http://127.0.0.1:1/mcp", protocol_version = "2024-11-05" }
