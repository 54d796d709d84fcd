-- want: loadstring.lua:4: loadstring is not available in a scenario: it compiles code at run time
-- not: non-function
-- The sandbox has no loadstring: saying so beats "attempt to call a non-function object".
local f = loadstring("return 1")
