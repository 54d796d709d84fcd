-- want: hook_reads_global.lua:11: load: 
-- want: hook_reads_global.lua:8: a hook reads the global "greeting", which hooks do not see (each worker runs hooks in a Lua state of its own, where only what they capture is copied); make greeting a local of the scenario
-- not: hook_reads_global.lua:13
-- Hooks see what they capture (locals), never the scenario's globals.
local t = target { name = "blue", url = "http://127.0.0.1:1/mcp" }
greeting = "hi "
local function build(n)
  return mcp.call("echo", { message = greeting .. n })
end
local prefix = "hello "
load { target = t, rate = 10, duration = "30s", mix = {
  { 1, build, name = "greet" },
  { 1, function(n) return mcp.call("echo", { message = prefix .. string.format("%d", n) }) end, name = "local" },
} }
