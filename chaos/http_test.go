package chaos

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func TestHTTPPassThrough(t *testing.T) {
	b := newBackend(t)
	p := httpProxy(t, b, 1, nil)
	if want := "http://" + p.Addr(); p.URL() != want {
		t.Errorf("URL = %q, want %q", p.URL(), want)
	}
	req, _ := http.NewRequest("POST", p.URL()+"/echo?a=1&b=two", strings.NewReader("hello body"))
	req.Header.Set("X-Custom", "v1")
	req.Header.Set("X-Forwarded-For", "10.0.0.1")
	req.Header.Set("Mcp-Session-Id", "s-1")
	res, err := newClient(t).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var got struct {
		Method, Path, Query, Host, Body string
		Header                          http.Header
	}
	if err := json.NewDecoder(res.Body).Decode(&got); err != nil {
		t.Fatal(err)
	}
	backendHost := strings.TrimPrefix(b.URL, "http://")
	if got.Method != "POST" || got.Path != "/echo" || got.Query != "a=1&b=two" || got.Body != "hello body" || got.Host != backendHost {
		t.Errorf("target saw %+v", got)
	}
	for name, want := range map[string]string{"X-Custom": "v1", "X-Forwarded-For": "10.0.0.1", "Mcp-Session-Id": "s-1"} {
		if v := got.Header.Get(name); v != want {
			t.Errorf("target saw %s = %q, want %q", name, v, want)
		}
	}
	if res.Header.Get("Content-Type") != "application/json" {
		t.Errorf("response Content-Type = %q", res.Header.Get("Content-Type"))
	}
}

func TestHTTPKeepsTargetConnectionsAlive(t *testing.T) {
	b := newBackend(t)
	p := httpProxy(t, b, 1, nil)
	mustAdd(t, p, Fault{Action: Latency{Delay: time.Nanosecond}, Match: Match{Path: "/slow"}})
	c := newClient(t)
	for i := range 20 {
		path := "/x"
		if i%2 == 1 {
			path = "/slow"
		}
		if status, _ := get(t, c, p.URL()+path); status != 200 {
			t.Fatalf("status %d", status)
		}
	}
	if n := b.conns.Load(); n != 1 {
		t.Errorf("target accepted %d connections for 20 sequential requests, want 1", n)
	}
}

func TestFaultsChainInOrder(t *testing.T) {
	b := newBackend(t)
	clk := newFakeClock()
	p := httpProxy(t, b, 1, clk)
	c := newClient(t)
	// A delay, then an abort: the abort comes after the delay.
	slow := mustAdd(t, p, Fault{Action: Latency{Delay: time.Second}, Match: Match{Path: "/a"}})
	mustAdd(t, p, Fault{Action: Abort{}, Match: Match{Path: "/a"}})
	if status, _, took := timedGet(t, clk, c, p.URL()+"/a"); status != 503 || took != time.Second {
		t.Errorf("/a: %d after %v; want 503 after 1s", status, took)
	}
	// An abort, then a delay: the delay never sees the request.
	mustAdd(t, p, Fault{Action: Abort{Status: 500}, Match: Match{Path: "/b"}})
	late := mustAdd(t, p, Fault{Action: Latency{Delay: time.Second}, Match: Match{Path: "/b"}})
	if status, _, took := timedGet(t, clk, c, p.URL()+"/b"); status != 500 || took != 0 {
		t.Errorf("/b: %d after %v; want 500 at once", status, took)
	}
	if st, _ := p.Stats(slow); st != (Stats{1, 1}) {
		t.Errorf("first latency: %+v", st)
	}
	if st, _ := p.Stats(late); st != (Stats{}) {
		t.Errorf("latency after the abort: %+v, want nothing", st)
	}
}

func TestHTTPURLKeepsTargetPath(t *testing.T) {
	b := newBackend(t)
	p := startProxy(t, &Proxy{Scope: PerRequest, Target: b.URL + "/mcp"})
	if want := "http://" + p.Addr() + "/mcp"; p.URL() != want {
		t.Fatalf("URL = %q, want %q", p.URL(), want)
	}
	res, err := newClient(t).Post(p.URL(), "application/json", strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"ping"}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if want := `{"jsonrpc":"2.0","id":1,"result":{"method":"ping","tool":""}}`; string(body) != want {
		t.Errorf("body = %s, want %s", body, want)
	}
}

func TestHTTPStreamsSSE(t *testing.T) {
	b := newBackend(t)
	p := httpProxy(t, b, 1, nil)
	// A fault that matches nothing makes the request take the faulty path.
	mustAdd(t, p, Fault{Action: Abort{}, Match: Match{Path: "/elsewhere"}})
	res, err := newClient(t).Get(p.URL() + "/sse")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	r := bufio.NewReader(res.Body)
	for i := range 3 {
		ev := fmt.Sprintf("event-%d", i)
		b.sse <- ev // the target sends the next event only after we read this one
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if line != "data: "+ev+"\n" {
			t.Fatalf("line %q, want data: %s", line, ev)
		}
		_, _ = r.ReadString('\n')
	}
	close(b.sse)
}

func TestAbort(t *testing.T) {
	b := newBackend(t)
	p := httpProxy(t, b, 1, nil)
	c := newClient(t)
	mustAdd(t, p, Fault{ID: "503", Action: Abort{}, Match: Match{Path: "/a"}})
	mustAdd(t, p, Fault{ID: "429", Action: &Abort{Status: 429, Body: "slow down", Header: map[string]string{"retry-after": "3"}}, Match: Match{Path: "/b"}})
	if status, body := get(t, c, p.URL()+"/a"); status != 503 || body != "Service Unavailable\n" {
		t.Errorf("/a: %d %q", status, body)
	}
	res, err := c.Get(p.URL() + "/b")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 429 || string(body) != "slow down" || res.Header.Get("Retry-After") != "3" {
		t.Errorf("/b: %d %q %v", res.StatusCode, body, res.Header)
	}
	if n := b.requests.Load(); n != 0 {
		t.Errorf("target saw %d requests, want 0", n)
	}
	if status, _ := get(t, c, p.URL()+"/c"); status != 200 {
		t.Errorf("/c: %d", status)
	}
	if st, _ := p.Stats("503"); st != (Stats{Matched: 1, Injected: 1}) {
		t.Errorf("stats = %+v", st)
	}
}

// abortedIndexes sends n GETs to path and returns the 1-based indexes of
// the aborted ones.
func abortedIndexes(t *testing.T, c *http.Client, url string, n int) []int {
	var out []int
	for i := 1; i <= n; i++ {
		if status, _ := get(t, c, url); status == 503 {
			out = append(out, i)
		} else if status != 200 {
			t.Fatalf("request %d: status %d", i, status)
		}
	}
	return out
}

func TestProbabilityIsSeeded(t *testing.T) {
	b := newBackend(t)
	run := func(seed uint64) ([]int, Stats) {
		p := httpProxy(t, b, seed, nil)
		id := mustAdd(t, p, Fault{ID: "flaky", Action: Abort{}, Probability: 0.2})
		got := abortedIndexes(t, newClient(t), p.URL()+"/x", 1000)
		st, _ := p.Stats(id)
		return got, st
	}
	// The count the seeded streams yield for seed 42: a constant, so that a
	// change to how draws are made shows.
	const want42 = 197
	first, st := run(42)
	if len(first) != want42 || st != (Stats{Matched: 1000, Injected: want42}) {
		t.Fatalf("seed 42: %d aborted, stats %+v; want %d", len(first), st, want42)
	}
	second, _ := run(42)
	if !equalInts(first, second) {
		t.Errorf("seed 42 gave different requests on a second run")
	}
	other, _ := run(43)
	if equalInts(first, other) {
		t.Errorf("seeds 42 and 43 gave the same requests")
	}
}

func TestProbabilityUnderConcurrency(t *testing.T) {
	// The n-th matching request gets the n-th draw, whoever sends it: the
	// count over 1000 concurrent requests is the sequential count.
	b := newBackend(t)
	p := httpProxy(t, b, 42, nil)
	id := mustAdd(t, p, Fault{ID: "flaky", Action: Abort{}, Probability: 0.2})
	c := newClient(t)
	var wg sync.WaitGroup
	var mu sync.Mutex
	aborted := 0
	for range 8 {
		wg.Go(func() {
			for range 125 {
				res, err := c.Get(p.URL() + "/x")
				if err != nil {
					t.Error(err)
					return
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode == 503 {
					mu.Lock()
					aborted++
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	st, _ := p.Stats(id)
	if aborted != 197 || st.Injected != 197 || st.Matched != 1000 {
		t.Errorf("aborted %d, stats %+v; want 197 of 1000", aborted, st)
	}
}

func TestFirstAndEvery(t *testing.T) {
	b := newBackend(t)
	c := newClient(t)
	for _, tc := range []struct {
		f    Fault
		want []int
	}{
		{Fault{Action: Abort{}, First: 3}, []int{1, 2, 3}},
		{Fault{Action: Abort{}, Every: 4}, []int{4, 8, 12}},
		{Fault{Action: Abort{}, First: 9, Every: 3}, []int{3, 6, 9}},
		{Fault{Action: Abort{}, Every: 1}, []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}},
	} {
		p := httpProxy(t, b, 1, nil)
		mustAdd(t, p, tc.f)
		if got := abortedIndexes(t, c, p.URL()+"/x", 12); !equalInts(got, tc.want) {
			t.Errorf("First %d Every %d: aborted %v, want %v", tc.f.First, tc.f.Every, got, tc.want)
		}
	}
}

func TestMatch(t *testing.T) {
	b := newBackend(t)
	p := httpProxy(t, b, 1, nil)
	c := newClient(t)
	mustAdd(t, p, Fault{ID: "prefix-post", Action: Abort{Status: 500}, Match: Match{PathPrefix: "/api/", Method: "post"}})
	mustAdd(t, p, Fault{ID: "exact-header", Action: Abort{Status: 502}, Match: Match{Path: "/h", Header: map[string]string{"x-canary": "1"}}})
	type req struct {
		method, path string
		header       string
		want         int
	}
	for _, r := range []req{
		{"POST", "/api/x", "", 500},
		{"GET", "/api/x", "", 200},
		{"POST", "/apix", "", 200},
		{"POST", "/api/", "", 500},
		{"GET", "/h", "1", 502},
		{"GET", "/h", "0", 200},
		{"GET", "/h", "", 200},
		{"GET", "/h/sub", "1", 200},
	} {
		hr, _ := http.NewRequest(r.method, p.URL()+r.path, nil)
		if r.header != "" {
			hr.Header.Set("X-Canary", r.header)
		}
		res, err := c.Do(hr)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != r.want {
			t.Errorf("%s %s (X-Canary %q): %d, want %d", r.method, r.path, r.header, res.StatusCode, r.want)
		}
	}
	for id, want := range map[string]Stats{"prefix-post": {2, 2}, "exact-header": {1, 1}} {
		if st, _ := p.Stats(id); st != want {
			t.Errorf("%s: %+v, want %+v", id, st, want)
		}
	}
}

func rpcCall(t *testing.T, c *http.Client, url, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, strings.TrimSpace(string(b))
}

func TestJSONRPCErrorForOneTool(t *testing.T) {
	b := newBackend(t)
	p := httpProxy(t, b, 1, nil)
	c := newClient(t)
	id := mustAdd(t, p, Fault{Action: JSONRPCError{Code: -32000, Message: "tool on fire", Data: json.RawMessage(`{"retry":true}`)}, Match: Match{Tool: "echo"}})
	url := p.URL() + "/mcp"
	for _, tc := range []struct{ body, want string }{
		{`{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"echo","arguments":{"m":"hi"}}}`,
			`{"jsonrpc":"2.0","id":7,"error":{"code":-32000,"message":"tool on fire","data":{"retry":true}}}`},
		{`{"jsonrpc":"2.0","id":"abc","method":"tools/call","params":{"name":"echo"}}`,
			`{"jsonrpc":"2.0","id":"abc","error":{"code":-32000,"message":"tool on fire","data":{"retry":true}}}`},
		// Other tools, other methods and notifications reach the target,
		// body intact.
		{`{"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"add","arguments":{"a":1}}}`,
			`{"jsonrpc":"2.0","id":8,"result":{"method":"tools/call","tool":"add"}}`},
		{`{"jsonrpc":"2.0","id":9,"method":"tools/list"}`,
			`{"jsonrpc":"2.0","id":9,"result":{"method":"tools/list","tool":""}}`},
		{`{"jsonrpc":"2.0","id":10,"method":"prompts/get","params":{"name":"echo"}}`,
			`{"jsonrpc":"2.0","id":10,"result":{"method":"prompts/get","tool":"echo"}}`},
	} {
		status, got := rpcCall(t, c, url, tc.body)
		if status != 200 || got != tc.want {
			t.Errorf("%s\n got %d %s\nwant 200 %s", tc.body, status, got, tc.want)
		}
	}
	if st, _ := p.Stats(id); st != (Stats{Matched: 2, Injected: 2}) {
		t.Errorf("stats %+v", st)
	}
	if n := b.requests.Load(); n != 3 {
		t.Errorf("target saw %d requests, want 3", n)
	}
}

func TestJSONRPCErrorDefaults(t *testing.T) {
	b := newBackend(t)
	p := httpProxy(t, b, 1, nil)
	c := newClient(t)
	mustAdd(t, p, Fault{Action: JSONRPCError{}, Match: Match{RPCMethod: "tools/list"}})
	status, got := rpcCall(t, c, p.URL()+"/mcp", `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`)
	if want := `{"jsonrpc":"2.0","id":1,"error":{"code":-32603,"message":"Internal error"}}`; status != 200 || got != want {
		t.Errorf("got %d %s, want %s", status, got, want)
	}
	// A notification has no response to replace: it is forwarded.
	if status, _ := rpcCall(t, c, p.URL()+"/mcp", `{"jsonrpc":"2.0","method":"tools/list"}`); status != 200 {
		t.Errorf("notification: %d", status)
	}
	if n := b.requests.Load(); n != 1 {
		t.Errorf("target saw %d requests, want 1", n)
	}
}

func TestPerRequestScopeOnKeptAliveConnection(t *testing.T) {
	b := newBackend(t)
	p := httpProxy(t, b, 1, nil)
	id := mustAdd(t, p, Fault{Action: Abort{}, Every: 2})
	c := newClient(t)
	var statuses []int
	reused := 0
	for i := range 4 {
		trace := &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) {
			if info.Reused {
				reused++
			}
		}}
		req, _ := http.NewRequestWithContext(httptrace.WithClientTrace(t.Context(), trace), "GET", p.URL()+"/x", nil)
		res, err := c.Do(req)
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		statuses = append(statuses, res.StatusCode)
	}
	if !equalInts(statuses, []int{200, 503, 200, 503}) || reused != 3 {
		t.Errorf("statuses %v with %d reused connections; want 200 503 200 503 on one connection", statuses, reused)
	}
	if st, _ := p.Stats(id); st != (Stats{Matched: 4, Injected: 2}) {
		t.Errorf("stats %+v", st)
	}
}

func TestHTTPReset(t *testing.T) {
	b := newBackend(t)
	p := httpProxy(t, b, 1, nil)
	mustAdd(t, p, Fault{Action: Reset{}, Match: Match{Path: "/r"}})
	c := newClient(t)
	_, err := c.Get(p.URL() + "/r")
	if !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("GET /r: %v, want ECONNRESET", err)
	}
	if status, _ := get(t, c, p.URL()+"/ok"); status != 200 {
		t.Errorf("/ok: %d", status)
	}
	if n := b.requests.Load(); n != 1 {
		t.Errorf("target saw %d requests, want 1", n)
	}
}

// timedGet sends a GET while clk drives time, and returns the status, the
// body, and the fake time it took.
func timedGet(t *testing.T, clk *fakeClock, c *http.Client, url string) (int, string, time.Duration) {
	t.Helper()
	done := make(chan struct{})
	go clk.drive(done)
	start := clk.Now()
	status, body := get(t, c, url)
	close(done)
	return status, body, clk.Now().Sub(start)
}

func TestHTTPLatency(t *testing.T) {
	b := newBackend(t)
	for _, tc := range []struct {
		name string
		a    Latency
	}{
		{"request", Latency{Delay: 200 * time.Millisecond}},
		{"response", Latency{Delay: 200 * time.Millisecond, Response: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clk := newFakeClock()
			p := httpProxy(t, b, 1, clk)
			mustAdd(t, p, Fault{Action: tc.a})
			before := b.requests.Load()
			done := make(chan int)
			go func() {
				status, _ := get(t, newClient(t), p.URL()+"/x")
				done <- status
			}()
			clk.awaitSleepers(t, 1)
			if d := clk.sleepers()[0].Sub(clk.Now()); d != 200*time.Millisecond {
				t.Errorf("sleeping %v, want 200ms", d)
			}
			// Held before forwarding, or after the target answered.
			wantSeen := int64(0)
			if tc.a.Response {
				wantSeen = 1
			}
			if seen := b.requests.Load() - before; seen != wantSeen {
				t.Errorf("target saw %d requests while delayed, want %d", seen, wantSeen)
			}
			select {
			case <-done:
				t.Fatal("answered before the delay")
			default:
			}
			clk.Advance(200 * time.Millisecond)
			if status := <-done; status != 200 {
				t.Errorf("status %d", status)
			}
		})
	}
}

func TestHTTPLatencyJitterIsSeeded(t *testing.T) {
	b := newBackend(t)
	run := func() []time.Duration {
		clk := newFakeClock()
		p := httpProxy(t, b, 42, clk)
		mustAdd(t, p, Fault{Action: Latency{Delay: 100 * time.Millisecond, Jitter: 50 * time.Millisecond}})
		c := newClient(t)
		var out []time.Duration
		for range 20 {
			_, _, d := timedGet(t, clk, c, p.URL()+"/x")
			if d < 100*time.Millisecond || d > 150*time.Millisecond {
				t.Fatalf("delay %v outside [100ms, 150ms]", d)
			}
			out = append(out, d)
		}
		return out
	}
	first, second := run(), run()
	distinct := map[time.Duration]bool{}
	for i := range first {
		if first[i] != second[i] {
			t.Fatalf("run 1 delays %v\nrun 2 delays %v", first, second)
		}
		distinct[first[i]] = true
	}
	if len(distinct) < 15 {
		t.Errorf("only %d distinct delays in 20: %v", len(distinct), first)
	}
}

func TestHTTPBandwidth(t *testing.T) {
	b := newBackend(t)
	clk := newFakeClock()
	p := httpProxy(t, b, 1, clk)
	mustAdd(t, p, Fault{Action: Bandwidth{BytesPerSecond: 1000}})
	// 1000 B/s goes in chunks of 100 B every 100 ms: the first chunk at
	// once, the 30th at 2.9 s.
	status, body, took := timedGet(t, clk, newClient(t), p.URL()+"/big?n=3000")
	if status != 200 || len(body) != 3000 || took != 2900*time.Millisecond {
		t.Errorf("status %d, %d bytes in %v; want 200, 3000 bytes in 2.9s", status, len(body), took)
	}
}

func TestHTTPBandwidthUpstream(t *testing.T) {
	b := newBackend(t)
	clk := newFakeClock()
	p := httpProxy(t, b, 1, clk)
	mustAdd(t, p, Fault{Action: Bandwidth{BytesPerSecond: 100, Direction: Upstream}})
	done := make(chan struct{})
	go clk.drive(done)
	start := clk.Now()
	res, err := newClient(t).Post(p.URL()+"/echo", "text/plain", strings.NewReader(strings.Repeat("z", 500)))
	close(done)
	if err != nil {
		t.Fatal(err)
	}
	var got struct{ Body string }
	json.NewDecoder(res.Body).Decode(&got)
	res.Body.Close()
	// 10 B chunks every 100 ms: the 50th at 4.9 s.
	if took := clk.Now().Sub(start); len(got.Body) != 500 || took != 4900*time.Millisecond {
		t.Errorf("target got %d bytes in %v; want 500 in 4.9s", len(got.Body), took)
	}
}

func TestHTTPSlowClose(t *testing.T) {
	b := newBackend(t)
	clk := newFakeClock()
	p := httpProxy(t, b, 1, clk)
	mustAdd(t, p, Fault{Action: SlowClose{Delay: 3 * time.Second}})
	res, err := newClient(t).Get(p.URL() + "/big?n=10")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.ContentLength != -1 {
		t.Errorf("ContentLength %d, want -1 (open-ended)", res.ContentLength)
	}
	buf := make([]byte, 10)
	if _, err := io.ReadFull(res.Body, buf); err != nil {
		t.Fatal(err)
	}
	// The body is here, its end is not.
	clk.awaitSleepers(t, 1)
	if d := clk.sleepers()[0].Sub(clk.Now()); d != 3*time.Second {
		t.Errorf("close held %v, want 3s", d)
	}
	eof := make(chan error)
	go func() {
		_, err := res.Body.Read(make([]byte, 1))
		eof <- err
	}()
	select {
	case err := <-eof:
		t.Fatalf("end of body before the delay: %v", err)
	default:
	}
	clk.Advance(3 * time.Second)
	if err := <-eof; err != io.EOF {
		t.Errorf("read after the delay: %v, want EOF", err)
	}
}

func TestHTTPCutBytes(t *testing.T) {
	b := newBackend(t)
	p := httpProxy(t, b, 1, nil)
	mustAdd(t, p, Fault{Action: Cut{Bytes: 1234}, Match: Match{Path: "/big"}})
	c := newClient(t)
	res, err := c.Get(p.URL() + "/big?n=100000")
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	if len(body) != 1234 || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("read %d bytes, err %v; want 1234 and unexpected EOF", len(body), err)
	}
	if status, _ := get(t, c, p.URL()+"/ok"); status != 200 {
		t.Errorf("/ok: %d", status)
	}
}

func TestHTTPCutAfter(t *testing.T) {
	b := newBackend(t)
	clk := newFakeClock()
	p := httpProxy(t, b, 1, clk)
	mustAdd(t, p, Fault{Action: Cut{After: 5 * time.Second}})
	res, err := newClient(t).Get(p.URL() + "/sse")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	r := bufio.NewReader(res.Body)
	b.sse <- "one"
	if line, _ := r.ReadString('\n'); line != "data: one\n" {
		t.Fatalf("line %q", line)
	}
	clk.awaitSleepers(t, 1)
	if d := clk.sleepers()[0].Sub(clk.Now()); d != 5*time.Second {
		t.Errorf("cut due in %v, want 5s", d)
	}
	clk.Advance(5 * time.Second)
	rest, err := io.ReadAll(r)
	if err == nil || string(rest) != "\n" {
		t.Errorf("after the cut: %q, %v; want the stream to break", rest, err)
	}
}

func TestHTTPCutAfterBeforeHeaders(t *testing.T) {
	b := newBackend(t)
	clk := newFakeClock()
	p := httpProxy(t, b, 1, clk)
	// The response is held for 10 s; the cut comes at 5 s.
	mustAdd(t, p, Fault{Action: Latency{Delay: 10 * time.Second, Response: true}})
	mustAdd(t, p, Fault{Action: Cut{After: 5 * time.Second}})
	done := make(chan struct{})
	defer close(done)
	go clk.drive(done)
	_, err := newClient(t).Get(p.URL() + "/x")
	if err == nil || !(errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || strings.Contains(err.Error(), "EOF")) {
		t.Errorf("GET: %v, want the connection closed", err)
	}
}

func TestContextGivenToStartOnlyStopsFaults(t *testing.T) {
	b := newBackend(t)
	ctx, cancel := context.WithCancel(t.Context())
	p := &Proxy{Scope: PerRequest, Target: b.URL}
	if err := p.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	mustAdd(t, p, Fault{Action: Abort{}})
	cancel()
	eventually(t, "faults removed", func() bool { return len(p.Faults()) == 0 })
	if status, _ := get(t, newClient(t), p.URL()+"/x"); status != 200 {
		t.Errorf("status %d after cancel, want 200", status)
	}
	if _, err := p.Add(Fault{Action: Abort{}}); !errors.Is(err, context.Canceled) {
		t.Errorf("Add after cancel = %v, want context.Canceled", err)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
