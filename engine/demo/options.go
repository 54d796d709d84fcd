package demo

import "time"

// Options configure a demo server. The zero value is a stateful server that
// answers with SSE streams, named "reslua-demo", version "1.0.0", accepting
// every protocol revision the SDK knows.
type Options struct {
	// Name is the server name reported by initialize; zero: "reslua-demo".
	Name string
	// Version is the server version reported by initialize and /health;
	// zero: "1.0.0".
	Version string
	// Stateless makes the server keep no sessions: initialize answers
	// without an Mcp-Session-Id and every request stands alone (GET and
	// DELETE get 405). Only a stateless server speaks revision 2026-07-28
	// (see ProtocolVersions). Zero: sessions are kept.
	Stateless bool
	// JSON makes the server answer requests with one application/json body
	// instead of a text/event-stream. Zero: SSE.
	JSON bool
	// Resumable keeps an in-memory event store so that SSE replies to
	// 2025-11-25 clients start with an empty priming event, as resumable
	// servers do. Zero: no event store, no priming events.
	Resumable bool
	// PageSize is the number of items per tools/list, resources/list and
	// prompts/list page; zero: the SDK's default (1000, so everything fits
	// in one page).
	PageSize int
	// ProtocolVersions restricts the protocol revisions the server accepts,
	// e.g. {"2025-11-25", "2025-06-18"} for a server of the legacy
	// (initialize) era only, or {"2026-07-28"} for one of the stateless era
	// only. Nil: every revision the SDK knows, 2024-11-05 to 2026-07-28.
	//
	// The SDK serves the 2026-07-28 revision (per-request _meta, Mcp-Method
	// and Mcp-Name headers, server/discover, no initialize) on stateless
	// servers only: a stateful server answers such requests with 400 and
	// JSON-RPC error -32022 (unsupported protocol version) listing its
	// legacy revisions, and its server/discover lists legacy revisions
	// only. So a stateful server is always of the legacy era, and a
	// stateless one with the default ProtocolVersions speaks both eras.
	ProtocolVersions []string
	// Latency delays every POST to /mcp by that much before the SDK sees
	// it (or until the request ends): a slow version. Zero: no delay.
	Latency time.Duration
	// ErrorRate is the share of POSTs to /mcp answered 503 Service
	// Unavailable instead of being served: a failing version. The
	// failures are spread evenly and deterministically (with 0.25, every
	// fourth request fails), so runs repeat exactly. Zero: none; at most 1.
	ErrorRate float64
	// Dependency is the host:port of a KV service (StartKV) the server
	// depends on: with it, the server has a "lookup" tool that asks the
	// dependency over TCP and fails (isError) when it gets no answer
	// within a second. Zero: no dependency, no lookup tool.
	Dependency string
}

func (o Options) name() string {
	if o.Name == "" {
		return "reslua-demo"
	}
	return o.Name
}

func (o Options) version() string {
	if o.Version == "" {
		return "1.0.0"
	}
	return o.Version
}
