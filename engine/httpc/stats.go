package httpc

// Stats counts a Client's connection events. The zero value is no events.
type Stats struct {
	// Dials is the number of connections opened.
	Dials int64
	// Reconnects is the number of kept-alive connections found closed by
	// the server and given up for another: at checkout, before a byte of
	// the request was written (most of them), or when the write or the
	// read of the response head failed as a closed connection fails
	// (then the request went again, see Replays).
	Reconnects int64
	// Replays is the number of requests sent again on another connection
	// after part of them may have reached the server on a kept-alive one
	// that turned out closed: only replayable requests (see
	// Request.Replayable), only before a byte of the response. A request
	// of which no byte was written is not counted here.
	Replays int64
}
