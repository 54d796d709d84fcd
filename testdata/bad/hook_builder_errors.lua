-- want: hook_builder_errors.lua:13: load: mix[1]: with n = 0: 
-- want: hook_builder_errors.lua:9: attempt to index a non-table object(nil) with key 'greeting'
-- want: hook_builder_errors.lua:13: load: mix[2]: with n = 0: 
-- want: hook_builder_errors.lua:15: mcp.call: args.items[1]: functions cannot be sent as JSON
-- want: hook_builder_errors.lua:13: load: mix[3]: with n = 0: 
-- want: hook_builder_errors.lua:16: load is not available in a request hook
-- A builder that compiles but fails when it runs is caught at check time,
-- at the load's line and the builder's own, checked entry or not.
local function build(n) return mcp.call("echo", { message = settings.greeting .. n }) end
local t = target { name = "blue", url = "http://127.0.0.1:1/mcp" }
-- settings is set after the load: the check mode's trial run of the
-- builder finds it nil, as every worker would.
load { target = t, rate = 10, duration = "30s", mix = {
  { 1, build, name = "greet", check = function(reply) return reply.status == 200 end },
  { 1, function(n) return mcp.call("echo", { items = { function() end } }) end, name = "bad args" },
  { 1, function(n) return load { rate = n } end, name = "nested load" },
} }
settings = { greeting = "hi " }
