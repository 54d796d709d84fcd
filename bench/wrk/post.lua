-- bench/wrk/post.lua: wrk -s post.lua sends POST /mcp with a tools/call
-- JSON body on every request (the URL given to wrk supplies the path).
wrk.method = "POST"
wrk.body = '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"message":"hello"}}}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json, text/event-stream"
