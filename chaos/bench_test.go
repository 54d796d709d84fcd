package chaos

import (
	"io"
	"net/http"
	"slices"
	"testing"
	"time"
)

// BenchmarkProxyOverhead measures the latency a PerRequest proxy with no
// fault adds on loopback (DESIGN §12: p50 under 100 µs). Each iteration
// sends one GET straight to the target and one through the proxy, on
// kept-alive connections, and the benchmark reports the p50 of each and
// their difference.
func BenchmarkProxyOverhead(b *testing.B) {
	target := newBackend(b)
	p := startProxy(b, &Proxy{Scope: PerRequest, Target: target.URL})
	benchOverhead(b, func(c *http.Client) error { return fetch(c, target.URL+"/x") }, func(c *http.Client) error { return fetch(c, p.URL()+"/x") })
}

// BenchmarkProxyOverheadWithIdleFault is the same with a fault that
// matches no request: the cost of matching.
func BenchmarkProxyOverheadWithIdleFault(b *testing.B) {
	target := newBackend(b)
	p := startProxy(b, &Proxy{Scope: PerRequest, Target: target.URL})
	mustAdd(b, p, Fault{Action: Abort{}, Match: Match{Path: "/never"}})
	benchOverhead(b, func(c *http.Client) error { return fetch(c, target.URL+"/x") }, func(c *http.Client) error { return fetch(c, p.URL()+"/x") })
}

// BenchmarkTCPProxyOverhead measures a PerConnection proxy: one echo
// round trip on a kept connection, direct and through the proxy.
func BenchmarkTCPProxyOverhead(b *testing.B) {
	target := tcpServer(b, echo)
	p := tcpProxy(b, target, nil)
	direct, proxied := dial(b, target), dial(b, p.Addr())
	msg := []byte("ping\n")
	buf := make([]byte, len(msg))
	rt := func(c io.ReadWriter) error {
		if _, err := c.Write(msg); err != nil {
			return err
		}
		_, err := io.ReadFull(c, buf)
		return err
	}
	benchOverhead(b, func(*http.Client) error { return rt(direct) }, func(*http.Client) error { return rt(proxied) })
}

func benchOverhead(b *testing.B, direct, proxied func(*http.Client) error) {
	c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4, DisableCompression: true}}
	defer c.CloseIdleConnections()
	// Warm up the connections.
	for range 100 {
		if err := direct(c); err != nil {
			b.Fatal(err)
		}
		if err := proxied(c); err != nil {
			b.Fatal(err)
		}
	}
	var d, p []time.Duration
	b.ResetTimer()
	for b.Loop() {
		t0 := time.Now()
		if err := direct(c); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if err := proxied(c); err != nil {
			b.Fatal(err)
		}
		t2 := time.Now()
		d = append(d, t1.Sub(t0))
		p = append(p, t2.Sub(t1))
	}
	b.StopTimer()
	pd, pp := median(d), median(p)
	b.ReportMetric(float64(pd.Microseconds()), "p50-direct-µs")
	b.ReportMetric(float64(pp.Microseconds()), "p50-proxy-µs")
	b.ReportMetric(float64((pp - pd).Microseconds()), "p50-added-µs")
}

func fetch(c *http.Client, url string) error {
	res, err := c.Get(url)
	if err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return err
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}
