package deploy

import (
	"io"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/reslua/reslua/breaker"
)

// BenchmarkRouterAddedLatency measures what the router adds to a request's
// latency on loopback (DESIGN §12: p50 under 100 µs). Each iteration
// sends one request straight to the backend and one through the router,
// each on its own kept-alive connection, one after the other so both see
// the same machine; it reports the p50 and p99 of each and the difference
// of the p50s.
//
//	go test -run '^$' -bench RouterAddedLatency -benchtime 20000x ./deploy/
func BenchmarkRouterAddedLatency(b *testing.B) {
	for _, bc := range []struct {
		name   string
		router func() *Router
	}{
		{"plain", func() *Router { return &Router{} }},
		{"breaker+sticky", func() *Router {
			return &Router{Sticky: true, Breaker: &breaker.Settings{FailureRate: 0.5, MinCalls: 20}}
		}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			be := newBackendFunc(b, "b", func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.Copy(io.Discard, r.Body)
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(`{"jsonrpc":"2.0","id":1,"result":{}}`))
			})
			r := bc.router()
			r.Routes = []Route{{Name: "b", URL: be.URL()}}
			startRouter(b, r)
			direct, routed := client(b, 1), client(b, 1)
			do := func(c *http.Client, url string) time.Duration {
				start := time.Now()
				req, _ := http.NewRequest(http.MethodGet, url+"/mcp", nil)
				req.Header.Set("Mcp-Session-Id", "bench-session")
				resp, err := c.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				return time.Since(start)
			}
			for range 200 { // warm up connections and pools
				do(direct, be.URL())
				do(routed, r.URL())
			}
			var dd, rd []time.Duration
			for b.Loop() {
				dd = append(dd, do(direct, be.URL()))
				rd = append(rd, do(routed, r.URL()))
			}
			slices.Sort(dd)
			slices.Sort(rd)
			q := func(s []time.Duration, p float64) float64 {
				return float64(s[int(p*float64(len(s)-1))]) / float64(time.Microsecond)
			}
			b.ReportMetric(q(dd, 0.5), "direct-p50-µs")
			b.ReportMetric(q(rd, 0.5), "router-p50-µs")
			b.ReportMetric(q(rd, 0.5)-q(dd, 0.5), "added-p50-µs")
			b.ReportMetric(q(dd, 0.99), "direct-p99-µs")
			b.ReportMetric(q(rd, 0.99), "router-p99-µs")
			b.ReportMetric(0, "ns/op")
		})
	}
}

// BenchmarkRouterParallel measures the router's throughput with many
// concurrent clients over loopback, and its allocations per request.
func BenchmarkRouterParallel(b *testing.B) {
	be := newBackend(b, "b")
	r := startRouter(b, &Router{
		Routes:  []Route{{Name: "blue", URL: be.URL()}, {Name: "green", URL: be.URL()}},
		Weights: Weights{"blue": 90, "green": 10},
	})
	c := client(b, 64)
	b.ReportAllocs()
	b.SetParallelism(8)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := c.Get(r.URL() + "/x")
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	})
}

// BenchmarkLatencyRecord measures the cost a request's latency adds to the
// router's hot path: one bucket index and one atomic add, no allocation.
// "parallel" records from every P into one histogram, as a busy route's
// requests do; the durations spread over the buckets of 50 µs .. 5 ms.
//
//	go test -run '^$' -bench LatencyRecord -benchmem ./deploy/
func BenchmarkLatencyRecord(b *testing.B) {
	ds := make([]time.Duration, 1024)
	for i := range ds {
		ds[i] = 50*time.Microsecond + time.Duration(i*i)*4*time.Nanosecond
	}
	b.Run("serial", func(b *testing.B) {
		var h latencyHist
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			h.record(ds[i&1023])
			i++
		}
	})
	b.Run("parallel", func(b *testing.B) {
		var h latencyHist
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				h.record(ds[i&1023])
				i++
			}
		})
	})
}

// BenchmarkLatencyMark measures Router.Mark, which copies each route's
// histogram, with latencies spread over five decades.
func BenchmarkLatencyMark(b *testing.B) {
	r := &Router{Routes: []Route{{Name: "blue", URL: "http://blue.test"}, {Name: "green", URL: "http://green.test"}}}
	if err := r.init(); err != nil {
		b.Fatal(err)
	}
	for _, rt := range r.routes {
		for d := 10 * time.Microsecond; d < time.Second; d += d / 200 {
			rt.latency.record(d)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = r.Mark()
	}
}
