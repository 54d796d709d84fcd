package deploy

import (
	"bytes"
	"sync"
	"testing"

	"github.com/reslua/reslua/internal/ssetest"
)

// TestRouterSSEFullDuplex sends tens of thousands of MCP calls answered
// with SSE by go-sdk's stateful server through the router, with and
// without a progress notification before the result, and checks that none
// is lost, that the router's counts are exact and that it keeps its
// connections to the backend. net/http's server closes a request's body
// when the reply is flushed (its half-duplex rule for HTTP/1.x); the
// transport, which may still be reading that body for its EOF, then closed
// the backend connection in the middle of the reply (before the fix, on a
// 2-core machine: 11 of 10,000 calls with progress ended in an unexpected
// EOF, and 6 connections were cut under the plain replies).
//
// The last case sends bodies too big for the router to read before
// forwarding: they are streamed, with the server in full-duplex mode.
func TestRouterSSEFullDuplex(t *testing.T) {
	for _, tc := range ssetest.Cases {
		t.Run(tc.Name, func(t *testing.T) {
			total, conc := tc.Total, 8
			backend, calls, closed := ssetest.Server(t, false)
			var logs bytes.Buffer
			var logMu sync.Mutex
			r := startRouter(t, &Router{
				Routes:   []Route{{Name: "blue", URL: backend}},
				ErrorLog: ssetest.NewLogger(&logMu, &logs),
			})
			failed, samples := ssetest.Load(t, r.URL()+"/mcp", total, conc, tc.Progress, tc.Pad)
			st := r.Stats()
			t.Logf("%d of %d calls failed %v; router: %d requests, %d errors, %d canceled; the tool completed %d; %d backend connections closed",
				failed, total, samples, st.Requests, st.Errors, st.Routes[0].Canceled, calls.Load(), closed.Load())
			if failed != 0 {
				t.Errorf("%d of %d calls failed through the router: %v", failed, total, samples)
			}
			// Each client opens its session with initialize and
			// notifications/initialized.
			want := int64(total + 2*conc)
			if st.Requests != want || st.Errors != 0 || st.Routes[0].Canceled != 0 {
				t.Errorf("router counted %d requests, %d errors, %d canceled; want %d, 0, 0",
					st.Requests, st.Errors, st.Routes[0].Canceled, want)
			}
			if n := calls.Load(); n != int64(total) {
				t.Errorf("the backend completed %d calls, want %d", n, total)
			}
			// The router keeps up to 1024 idle connections per backend,
			// and none is idle for long: none should close during the run.
			if n := closed.Load(); n != 0 {
				t.Errorf("the router closed %d connections to the backend during the run", n)
			}
			logMu.Lock()
			defer logMu.Unlock()
			if logs.Len() > 0 {
				t.Errorf("router logged: %.500s", logs.String())
			}
		})
	}
}
