package chaos_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/reslua/reslua/chaos"
)

// A retry test: the first two calls fail with 503, the third reaches the
// target.
func Example() {
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "hello")
	}))
	defer target.Close()

	p := &chaos.Proxy{Name: "api", Scope: chaos.PerRequest, Target: target.URL, Seed: 42}
	if err := p.Start(context.Background()); err != nil {
		panic(err)
	}
	defer p.Close()
	id, err := p.Add(chaos.Fault{Action: chaos.Abort{Status: 503}, First: 2})
	if err != nil {
		panic(err)
	}
	for range 3 {
		res, err := http.Get(p.URL() + "/greeting")
		if err != nil {
			panic(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		fmt.Printf("%d %q\n", res.StatusCode, body)
	}
	st, _ := p.Stats(id)
	fmt.Printf("%s: matched %d, injected %d\n", id, st.Matched, st.Injected)
	// Output:
	// 503 "Service Unavailable\n"
	// 503 "Service Unavailable\n"
	// 200 "hello"
	// abort-1: matched 3, injected 2
}

// Validation names every problem and its field.
func ExampleFault_Validate() {
	f := chaos.Fault{
		Action:      chaos.Latency{Delay: -1},
		Probability: 1.2,
		Match:       chaos.Match{Tool: "echo"},
	}
	fmt.Println(f.Validate(chaos.PerConnection))
	_, err := chaos.NewAction("latncy")
	fmt.Println(err)
	// Output:
	// chaos: invalid fault "latency": Probability: 1.2 is outside 0..1; Match.Tool: not available on a per-connection (TCP) proxy, which sees bytes, not requests; leave it empty; Latency.Delay: -1ns is negative; want a duration of zero or more
	// chaos: unknown fault kind "latncy" (did you mean "latency"?); known kinds: abort, bandwidth, blackhole, cut, jsonrpc_error, latency, reset, slow_close
}
