-- want: load: target: expected a target (made by target { ... }) or a router, got string "http://127.0.0.1:1/mcp"
load { target = "http://127.0.0.1:1/mcp", rate = 10, duration = "30s", mix = { { 1, mcp.ping() } } }
