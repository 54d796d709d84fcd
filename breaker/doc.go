// Package breaker is a circuit breaker: it stops calling a dependency that
// keeps failing, lets a few probe calls through after a while, and resumes
// when they succeed.
//
// It is a Go library on its own (reslua's engine and Lua DSL use it, but
// it knows nothing of either). Its semantics are those of the reference
// chapter's ProductionCircuitBreaker, completed with what resilience4j,
// sony/gobreaker and Envoy do:
//
//   - CLOSED → OPEN when any trip rule is reached: consecutive failures;
//     the failure rate or the slow-call rate over a sliding window, once it
//     holds MinCalls calls; an absolute number of failures in the window.
//     The window is count-based (the last N results) or time-based
//     (buckets covering a duration).
//   - OPEN lasts as long as a Backoff says: Fixed, Doubling (the chapter's
//     base·2^min(opens−1, 5)), Exponential with a cap, or Linear (Envoy's
//     ejection time). The count of openings restarts when the breaker
//     closes.
//   - HALF_OPEN admits HalfOpenPermits probes; SuccessThreshold successes
//     close the breaker, any failure opens it again.
//   - Each transition begins a generation. A result reported for a call
//     admitted in an earlier generation is counted in the metrics but does
//     not move the breaker: a slow call admitted while closed cannot reopen
//     a breaker that has since recovered.
//
// Outcomes are success, failure, slow, timeout, ignored (a call the caller
// cancelled: it says nothing about the callee), rejected and fallback (a
// rejected call answered by Settings.Fallback). Besides ModeNormal, a
// breaker can be forced open, disabled (never rejects, never trips), or
// run in ModeMetricsOnly (computes everything, rejects nothing).
//
// # Use
//
// The two-step form is for hot paths; it allocates nothing and, while the
// breaker is closed, takes no lock:
//
//	tok, err := b.Allow()
//	if err != nil {
//		return err // errors.Is(err, breaker.ErrRejected)
//	}
//	start := clock.Now()
//	err = call()
//	b.Record(tok, outcomeOf(err), clock.Now().Sub(start))
//
// Execute wraps the same for a function:
//
//	err := b.Execute(ctx, func(ctx context.Context) error { return call(ctx) })
//
// # Time
//
// A breaker reads time only from Settings.Clock, so tests drive it with a
// fake clock; nothing in the package sleeps. The transition from OPEN to
// HALF_OPEN happens on the first Allow (or State) after the open period,
// and is dated at the period's end.
//
// # Metrics
//
// Collector exports circuit_breaker_requests_total{circuit_name, state,
// outcome}, circuit_breaker_state{circuit_name},
// circuit_breaker_failure_rate{circuit_name} and
// circuit_breaker_slow_call_rate{circuit_name}, read from the breaker's own
// counters at scrape time.
package breaker
