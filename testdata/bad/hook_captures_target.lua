-- want: hook_captures_target.lua:8: load: mix[1]: the function captures "lb" (a target); a hook may capture data and functions, not targets or loads
-- want: hook_captures_target.lua:8: load: mix[2]: the check function captures "cfg.where" (a target)
-- A hook runs in a Lua state of its own per worker: what it captures is
-- copied there, and a target cannot be.
local lb = target { name = "blue", url = "http://127.0.0.1:1/mcp" }
local cfg = { where = lb, want = 200 }
local traffic
traffic = load { target = lb, rate = 10, duration = "30s", mix = {
  { 1, function(n) return mcp.call("echo", { message = lb:name() }) end, name = "echo" },
  { 1, http.get("/health"), check = function(reply) return reply.status == cfg.want and cfg.where ~= nil end },
} }
