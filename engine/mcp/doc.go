// Package mcp is reslua's load-generating MCP client. It speaks the
// Streamable HTTP transport by hand (not through the SDK client) so that
// it can classify every failure and stay fast, in both protocol eras:
//
// The legacy era, revisions 2025-03-26, 2025-06-18 and 2025-11-25: a
// session starts with a handshake:
//
//	POST initialize              → read Mcp-Session-Id (absent on stateless servers)
//	POST notifications/initialized (202)
//	POST request ...             with Mcp-Session-Id and MCP-Protocol-Version
//	DELETE                       at Session.Close (Session.Abandon skips it)
//
// The stateless era, revision 2026-07-28: no handshake, no session id, no
// DELETE; every request carries _meta with io.modelcontextprotocol/
// protocolVersion, clientInfo and clientCapabilities, and the
// MCP-Protocol-Version, Mcp-Method and Mcp-Name (tools/call: the tool
// name; resources/read: the URI; prompts/get: the prompt name; in the
// =?base64?…?= form when not plain ASCII) headers. The headers' values and
// the body's split are computed once per Request by the builders (and
// NewRequest), so the hot path only appends bytes.
//
// Client.ProtocolVersion pins a revision, or (zero, "auto") lets the
// client detect the era once per Client: it sends server/discover in the
// stateless form and falls back to the legacy handshake unless the answer
// comes from a server of the stateless era (see Client.Detect).
//
// Every POST sends Content-Type: application/json and Accept:
// application/json, text/event-stream. A reply is either one JSON body or an
// SSE stream; in a stream, comments, empty (priming) events and
// notifications that come before the response are skipped (progress
// notifications are counted: Request.Progress asks for them), and reading
// stops at the response whose id matches. A request the server sends on
// the stream (it waits for the answer before it goes on with the call) is
// answered at once, by POSTing the JSON-RPC response with the session's
// headers: ping with an empty result, every other method (sampling,
// roots, elicitation: reslua declares no client capability) with -32601;
// Response.ServerRequests counts them. A Response carries the time to the
// reply's headers (FirstByte) and to the response (Total).
//
// Session.Do never returns an error: it returns a Response whose Kind (from
// package outcome) says how the call ended:
//
//	HTTP 5xx, or 4xx with a non-JSON-RPC body  outcome.HTTPStatus(code)
//	JSON-RPC error (in a 200, or a 4xx body)   outcome.JSONRPC(code)
//	tools/call result, isError: true           outcome.ToolError
//	result with resultType input_required      KindInputRequired
//	transport error                            outcome.Of(err): timeout, reset, connect_refused, eof, ...
//	reply that breaks the framing              outcome.Protocol (the error says how: invalid JSON, wrong id, ...)
//	reply over 1 MiB whose result is kept      outcome.TooLarge
//
// A 404 to a request that carried a session id (or a 400 whose body talks
// about the session) means the server forgot the session: Do initializes
// the session again, once, and retries the request once. Concurrent calls
// that find the session forgotten together cause one re-initialization.
// When a call's context ends before its response, a legacy-era session
// sends notifications/cancelled for it in the background (best effort,
// bounded); in the stateless era closing the stream is the cancellation.
//
// A Pool shares N sessions among any number of callers; it is what load
// workers use. By default each session has connections of its own (N
// sessions, N connections when calls come one at a time, as N real
// clients; calls in flight at once on one session each have a
// connection, as with any HTTP/1.1 client); PoolOptions can share the
// Client's connections instead, keep the sessions open at Close (to test
// session leaks), or give every call a fresh session (to load the
// handshake):
//
//	c := &mcp.Client{URL: "http://127.0.0.1:8080/mcp"}
//	pool, err := mcp.OpenPool(ctx, c, mcp.PoolOptions{Sessions: 50})
//	...
//	echo, err := mcp.CallTool("echo", map[string]string{"message": "hi"}) // encode once
//	res := pool.Do(reqCtx, echo)                                          // per call
//	if res.Kind != outcome.OK { ... res.Err ... }
//	...
//	pool.Close(ctx) // DELETE every session
//
// Request builders encode their params once (CallTool, ToolsList, Ping,
// ResourcesList, ResourcesRead, PromptsList, PromptsGet, ServerDiscover;
// NewRequest for any other method); ListAllTools walks every tools/list
// page.
//
// # Transports
//
// An http:// endpoint is spoken to over engine/httpc, reslua's lean
// HTTP/1.1 client, unless Client.HTTP is set: each session state (its
// Mcp-Session-Id and MCP-Protocol-Version, with Content-Type, Accept and
// Client.Header) becomes an httpc.Template once, rebuilt when the session
// is initialized again; a call appends its JSON-RPC bytes to a recycled
// buffer and sends them as the body (Mcp-Method and Mcp-Name, in the
// 2026-07-28 era, as per-request headers); the reply's headers are read
// in place and its body is parsed as it arrives, into recycled buffers,
// without encoding/json's reflection for the JSON-RPC envelope. A call
// then allocates only the copy of its result (none with
// Request.NoResult). httpc keeps no goroutine per connection, so an idle
// session with a connection of its own costs its buffers and a socket
// (about 3 KiB of heap). https:// endpoints, and any Client with HTTP set,
// use net/http. On httpc a POST is sent once: a kept-alive connection the
// server closed while it was idle fails the call (outcome eof or reset)
// rather than send it twice, except for the requests that only read
// (ping, server/discover, and the tools, resources and prompts lists),
// which go again on a fresh connection.
//
// Replies are read to their end so that connections are reused: after
// the response, up to 64 KiB more of the reply are read and dropped,
// beyond which the connection is closed. A server that keeps a POST's SSE
// stream open after sending the response thus holds that call until its
// context ends or Client.Timeout fires (the call still counts as OK, and
// its Total is the time to the response). At most 1 MiB of a reply is
// held at once: a call with Request.NoResult reads a bigger reply to its
// end and judges it (its long strings skimmed past 64 KiB); any other
// fails with ErrTooLarge (outcome.TooLarge) past 1 MiB.
// Server requests that arrive on a stream (sampling, elicitation, roots)
// are skipped, not answered. Mcp-Param-* headers (x-mcp-header tool
// parameters of 2026-07-28) are not sent.
package mcp
