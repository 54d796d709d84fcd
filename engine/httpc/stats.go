package httpc

// Stats counts a Client's connection events. The zero value is no events.
type Stats struct {
	// Dials is the number of connections opened.
	Dials int64
	// Replays is the number of requests sent again on a fresh connection
	// after a kept-alive one turned out closed.
	Replays int64
}
