package chaos

import (
	"bytes"
	"sync"
	"testing"

	"github.com/reslua/reslua/internal/ssetest"
)

// TestHTTPSSEFullDuplex sends tens of thousands of MCP calls answered with
// SSE by go-sdk's stateful server through a PerRequest proxy with no fault,
// and through one whose fault matches other requests, with and without a
// progress notification before the result, and checks that none is lost
// and that the proxy keeps its connections to the target. net/http's server
// closes a request's body when the reply is flushed (its half-duplex rule
// for HTTP/1.x); the transport, which may still be reading that body for
// its EOF, then closed the target connection in the middle of the reply.
func TestHTTPSSEFullDuplex(t *testing.T) {
	for _, fault := range []bool{false, true} {
		for _, tc := range ssetest.Cases {
			name := tc.Name
			if fault {
				name += ", fault elsewhere"
			}
			t.Run(name, func(t *testing.T) {
				if fault && !(tc.Progress && tc.Pad == 0) {
					t.Skip("one case is enough for the path of a fault that does not match")
				}
				total, conc := tc.Total, 8
				target, calls, closed := ssetest.Server(t, false)
				var logs bytes.Buffer
				var logMu sync.Mutex
				p := startProxy(t, &Proxy{Name: "sse", Scope: PerRequest, Target: target,
					ErrorLog: ssetest.NewLogger(&logMu, &logs)})
				if fault {
					mustAdd(t, p, Fault{Action: Abort{Status: 503}, Match: Match{Path: "/elsewhere"}})
				}
				failed, samples := ssetest.Load(t, p.URL()+"/mcp", total, conc, tc.Progress, tc.Pad)
				t.Logf("%d of %d calls failed %v; the tool completed %d; %d target connections closed",
					failed, total, samples, calls.Load(), closed.Load())
				if failed != 0 {
					t.Errorf("%d of %d calls failed through the proxy: %v", failed, total, samples)
				}
				if n := calls.Load(); n != int64(total) {
					t.Errorf("the target completed %d calls, want %d", n, total)
				}
				if n := closed.Load(); n != 0 {
					t.Errorf("the proxy closed %d connections to the target during the run", n)
				}
				logMu.Lock()
				defer logMu.Unlock()
				if logs.Len() > 0 {
					t.Errorf("proxy logged: %.500s", logs.String())
				}
			})
		}
	}
}
