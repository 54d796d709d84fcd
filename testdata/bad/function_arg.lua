-- want: function_arg.lua:6: mcp.call: args.items[2]: functions cannot be sent as JSON
local t = target { name = "blue", url = "http://127.0.0.1:1/mcp" }
load {
  target = t, rate = 10, duration = "30s",
  mix = {
    { 1, mcp.call("echo", { items = { 1, function() end } }) },
  },
}
