-- bench/wrk/post_hook.lua: wrk -s post_hook.lua builds every POST /mcp
-- tools/call in a Lua request() function, varying the message per request
-- as bench/scenarios/mcp.lua does with HOOK=1: the peer of reslua-hook.
local words = { "hello", "hola", "hallo", "salut" }
local n = 0
local headers = { ["Content-Type"] = "application/json", ["Accept"] = "application/json, text/event-stream" }

request = function()
  n = n + 1
  local body = '{"jsonrpc":"2.0","id":' .. n .. ',"method":"tools/call","params":{"name":"echo","arguments":{"message":"'
    .. words[n % #words + 1] .. '"}}}'
  return wrk.format("POST", nil, headers, body)
end
