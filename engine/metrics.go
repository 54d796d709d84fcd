package engine

import (
	"context"
	"fmt"
	"log"
	"math"
	"math/bits"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"
	"github.com/reslua/reslua/breaker"
	"github.com/reslua/reslua/chaos"
	"github.com/reslua/reslua/deploy"
	"github.com/reslua/reslua/engine/outcome"
)

// Prometheus metrics of a run (docs/metrics.md lists them all).
//
// Everything is pulled: a scrape reads the counters, histograms and
// breakers the run keeps anyway, so a request costs nothing more with a
// scraper than without one. A scrape holds each lock it takes for a copy
// or a short walk at most (the longest: a request name's latency
// histogram, 184 KiB, about 30 µs); the figures are computed after. The one cost
// outside a scrape: an open load's scheduler records its lag under lagMu
// (about 10 ns per arrival, uncontended), so that a scrape may read it.

// LatencyBuckets are the upper bounds, in seconds, of the buckets of
// reslua_request_duration_seconds: 1 ms to 10 s, Prometheus's default
// buckets with 1 and 2.5 ms in front. A bucket counts the requests whose
// latency the HDR histogram holds as equivalent to or below its bound
// (within its resolution of 0.1 %).
var LatencyBuckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// ServeMetrics serves the run's Prometheus metrics at /metrics on addr
// ("127.0.0.1:9464"; port 0 picks a free one) until the server is closed
// or ctx is done, whichever comes first. The metrics come from a registry
// of the run's own (not prometheus.DefaultRegisterer), read at each
// scrape: see Gatherer. Call it right after NewRun, on the real run (a dry
// run serves the families without traffic); it may be called before or
// after targets and loads are added, and keeps serving after Finish, so
// that a last scrape sees the final counts (MetricsServer.Linger waits for
// one). When addr is empty or cannot be listened on (in use, malformed),
// it returns nil and an error that wraps ErrRuntime.
func (r *Run) ServeMetrics(ctx context.Context, addr string) (*MetricsServer, error) {
	if addr == "" {
		return nil, fmt.Errorf("%w: metrics: no address to listen on (e.g. 127.0.0.1:9464)", ErrRuntime)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("%w: metrics: %w", ErrRuntime, err)
	}
	errLog := log.New(r.cfg.Log, "metrics: ", 0)
	m := &MetricsServer{URL: "http://" + ln.Addr().String() + "/metrics", clock: r.clock}
	metrics := promhttp.HandlerFor(r.Gatherer(), promhttp.HandlerOpts{
		ErrorLog:      errLog,
		ErrorHandling: promhttp.ContinueOnError, // serve what could be gathered
	})
	mux := http.NewServeMux()
	mux.Handle("/metrics", http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		m.mu.Lock()
		waiting := m.scraped // nil unless Linger was called before this scrape began
		m.mu.Unlock()
		metrics.ServeHTTP(w, req)
		if waiting != nil {
			m.once.Do(func() { close(waiting) })
		}
	}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ErrorLog: errLog}
	go func() { _ = srv.Serve(ln) }() // returns ErrServerClosed once closed
	var once sync.Once
	closeSrv := func() { once.Do(func() { _ = srv.Close() }) }
	stopAfter := context.AfterFunc(ctx, closeSrv)
	m.close = func() {
		stopAfter()
		// Graceful: the scrape Linger waited for has left the handler, but
		// net/http sends the end of its response after that; a hard close
		// could cut it. Scrapes under way get shutdownGrace to finish.
		sctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go func() {
			if r.clock.SleepUntil(sctx, r.clock.Now().Add(shutdownGrace)) == nil {
				cancel()
			}
		}()
		_ = srv.Shutdown(sctx)
		closeSrv()
	}
	r.logf("Prometheus metrics at %s", m.URL)
	return m, nil
}

// shutdownGrace bounds how long MetricsServer.Close waits for scrapes
// under way to finish.
const shutdownGrace = 5 * time.Second

// MetricsServer is the HTTP server of a run's /metrics (Run.ServeMetrics).
// Its zero value is not usable.
type MetricsServer struct {
	// URL is the URL of /metrics, with the real port.
	URL string

	clock Clock
	close func()

	mu      sync.Mutex
	scraped chan struct{} // closed when a scrape begun after Linger's call is served
	once    sync.Once
}

// Close stops serving: it closes the listener, lets scrapes under way
// finish (for up to 5 s on the run's clock), then closes every connection.
// It may be called more than once.
func (m *MetricsServer) Close() { m.close() }

// NextScrape returns a channel closed once a scrape begun after the first
// call of NextScrape (or Linger) has been answered. Call it before telling
// anyone that the server waits for a scrape, so that no scrape is missed.
func (m *MetricsServer) NextScrape() <-chan struct{} {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.scraped == nil {
		m.scraped = make(chan struct{})
	}
	return m.scraped
}

// Linger keeps serving after the run, so that a scraper gets the final
// counts: it returns once a scrape that began after the call has been
// answered (true), or when d has passed on the run's clock or ctx is done
// (false), whichever is first; a scrape begun after an earlier NextScrape
// counts too. A scrape under way before does not: it may have read the
// counts before the run's end. Call it after Run.Finish, once.
func (m *MetricsServer) Linger(ctx context.Context, d time.Duration) (scraped bool) {
	done := m.NextScrape()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	timedOut := make(chan struct{})
	go func() {
		if m.clock.SleepUntil(ctx, m.clock.Now().Add(d)) == nil {
			close(timedOut)
		}
	}()
	select {
	case <-done:
		return true
	case <-timedOut:
	case <-ctx.Done():
	}
	// A scrape may have been answered meanwhile.
	select {
	case <-done:
		return true
	default:
		return false
	}
}

// Gatherer returns a gatherer of the run's metrics, each Gather reading
// the run as it is then; ServeMetrics serves one. Each call returns a new
// registry of its own. With Config.TestID, every series has the label
// testid.
func (r *Run) Gatherer() prometheus.Gatherer {
	m := &runMetrics{run: r, reg: prometheus.NewRegistry(), breakers: map[*breaker.Breaker]bool{}}
	m.regr = m.reg
	if r.cfg.TestID != "" {
		m.regr = prometheus.WrapRegistererWith(prometheus.Labels{"testid": r.cfg.TestID}, m.reg)
	}
	m.regr.MustRegister(newRunCollector(r))
	return m
}

// runMetrics is the registry of a run's metrics. The breakers' own
// collectors (breaker.Breaker.Collector) join it when a scrape first sees
// them, each once.
type runMetrics struct {
	run  *Run
	reg  *prometheus.Registry
	regr prometheus.Registerer // reg, adding the label testid when there is one

	mu       sync.Mutex
	breakers map[*breaker.Breaker]bool // registered (or failed to)
}

// Gather registers the breakers added since the last scrape, then gathers.
func (m *runMetrics) Gather() ([]*dto.MetricFamily, error) {
	m.syncBreakers()
	return m.reg.Gather()
}

// syncBreakers registers the collector of every breaker of the run not
// registered yet: targets' client-side breakers and routes' breakers. A
// route's breaker is named after the route, that is after its target, so
// both may be called "green": the label router tells them apart (the
// router's name for a route's breaker, "" for a target's).
func (m *runMetrics) syncBreakers() {
	r := m.run
	if r.cfg.DryRun {
		return // no breaker is made
	}
	type named struct {
		b      *breaker.Breaker
		router string
	}
	var all []named
	r.mu.Lock()
	for _, t := range r.targets {
		if t.breaker != nil {
			all = append(all, named{t.breaker, ""})
		}
	}
	routers := append([]*Router(nil), r.routers...)
	r.mu.Unlock()
	for _, ro := range routers {
		for _, name := range ro.Routes() {
			if b := ro.dr.RouteBreaker(name); b != nil {
				all = append(all, named{b, ro.spec.Name})
			}
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, n := range all {
		if m.breakers[n.b] {
			continue
		}
		m.breakers[n.b] = true
		c := prometheus.WrapCollectorWith(prometheus.Labels{"router": n.router}, n.b.Collector())
		if err := m.regr.Register(c); err != nil {
			r.logf("metrics: breaker of %q (router %q) left out: %v", n.b.Name(), n.router, err)
		}
	}
}

// runCollector reads the run's loads, routers, proxies and rollouts at
// each scrape.
type runCollector struct {
	run *Run

	requests, duration                  *prometheus.Desc
	routeRequests, routeErrors          *prometheus.Desc
	routeDiverted, routeWeight          *prometheus.Desc
	routerUnrouted                      *prometheus.Desc
	faults                              *prometheus.Desc
	rolloutStep, rolloutWeight          *prometheus.Desc
	lag, scheduled, dropped, queueDepth *prometheus.Desc
	elapsed                             *prometheus.Desc
}

func newRunCollector(r *Run) *runCollector {
	d := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc(name, help, labels, nil)
	}
	return &runCollector{
		run:            r,
		requests:       d("reslua_requests_total", "Requests completed, by load, request name and outcome (ok or the error kind).", "load", "request", "outcome"),
		duration:       d("reslua_request_duration_seconds", "Request latency from the intended start (corrected for coordinated omission), by load and request name.", "load", "request"),
		routeRequests:  d("reslua_route_requests_total", "Requests a router sent to a route.", "router", "route"),
		routeErrors:    d("reslua_route_errors_total", "Requests a router sent to a route whose client saw a 5xx reply or a transport error.", "router", "route"),
		routeDiverted:  d("reslua_route_diverted_total", "Requests meant for a route that its breaker turned away to other routes.", "router", "route"),
		routeWeight:    d("reslua_route_weight", "A route's weight in force.", "router", "route"),
		routerUnrouted: d("reslua_router_unrouted_total", "Requests a router answered 503 because every route with weight was ejected.", "router"),
		faults:         d("reslua_faults_active", "Faults active on a fault proxy, by kind.", "proxy", "kind"),
		rolloutStep:    d("reslua_rollout_step", "The step a rollout is at (or ended in), from 1; 0 before its first step.", "rollout"),
		rolloutWeight:  d("reslua_rollout_weight", "The new route's weight as the rollout last set it (0 after a rollback).", "rollout"),
		lag:            d("reslua_generator_scheduler_lag_seconds", "How late the scheduler started a load's requests, p99 since the load began.", "load"),
		scheduled:      d("reslua_generator_scheduled_total", "Arrivals a load's scheduler let go (open model) or requests its users started (closed).", "load"),
		dropped:        d("reslua_generator_dropped_total", "Arrivals dropped because a load's queue was full.", "load"),
		queueDepth:     d("reslua_generator_queue_depth_max", "The deepest a load's queue of arrivals waiting for a worker has been.", "load"),
		elapsed:        d("reslua_run_elapsed_seconds", "Time since the run started."),
	}
}

func (c *runCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.requests, c.duration, c.routeRequests, c.routeErrors, c.routeDiverted,
		c.routeWeight, c.routerUnrouted, c.faults, c.rolloutStep, c.rolloutWeight, c.lag, c.scheduled, c.dropped,
		c.queueDepth, c.elapsed} {
		ch <- d
	}
}

func (c *runCollector) Collect(ch chan<- prometheus.Metric) {
	r := c.run
	r.mu.Lock()
	loads := append([]*Load(nil), r.loads...)
	routers := append([]*Router(nil), r.routers...)
	proxies := append([]*FaultProxy(nil), r.proxies...)
	rollouts := append([]*Rollout(nil), r.rollouts...)
	r.mu.Unlock()

	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	counter := func(d *prometheus.Desc, v int64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	gauge(c.elapsed, r.Elapsed().Seconds())
	for _, l := range loads {
		c.collectLoad(ch, l)
		counter(c.scheduled, l.scheduled.Load(), l.spec.Name)
		counter(c.dropped, l.dropped.Load(), l.spec.Name)
		gauge(c.queueDepth, float64(l.queueMax.Load()), l.spec.Name)
		var p99 int64
		l.lagMu.Lock()
		if l.lag.TotalCount() > 0 {
			p99 = l.lag.ValueAtQuantile(99) // walks the counts up to the p99 only
		}
		l.lagMu.Unlock()
		gauge(c.lag, float64(p99)/1e6, l.spec.Name)
	}
	if !r.cfg.DryRun { // a dry run's routers are not built
		for _, ro := range routers {
			st := ro.dr.Stats()
			for _, rs := range st.Routes {
				counter(c.routeRequests, rs.Requests, ro.spec.Name, rs.Name)
				counter(c.routeErrors, rs.Errors, ro.spec.Name, rs.Name)
				counter(c.routeDiverted, rs.Diverted, ro.spec.Name, rs.Name)
				gauge(c.routeWeight, float64(rs.Weight), ro.spec.Name, rs.Name)
			}
			counter(c.routerUnrouted, st.Unrouted, ro.spec.Name)
		}
	}
	kinds := chaos.Kinds()
	for _, fp := range proxies {
		active := map[string]int{}
		for _, f := range fp.p.Faults() {
			if f.Active {
				active[f.Kind]++
			}
		}
		for _, k := range kinds {
			gauge(c.faults, float64(active[k]), fp.name, k)
		}
	}
	// A rollout is labelled with its new route, as on the timeline; when
	// the script rolls the same route out twice, the later one is shown.
	latest := map[string]rolloutLive{}
	var order []string
	for _, ro := range rollouts {
		if _, ok := latest[ro.to]; !ok {
			order = append(order, ro.to)
		}
		ro.liveMu.Lock()
		latest[ro.to] = ro.live
		ro.liveMu.Unlock()
	}
	for _, to := range order {
		gauge(c.rolloutStep, float64(latest[to].step), to)
		gauge(c.rolloutWeight, float64(latest[to].weight), to)
	}
}

// collectLoad sends the requests and latencies of each request name of l.
func (c *runCollector) collectLoad(ch chan<- prometheus.Metric, l *Load) {
	for _, s := range l.names {
		s.mu.Lock()
		count := s.count
		errs := make(map[outcome.Kind]int64, len(s.errors))
		for k, v := range s.errors {
			errs[k] = v
		}
		counts := s.latency.Export().Counts // a copy
		s.mu.Unlock()

		ok := count
		for k, v := range errs {
			ok -= v
			ch <- prometheus.MustNewConstMetric(c.requests, prometheus.CounterValue, float64(v), l.spec.Name, s.name, string(k))
		}
		ch <- prometheus.MustNewConstMetric(c.requests, prometheus.CounterValue, float64(ok), l.spec.Name, s.name, string(outcome.OK))
		total, sum, buckets := latencyHistogram(counts)
		ch <- prometheus.MustNewConstHistogram(c.duration, total, sum, buckets, l.spec.Name, s.name)
	}
}

// latencyHistogram turns the counts of an engine histogram (newHistogram,
// microseconds) into a Prometheus histogram in seconds: the total, the sum
// (each value taken as the middle of its HDR range, as HDR's mean does)
// and the cumulative count at each of LatencyBuckets.
func latencyHistogram(counts []int64) (total uint64, sum float64, buckets map[float64]uint64) {
	cum := make([]uint64, len(LatencyBuckets))
	var sumUS float64
	b := 0 // the first bound at or above the values seen
	for i, n := range counts {
		if n == 0 {
			continue
		}
		lo, width := engineHDR.valueRange(i)
		for b < len(LatencyBuckets) && lo > boundsUS[b] {
			cum[b] = total
			b++
		}
		total += uint64(n)
		sumUS += float64(n) * float64(lo+width/2)
	}
	for ; b < len(LatencyBuckets); b++ {
		cum[b] = total
	}
	buckets = make(map[float64]uint64, len(LatencyBuckets))
	for i, le := range LatencyBuckets {
		buckets[le] = cum[i]
	}
	return total, sumUS / 1e6, buckets
}

// boundsUS are LatencyBuckets in microseconds.
var boundsUS = func() []int64 {
	out := make([]int64, len(LatencyBuckets))
	for i, s := range LatencyBuckets {
		out[i] = int64(math.Round(s * 1e6))
	}
	return out
}()

// hdrIndex maps a count's index in an HDR histogram's counts (as Export
// gives them) to the values it holds; the layout is HdrHistogram's own,
// the same in every implementation.
type hdrIndex struct{ unitMag, subHalfMag uint }

// engineHDR is the layout of the engine's histograms (newHistogram).
var engineHDR = newHDRIndex(histMin, histSigFigs)

func newHDRIndex(lowest int64, sigFigs int) hdrIndex {
	largest := 2 * int64(math.Pow10(sigFigs)) // kept at unit resolution
	subCountMag := bits.Len64(uint64(largest - 1))
	return hdrIndex{unitMag: uint(bits.Len64(uint64(lowest)) - 1), subHalfMag: uint(max(subCountMag, 1) - 1)}
}

// valueRange returns the lowest value held at index i and the width of
// the range of values held there.
func (g hdrIndex) valueRange(i int) (lowest, width int64) {
	half := 1 << g.subHalfMag
	bucket := i>>g.subHalfMag - 1
	sub := i&(half-1) + half
	if bucket < 0 {
		bucket, sub = 0, i
	}
	shift := uint(bucket) + g.unitMag
	return int64(sub) << shift, 1 << shift
}

// rolloutLive is where a rollout is: its step (0 before the first) and
// the new route's weight as last set.
type rolloutLive struct{ step, weight int }

// noteLive records where the rollout is after event e.
func (ro *Rollout) noteLive(e deploy.Event) {
	ro.liveMu.Lock()
	defer ro.liveMu.Unlock()
	if e.Step > 0 {
		ro.live.step = e.Step
	}
	if e.Weights != nil {
		ro.live.weight = e.Weights[ro.to]
	}
}
