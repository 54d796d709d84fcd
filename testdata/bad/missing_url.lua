-- want: missing_url.lua:2: target: url: required
local t = target { name = "blue" }
