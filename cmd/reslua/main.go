package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"syscall"
)

func main() {
	// The load scheduler (engine.PreciseClock) ends each wait in nanosleep,
	// which keeps its Go processor (P) for the length of the sleep. With a
	// single P, as on one pinned core, workers woken by the scheduler and
	// replies waiting in the network poller would sit behind that sleep:
	// at 5,000/s it added about 0.3 ms to the median reply and doubled p99.
	// A second P lets them run meanwhile; it costs no CPU when idle.
	if runtime.GOMAXPROCS(0) < 2 {
		runtime.GOMAXPROCS(2)
	}
	// The first SIGINT or SIGTERM interrupts the run: faults and weights
	// rolled back, arrivals stopped, requests in flight given the grace
	// period. The second cuts that grace short (and --metrics-linger's
	// wait), never the outputs: what was recorded is still written. Only a
	// third exits at once; an output not yet in place is then not written
	// (each is renamed into place whole, never left half-written).
	ctx, interrupt := context.WithCancel(context.Background())
	hard, stopNow := context.WithCancel(context.Background())
	signals := make(chan os.Signal, 3)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-signals
		fmt.Fprintln(os.Stderr, "\nreslua: interrupted: faults removed, arrivals stopped, waiting for requests in flight (interrupt again to stop waiting)")
		interrupt()
		<-signals
		fmt.Fprintln(os.Stderr, "reslua: interrupted again: cutting requests in flight short, then writing the outputs (a third interrupt exits at once, without them)")
		stopNow()
		<-signals
		fmt.Fprintln(os.Stderr, "reslua: stopped at once; outputs not yet written are lost")
		os.Exit(exitInterrupted)
	}()
	ctx = withHardStop(ctx, hard)
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}
