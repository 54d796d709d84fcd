package chaos

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestTimedFault(t *testing.T) {
	b := newBackend(t)
	clk := newFakeClock()
	rec := newRecorder()
	p := startProxy(t, &Proxy{Name: "green", Scope: PerRequest, Target: b.URL, Clock: clk, OnEvent: rec.record})
	c := newClient(t)
	t0 := clk.Now()
	id := mustAdd(t, p, Fault{ID: "window", Action: Abort{}, Start: 10 * time.Second, Duration: 5 * time.Second})
	if ev := rec.next(t); ev.Type != EventAdded || ev.FaultID != "window" || ev.Kind != "abort" || ev.Proxy != "green" || !ev.Time.Equal(t0) {
		t.Fatalf("first event %+v", ev)
	}
	fs := p.Faults()
	if len(fs) != 1 || fs[0].Active || !fs[0].Ends.Equal(t0.Add(15*time.Second)) {
		t.Fatalf("Faults = %+v", fs)
	}
	// Not begun: requests pass.
	if status, _ := get(t, c, p.URL()+"/x"); status != 200 {
		t.Errorf("before the window: %d", status)
	}
	clk.awaitSleepers(t, 1)
	clk.Advance(10 * time.Second)
	if ev := rec.next(t); ev.Type != EventActive || !ev.Time.Equal(t0.Add(10*time.Second)) {
		t.Fatalf("event %+v, want active at +10s", ev)
	}
	if status, _ := get(t, c, p.URL()+"/x"); status != 503 {
		t.Errorf("in the window: %d", status)
	}
	clk.awaitSleepers(t, 1)
	clk.Advance(5 * time.Second)
	ev := rec.next(t)
	if ev.Type != EventRemoved || ev.Reason != ReasonExpired || !ev.Time.Equal(t0.Add(15*time.Second)) || ev.Stats != (Stats{Matched: 1, Injected: 1}) {
		t.Fatalf("event %+v, want removed (expired) at +15s with 1/1", ev)
	}
	if status, _ := get(t, c, p.URL()+"/x"); status != 200 {
		t.Errorf("after the window: %d", status)
	}
	if _, ok := p.Stats(id); ok || len(p.Faults()) != 0 {
		t.Errorf("fault still held after its window")
	}
}

func TestRemoveAtEnd(t *testing.T) {
	b := newBackend(t)
	rec := newRecorder()
	p := startProxy(t, &Proxy{Scope: PerRequest, Target: b.URL, OnEvent: rec.record})
	c := newClient(t)
	mustAdd(t, p, Fault{ID: "a", Action: Abort{}, Match: Match{Path: "/a"}})
	mustAdd(t, p, Fault{ID: "b", Action: Abort{}, Match: Match{Path: "/b"}})
	if !p.Remove("a") || p.Remove("a") {
		t.Fatal("Remove: want true then false")
	}
	if status, _ := get(t, c, p.URL()+"/a"); status != 200 {
		t.Errorf("/a after Remove: %d", status)
	}
	if status, _ := get(t, c, p.URL()+"/b"); status != 503 {
		t.Errorf("/b: %d", status)
	}
	if n := p.RemoveAll(); n != 1 {
		t.Errorf("RemoveAll = %d, want 1", n)
	}
	if status, _ := get(t, c, p.URL()+"/b"); status != 200 {
		t.Errorf("/b after RemoveAll: %d", status)
	}
	want := []string{"a added", "a active", "b added", "b active", "a removed removed", "b removed removed"}
	if got := rec.summary(); !slices.Equal(got, want) {
		t.Errorf("events %q\nwant %q", got, want)
	}
}

func TestCloseRemovesEveryFault(t *testing.T) {
	b := newBackend(t)
	rec := newRecorder()
	p := &Proxy{Scope: PerRequest, Target: b.URL, OnEvent: rec.record}
	if err := p.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	mustAdd(t, p, Fault{ID: "now", Action: Abort{}})
	mustAdd(t, p, Fault{ID: "later", Action: Abort{}, Start: time.Hour})
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	// Close returns after every event has been delivered.
	want := []string{"now added", "now active", "later added", "now removed closed", "later removed closed"}
	if got := rec.summary(); !slices.Equal(got, want) {
		t.Errorf("events %q\nwant %q", got, want)
	}
	if _, err := p.Add(Fault{Action: Abort{}}); !errors.Is(err, ErrClosed) {
		t.Errorf("Add after Close = %v, want ErrClosed", err)
	}
	if err := p.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := p.Start(t.Context()); !errors.Is(err, ErrClosed) {
		t.Errorf("Start after Close = %v, want ErrClosed", err)
	}
}

func TestCancelRemovesEveryFault(t *testing.T) {
	b := newBackend(t)
	rec := newRecorder()
	ctx, cancel := context.WithCancel(t.Context())
	p := &Proxy{Scope: PerRequest, Target: b.URL, OnEvent: rec.record, Clock: newFakeClock()}
	if err := p.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	mustAdd(t, p, Fault{ID: "a", Action: Abort{}})
	mustAdd(t, p, Fault{ID: "b", Action: Latency{Delay: time.Second}, Start: time.Minute, Duration: time.Minute})
	for range 3 { // a added, a active, b added
		rec.next(t)
	}
	cancel()
	for _, want := range []string{"a", "b"} {
		if ev := rec.next(t); ev.FaultID != want || ev.Type != EventRemoved || ev.Reason != ReasonCanceled {
			t.Errorf("event %+v, want %s removed (canceled)", ev, want)
		}
	}
	if len(p.Faults()) != 0 {
		t.Errorf("faults left: %+v", p.Faults())
	}
	if status, _ := get(t, newClient(t), p.URL()+"/x"); status != 200 {
		t.Errorf("status %d after cancel", status)
	}
}

func TestHTTPBlackholeReleasedOnRemove(t *testing.T) {
	b := newBackend(t)
	p := httpProxy(t, b, 1, nil)
	id := mustAdd(t, p, Fault{Action: Blackhole{}})
	done := make(chan int)
	go func() {
		status, _ := get(t, newClient(t), p.URL()+"/held")
		done <- status
	}()
	eventually(t, "the request to be held", func() bool { st, _ := p.Stats(id); return st.Injected == 1 })
	select {
	case status := <-done:
		t.Fatalf("answered %d while held", status)
	default:
	}
	if n := b.requests.Load(); n != 0 {
		t.Fatalf("target saw %d requests while held", n)
	}
	p.Remove(id)
	if status := <-done; status != 200 {
		t.Errorf("released with %d, want 200", status)
	}
	if n := b.requests.Load(); n != 1 {
		t.Errorf("target saw %d requests, want 1", n)
	}
}

func TestHTTPHeldRequestsReleasedOnCancel(t *testing.T) {
	b := newBackend(t)
	clk := newFakeClock()
	ctx, cancel := context.WithCancel(t.Context())
	p := &Proxy{Scope: PerRequest, Target: b.URL, Clock: clk}
	if err := p.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	mustAdd(t, p, Fault{Action: Blackhole{}, Match: Match{Path: "/bh"}})
	mustAdd(t, p, Fault{Action: Latency{Delay: time.Hour}, Match: Match{Path: "/slow"}})
	done := make(chan int, 2)
	for _, path := range []string{"/bh", "/slow"} {
		go func() {
			status, _ := get(t, newClient(t), p.URL()+path)
			done <- status
		}()
	}
	clk.awaitSleepers(t, 1)
	eventually(t, "both requests to be held", func() bool {
		fs := p.Faults()
		return len(fs) == 2 && fs[0].Injected == 1 && fs[1].Injected == 1
	})
	cancel()
	for range 2 {
		if status := <-done; status != 200 {
			t.Errorf("released with %d", status)
		}
	}
}

func TestHTTPHeldRequestDroppedOnClose(t *testing.T) {
	b := newBackend(t)
	p := httpProxy(t, b, 1, nil)
	id := mustAdd(t, p, Fault{Action: Blackhole{}})
	done := make(chan error)
	go func() {
		res, err := newClient(t).Get(p.URL() + "/held")
		if err == nil {
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			err = fmt.Errorf("status %d %q %v", res.StatusCode, body, res.Header)
		}
		done <- err
	}()
	eventually(t, "the request to be held", func() bool { st, _ := p.Stats(id); return st.Injected == 1 })
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err == nil || b.requests.Load() != 0 {
		t.Errorf("held request: %v, target saw %d; want the connection closed and nothing forwarded", err, b.requests.Load())
	}
}

func TestAddRemoveUnderLoad(t *testing.T) {
	b := newBackend(t)
	p := httpProxy(t, b, 3, nil)
	c := newClient(t)
	ctx, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	var ok, aborted, other atomic.Int64
	for range 8 {
		wg.Go(func() {
			for ctx.Err() == nil {
				req, _ := http.NewRequestWithContext(ctx, "GET", p.URL()+"/x", nil)
				res, err := c.Do(req)
				if err != nil {
					if ctx.Err() == nil {
						t.Error(err)
					}
					return
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				switch res.StatusCode {
				case 200:
					ok.Add(1)
				case 503, 500:
					aborted.Add(1)
				default:
					other.Add(1)
				}
			}
		})
	}
	for i := 0; i < 200 || ok.Load()+aborted.Load() < 1000; i++ {
		id := mustAdd(t, p, Fault{Action: Abort{Status: 500 + 3*(i%2)}, Probability: 0.5})
		mustAdd(t, p, Fault{Action: Latency{Delay: time.Microsecond}, Duration: time.Millisecond})
		if i%3 == 0 {
			p.RemoveAll()
		} else {
			p.Remove(id)
		}
	}
	cancel()
	wg.Wait()
	t.Logf("ok %d aborted %d", ok.Load(), aborted.Load())
	if other.Load() != 0 || ok.Load() == 0 {
		t.Errorf("ok %d, aborted %d, other %d", ok.Load(), aborted.Load(), other.Load())
	}
}

func TestEventCallbackMayCallProxy(t *testing.T) {
	b := newBackend(t)
	var p *Proxy
	var seen []string
	p = startProxy(t, &Proxy{Scope: PerRequest, Target: b.URL, OnEvent: func(ev Event) {
		seen = append(seen, ev.FaultID+" "+ev.Type.String())
		// Remove a fault as soon as it is active: the callback may call
		// the proxy.
		if ev.Type == EventActive {
			p.Remove(ev.FaultID)
		}
	}})
	mustAdd(t, p, Fault{ID: "x", Action: Reset{}})
	want := []string{"x added", "x active", "x removed"}
	if !slices.Equal(seen, want) {
		t.Errorf("events %q, want %q", seen, want)
	}
}
