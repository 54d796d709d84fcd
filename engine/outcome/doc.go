// Package outcome names what happened to one request: success, or the kind
// of failure (connection refused, timeout, reset, an HTTP status class, a
// JSON-RPC error code, an MCP tool error). Both the engine and its protocol
// clients classify with it, so the summary counts every failure the same way.
package outcome
