// Package engine runs a resilience scenario: it owns the targets, demo
// servers and load generators of one run, records every request in HDR
// histograms, and evaluates the scenario's checks into a verdict.
//
// The engine knows nothing of Lua. A script front end (package luabind)
// drives a Run through its methods: AddTarget, StartDemo, StartLoad, Sleep,
// AddChecks and finally Finish. The same calls on a Run made with
// Config.DryRun validate everything and record the Plan without starting a
// server or sending a request; that is how `reslua check` works.
//
// Load is open-model: arrivals are scheduled at intended times by a Pacer,
// independent of how fast the target answers. Latency is measured from the
// intended time (so a stalled target shows, as in wrk2), service time from
// the actual send. Arrivals that find no free worker wait in a bounded queue;
// past the bound they are dropped and counted.
package engine
