-- want: syntax_eof.lua:
-- want: syntax error at end of file (is an "end", "}" or ")" missing?)
local function f()
  return 1
