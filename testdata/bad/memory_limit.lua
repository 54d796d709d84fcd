-- want: memory_limit.lua:6: the script holds more than its memory limit of 256 MiB
-- not: did not finish within
-- A script that keeps what it builds is stopped at its memory limit, long
-- before its time limit, and the message names the limit.
local s = string.rep("x", 60 * 1024 * 1024)
local acc = "" for i = 1, 40 do acc = acc .. s end
