-- want: error_level.lua:6: need a rate
-- error(msg, 2) blames the caller of the function that called error, as in Lua.
local function need(x)
  if not x then error("need a rate", 2) end
end
need(nil)
