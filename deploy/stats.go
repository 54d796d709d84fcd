package deploy

import (
	"sync/atomic"

	"github.com/reslua/reslua/breaker"
)

// counters are one route's traffic counters, on their own cache lines.
type counters struct {
	_        [64]byte
	requests atomic.Int64 // requests sent to the route
	errors   atomic.Int64 // of those, 5xx replies and transport errors
	canceled atomic.Int64 // of those, abandoned by their client
	diverted atomic.Int64 // requests the route's breaker turned away
	answered atomic.Int64 // requests whose reply status or failure is known
	_        [24]byte
}

// Mark is a snapshot of a router's counters and latency histograms;
// Router.Since(m) returns the traffic after it. The zero Mark is the
// router's start.
type Mark struct {
	routes   []routeMark
	unrouted int64
}

type routeMark struct {
	requests, errors, canceled, diverted, answered int64
	latency                                        Latency
}

// Stats is a router's traffic: per route, the split it was asked for
// beside the split it achieved, the errors its clients saw and the
// latencies they had.
type Stats struct {
	// Routes are in the order of Router.Routes.
	Routes []RouteStats
	// Requests counts every request the router answered or is answering:
	// the routed ones and the Unrouted ones.
	Requests int64
	// Errors counts the requests whose client saw an error: 5xx replies
	// (the router's own 502 and 503 included) and transport errors. This
	// is the "client-visible errors" figure of a deployment step.
	Errors int64
	// Unrouted counts requests answered 503 because every route with
	// weight was ejected by its breaker.
	Unrouted int64
}

// RouteStats is one route's share of the traffic.
type RouteStats struct {
	Name string
	// Weight is the route's weight now, and Requested its share of the
	// sum of weights in percent.
	Weight    int
	Requested float64
	// Requests counts the requests sent to the route; Achieved is their
	// share of all routed requests in percent.
	Requests int64
	Achieved float64
	// Errors counts the requests sent to the route whose client saw a 5xx
	// reply or a transport error (the router answers those with 502).
	Errors int64
	// Canceled counts the requests sent to the route that their client
	// abandoned before the reply was complete; they are not errors.
	Canceled int64
	// Answered counts the requests sent to the route whose outcome the
	// router saw after the mark: a reply's status, a failure, or the
	// client leaving. Requests counts a request when it arrives, Errors
	// and Canceled when its outcome is known: over a short window with
	// requests under way at its edges, Errors/Answered is the error rate,
	// not Errors/Requests.
	Answered int64
	// Diverted counts requests that were meant for the route but that its
	// breaker turned away, so they went to another route (or, with every
	// route ejected, were answered 503).
	Diverted int64
	// Breaker is the route's breaker state; StateClosed without a breaker.
	Breaker breaker.State
	// Latency is the distribution of the route's request latencies: for
	// each request the route answered, the time from its arrival at the
	// router to the moment the proxy had written the reply's last byte
	// for the client (for a stream, its whole length), by the router's
	// Clock. Errors are in it (a 502 for a backend down is timed like
	// any reply); Canceled requests are not, as their end is their
	// client's doing. A request counts in Requests when it arrives and
	// in Latency when it ends, so once no request is under way
	// Latency.Count() is Requests − Canceled. The p95 is
	// Latency.Quantile(95).
	Latency Latency
}

// Mark returns a snapshot of the router's counters and latency
// histograms, for Since. It reads each route's histogram (2,368 atomic
// loads, some 6 µs) and copies its non-empty span (at most 18.5 KiB), so
// calling it a few times per second costs next to nothing.
func (r *Router) Mark() Mark {
	if r.init() != nil {
		return Mark{}
	}
	m := Mark{routes: make([]routeMark, len(r.routes)), unrouted: r.unrouted.Load()}
	for i, rt := range r.routes {
		c := &rt.counters
		m.routes[i] = routeMark{
			requests: c.requests.Load(), errors: c.errors.Load(),
			canceled: c.canceled.Load(), diverted: c.diverted.Load(),
			answered: c.answered.Load(),
			latency:  rt.latency.snapshot(),
		}
	}
	return m
}

// Stats returns the traffic since the router started.
func (r *Router) Stats() Stats { return r.Since(Mark{}) }

// Since returns the traffic after the mark m: the counts of requests that
// arrived after it, and the latencies of requests that ended after it
// (the histograms' difference, bucket by bucket). Weight and Requested
// are the weights now: a caller that wants the figures of one set of
// weights (one deployment step) takes a Mark when it sets them and calls
// Since before it changes them. A caller that measures period after period
// uses Between, so that no request falls between two calls.
func (r *Router) Since(m Mark) Stats { return r.Between(m, r.Mark()) }

// Between returns the traffic between the marks m and now, taken in that
// order, as Since does up to now: with now := Mark(), Between(m, now) and
// then Between(now, Mark()) count every request once.
func (r *Router) Between(m, now Mark) Stats {
	if r.init() != nil {
		return Stats{}
	}
	if len(now.routes) != len(r.routes) {
		// The zero Mark: the router's start.
		now.routes = make([]routeMark, len(r.routes))
	}
	t := r.table.Load()
	sum := 0
	for _, w := range t.weights {
		sum += w
	}
	s := Stats{Routes: make([]RouteStats, len(r.routes)), Unrouted: now.unrouted - m.unrouted}
	var routed int64
	for i, rt := range r.routes {
		var before routeMark
		if i < len(m.routes) {
			before = m.routes[i]
		}
		cur := now.routes[i]
		rs := RouteStats{
			Name:     rt.name,
			Weight:   t.weights[i],
			Requests: cur.requests - before.requests,
			Errors:   cur.errors - before.errors,
			Canceled: cur.canceled - before.canceled,
			Answered: cur.answered - before.answered,
			Diverted: cur.diverted - before.diverted,
			Latency:  cur.latency.sub(before.latency),
		}
		if sum > 0 {
			rs.Requested = 100 * float64(rs.Weight) / float64(sum)
		}
		if rt.breaker != nil {
			rs.Breaker = rt.breaker.Stats().State
		}
		routed += rs.Requests
		s.Errors += rs.Errors
		s.Routes[i] = rs
	}
	for i := range s.Routes {
		if routed > 0 {
			s.Routes[i].Achieved = 100 * float64(s.Routes[i].Requests) / float64(routed)
		}
	}
	s.Requests = routed + s.Unrouted
	s.Errors += s.Unrouted
	return s
}

// Route returns the stats of the route called name, and whether there is
// one.
func (s Stats) Route(name string) (RouteStats, bool) {
	for _, r := range s.Routes {
		if r.Name == name {
			return r, true
		}
	}
	return RouteStats{}, false
}
