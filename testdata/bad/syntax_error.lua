-- want: syntax_error.lua:5: syntax error near "sleep"
-- A table constructor that never closes: the parser stops at the next
-- statement.
local t = target { name = "blue", url = "http://127.0.0.1:1/mcp"
sleep("1s")
