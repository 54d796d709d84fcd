-- want: memory_limit.lua:7: the script holds more than its memory limit of 256 MiB
-- not: did not finish within
-- timeout: 10s
-- A script that keeps what it builds is stopped at its memory limit, long
-- before its time limit, and the message names the limit.
local kept = {}
for i = 1, 40 do kept[i] = string.rep("x", 60 * 1024 * 1024) end
