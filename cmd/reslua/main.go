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
	ctx, interrupt := context.WithCancel(context.Background())
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-signals
		fmt.Fprintln(os.Stderr, "\nreslua: interrupted: stopping arrivals and waiting for requests in flight (interrupt again to stop at once)")
		interrupt()
		<-signals
		fmt.Fprintln(os.Stderr, "reslua: stopped at once")
		os.Exit(exitInterrupted)
	}()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}
