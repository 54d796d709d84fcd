-- want: runaway.lua:3: did not finish within
-- want: an endless loop?
while true do end
