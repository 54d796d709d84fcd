-- want: target: url: expected an http:// or https:// URL with a host, got "ftp://127.0.0.1/mcp"
local t = target { name = "blue", url = "ftp://127.0.0.1/mcp" }
