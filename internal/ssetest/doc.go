// Package ssetest holds the tests' load of MCP calls answered with
// Server-Sent Events by go-sdk's real Streamable HTTP server, shared by the
// tests of the reverse proxies (deploy's router, chaos's HTTP proxy) that
// must never cut such a reply. It is for tests only.
package ssetest
