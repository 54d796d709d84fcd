// Package demo runs the embedded demo MCP server: a real MCP server built on
// the official Go SDK (github.com/modelcontextprotocol/go-sdk), serving
// Streamable HTTP on 127.0.0.1 with a few tools to load and break.
//
// Start one with Start and stop it with Server.Close. The server answers:
//
//	POST/GET/DELETE /mcp   the SDK's Streamable HTTP handler
//	GET /health            200 {"status":"ok","version":"..."}
//
// Its tools are:
//
//	echo {message}   returns message as text content
//	add  {a, b}      returns the sum as text and as structured output {"sum": ...}
//	slow {ms}        sleeps ms milliseconds (or until the request ends), returns "slept";
//	                 sends one progress notification first if the call carries a progress token
//	fail {message?}  returns a result with isError: true
//
// Options choose the transport flavour: stateful or stateless sessions,
// SSE or plain JSON replies, and (Resumable) SSE priming events. A
// stateful server can be told to forget all its sessions at once
// (Server.ForgetSessions), the way a restarted replica does, so clients'
// re-initialization can be tested.
//
// The server writes no logs.
package demo
