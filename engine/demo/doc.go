// Package demo runs the embedded demo MCP server: a real MCP server built on
// the official Go SDK (github.com/modelcontextprotocol/go-sdk), serving
// Streamable HTTP on 127.0.0.1 with a few tools, resources and a prompt to
// load and break.
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
//	lookup {key}     with Options.Dependency only: asks the server's TCP
//	                 dependency (a KV, StartKV) for key, on a connection of its
//	                 own; isError when no answer comes within a second
//
// Options.Latency and Options.ErrorRate make a misbehaving version: every
// POST is delayed, or a share of them answered 503, evenly and repeatably.
//
// Its resources are demo://readme (text/plain) and demo://config.json
// (application/json), both static; its prompt is greet {name} (name
// required), one user message "Say hello to NAME.".
//
// Options choose the transport flavour: stateful or stateless sessions,
// SSE or plain JSON replies, and (Resumable) SSE priming events. A
// stateful server can be told to forget all its sessions at once
// (Server.ForgetSessions), the way a restarted replica does, so clients'
// re-initialization can be tested.
//
// Protocol eras: SDK v1.8.0 speaks both the legacy revisions (2025-03-26 to
// 2025-11-25: initialize, Mcp-Session-Id) and the stateless revision
// 2026-07-28 (per-request _meta, MCP-Protocol-Version, Mcp-Method and
// Mcp-Name headers validated against the body, server/discover, no
// initialize, no ping), the latter on stateless servers only. So no adapter
// of our own sits in front of the SDK: a Stateless server is a dual-era
// server, a stateful one is of the legacy era, and Options.ProtocolVersions
// narrows a server to one era (for clients' era detection).
//
// Server.Stats counts connections, sessions, initializes, cancellations
// and slow calls, and Server.Await waits for a condition on them, so tests
// can check the server side of an exchange without sleeping.
//
// The server writes no logs.
package demo
