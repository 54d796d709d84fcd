// Package deploy moves traffic between versions of a service and decides,
// from live figures, whether the move goes on: a weighted reverse proxy
// (Router), health checks (HealthCheck), and blue-green and canary
// controllers (BlueGreen, Canary) with Argo Rollouts-style analysis.
//
// It is a Go library on its own: reslua's engine and Lua DSL drive it, but
// it knows nothing of either. Of reslua it imports only the sibling breaker
// package, for the per-route circuit breakers, and internal/clock, the
// shared wall clock.
//
// # Router
//
// A Router is a reverse proxy on 127.0.0.1 over named routes ("blue",
// "green", "canary"…), each a backend URL. Each request goes to a route
// chosen by weight, by smooth weighted round-robin (exact over every cycle
// of the weights) or by a seeded pseudo-random draw (the same seed, the same
// choices). SetWeights swaps the weights atomically; a request keeps the
// route it was given. Optionally, requests carrying an Mcp-Session-Id stay
// on the route that issued it while that route has weight (SetSticky and
// ForgetSessions break stickiness on purpose, to measure a re-initialize
// storm). A per-route breaker.Breaker ejects a failing route: its share goes
// to the others, and with every route ejected the router answers 503. Stats
// gives, per route, the requested split beside the achieved one, the
// client-visible errors and the latencies (a Latency: quantiles, mean and
// max within 0.8 %, from a lock-free log-linear histogram per route, timed
// from each request's arrival to its reply's last byte); Mark and Since
// give them per step or per window: with m a Mark taken 5 s ago, green's
// p95 over those 5 s is the Latency.Quantile(95) of Since(m).Route("green").
//
//	r := &deploy.Router{
//		Routes:  []deploy.Route{{Name: "blue", URL: blueURL}, {Name: "green", URL: greenURL}},
//		Weights: deploy.Weights{"blue": 100},
//		Sticky:  true,
//		Breaker: &breaker.Settings{FailureRate: 0.5, MinCalls: 20, OpenFor: breaker.Fixed(2 * time.Second)},
//	}
//	if err := r.Start(ctx); err != nil { … }
//	defer r.Close()
//	// send traffic to r.URL(); later:
//	err := r.SetWeights(deploy.Weights{"blue": 90, "green": 10})
//
// # Rollouts
//
// A rollout moves traffic from an old route to a new one in steps
// (10, 25, 50, 75 and 100 % by default, the reference chapter's), holding
// each step while an Analysis takes measurements through a caller's
// Analyzer. In Argo Rollouts' terms: Interval, Count, FailureLimit,
// InconclusiveLimit, ConsecutiveSuccessLimit. A failed analysis rolls back
// (all traffic to the old version, then the Cleanup action) and says why;
// an inconclusive one pauses and hands the decision (Continue, Promote,
// Rollback, or Hold to stay paused) to the caller's Decide function, or
// returns a Paused result that Resume continues. After the last step the
// new version is promoted.
//
// The work is done by Actions (start the new version, set weights, clean
// up), so a caller can drive a real load balancer or deploy API; the
// Router provides SetWeights. An action's error rolls back and is the
// result's Err. Every step, measurement, gate, pause, decision, rollback and
// promotion is an Event, handed to OnEvent as it happens and kept in the
// Result; with a Router, each step's record counts its requests and
// client-visible errors, so "zero downtime" is a figure.
//
// BlueGreen adds the reference chapter's health checks (five successes in
// a row before any traffic, three with all of it) and, without an
// Analyzer, probes the new version's health at each step. Canary analyses
// each step and checks health only when asked.
//
// # Settings and time
//
// Every configuration is a struct whose zero fields have documented
// defaults; Validate returns a *ValidationError listing every problem,
// each naming its field (errors.Is(err, ErrInvalid)). Everything that
// waits or dates takes a Clock (Now and SleepUntil), so tests run on a
// fake clock or under testing/synctest; every call that blocks takes a
// context.Context first.
package deploy
