package demo

// Options configure a demo server. The zero value is a stateful server that
// answers with SSE streams, named "reslua-demo", version "1.0.0".
type Options struct {
	// Name is the server name reported by initialize; zero: "reslua-demo".
	Name string
	// Version is the server version reported by initialize and /health;
	// zero: "1.0.0".
	Version string
	// Stateless makes the server keep no sessions: initialize answers
	// without an Mcp-Session-Id and every request stands alone (GET and
	// DELETE get 405). Zero: sessions are kept.
	Stateless bool
	// JSON makes the server answer requests with one application/json body
	// instead of a text/event-stream. Zero: SSE.
	JSON bool
	// Resumable keeps an in-memory event store so that SSE replies to
	// 2025-11-25 clients start with an empty priming event, as resumable
	// servers do. Zero: no event store, no priming events.
	Resumable bool
	// PageSize is the number of tools per tools/list page; zero: the SDK's
	// default (1000, so every tool fits in one page).
	PageSize int
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
