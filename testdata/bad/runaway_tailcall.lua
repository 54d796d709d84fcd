-- want: runaway_tailcall.lua:4: did not finish within
-- want: an endless loop?
-- A tail call reuses its frame: stopped at the deadline, with no traceback of one line per call.
local function f(n) return f(n + 1) end f(1)
