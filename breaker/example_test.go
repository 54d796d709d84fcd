package breaker_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/reslua/reslua/breaker"
)

func Example() {
	b, err := breaker.New(breaker.Settings{
		Name:        "payments",
		FailureRate: 0.5, // open at 50 % failures …
		MinCalls:    10,  // … over at least 10 of the last 100 calls
		OpenFor:     breaker.Exponential{Initial: time.Second, Max: time.Minute},
		OnStateChange: func(name string, from, to breaker.State) {
			fmt.Printf("%s: %v → %v\n", name, from, to)
		},
		Registerer: prometheus.NewRegistry(),
	})
	if err != nil {
		panic(err)
	}
	failing := errors.New("503")
	for range 10 {
		_ = b.Execute(context.Background(), func(context.Context) error { return failing })
	}
	err = b.Execute(context.Background(), func(context.Context) error { return nil })
	fmt.Println(errors.Is(err, breaker.ErrRejected), b.OpenDurations())
	// Output:
	// payments: closed → open
	// true [1s]
}

func ExampleBreaker_Allow() {
	b, _ := breaker.New(breaker.Settings{ConsecutiveFailures: 3})
	call := func() error { return nil }

	tok, err := b.Allow()
	if err != nil {
		return // rejected: errors.Is(err, breaker.ErrRejected)
	}
	start := time.Now()
	err = call()
	outcome := breaker.OutcomeSuccess
	if err != nil {
		outcome = breaker.OutcomeFailure
	}
	b.Record(tok, outcome, time.Since(start))
	fmt.Println(b.State())
	// Output: closed
}
