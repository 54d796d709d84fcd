// Package mcp is reslua's load-generating MCP client. It speaks the
// Streamable HTTP transport of MCP revisions 2025-03-26, 2025-06-18 and
// 2025-11-25 by hand (not through the SDK client) so that it can classify
// every failure and stay fast.
//
// A Client names one target. Client.Open performs the session handshake:
//
//	POST initialize              → read Mcp-Session-Id (absent on stateless servers)
//	POST notifications/initialized (202)
//	POST request ...             with Mcp-Session-Id and MCP-Protocol-Version
//	DELETE                       at Session.Close
//
// Every POST sends Content-Type: application/json and Accept:
// application/json, text/event-stream. A reply is either one JSON body or an
// SSE stream; in a stream, comments, empty (priming) events, notifications
// and server requests that come before the response are skipped, and
// reading stops at the response whose id matches.
//
// Session.Do never returns an error: it returns a Response whose Kind (from
// package outcome) says how the call ended:
//
//	HTTP status ≥ 400                 outcome.HTTPStatus(code)
//	JSON-RPC error                    outcome.JSONRPC(code)
//	tools/call result, isError: true  outcome.ToolError
//	transport error                   outcome.Of(err): timeout, reset, connect_refused, eof, ...
//	reply that breaks the framing     outcome.Protocol
//
// A 404 to a request that carried a session id (or a 400 whose body talks
// about the session) means the server forgot the session: Do initializes
// the session again, once, and retries the request once. Concurrent calls
// that find the session forgotten together cause one re-initialization.
//
// A Pool shares N sessions among any number of callers; it is what load
// workers use:
//
//	c := &mcp.Client{URL: "http://127.0.0.1:8080/mcp"}
//	pool, err := mcp.NewPool(ctx, c, 50)
//	...
//	echo, err := mcp.CallTool("echo", map[string]string{"message": "hi"}) // encode once
//	res := pool.Do(reqCtx, echo)                                          // per call
//	if res.Kind != outcome.OK { ... res.Err ... }
//	...
//	pool.Close(ctx) // DELETE every session; skip it to leave sessions behind on purpose
//
// Request builders encode their params once (CallTool, ToolsList, Ping,
// ResourcesList, ResourcesRead, PromptsList, PromptsGet); ListAllTools
// walks every tools/list page.
//
// Replies are read to their end so that connections are reused; a server
// that keeps a POST's SSE stream open after sending the response holds that
// call until its context ends (the call still counts as OK). Replies are
// capped at 16 MiB. Server requests that arrive on a stream (sampling,
// elicitation, roots) are skipped, not answered.
package mcp
