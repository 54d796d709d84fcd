package deploy

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// healthServer answers /health with the statuses in order, then with the
// last one forever.
func healthServer(t *testing.T, statuses ...int) (*backend, *atomic.Int64) {
	var hits atomic.Int64
	be := newBackendFunc(t, "health", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/health" {
			http.NotFound(w, r)
			return
		}
		i := int(hits.Add(1)) - 1
		st := statuses[min(i, len(statuses)-1)]
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(st)
		fmt.Fprint(w, `{"status":"ok"}`)
	})
	return be, &hits
}

func TestHealthPassesAfterNSuccesses(t *testing.T) {
	// Two failures, a success, a failure (which resets the count), then
	// five successes.
	be, hits := healthServer(t, 503, 503, 200, 500, 200)
	clk := newFakeClock()
	start := clk.Now()
	var probes []Probe
	h := HealthCheck{Successes: 5, Interval: time.Second, Timeout: time.Minute, Clock: clk, OnProbe: func(p Probe) { probes = append(probes, p) }}
	if err := h.Wait(context.Background(), be.URL()); err != nil {
		t.Fatalf("Wait: %v", err)
	}
	if n := hits.Load(); n != 9 {
		t.Errorf("%d probes, want 9 (4 before the run of 5)", n)
	}
	if d := clk.Now().Sub(start); d != 8*time.Second {
		t.Errorf("the check took %v on its clock, want 8 intervals", d)
	}
	if last := probes[len(probes)-1]; !last.Healthy || last.InARow != 5 || last.Need != 5 {
		t.Errorf("last probe %+v", last)
	}
	if p := probes[3]; p.Healthy || p.InARow != 0 || !strings.Contains(p.Detail, "500") {
		t.Errorf("fourth probe %+v", p)
	}
}

// A 404 (no endpoint at the path) ends the check at the first probe that
// gets it, without waiting out the timeout; a 503 before it is an
// unhealthy answer like any other.
func TestHealthFailsAtOnceOn404(t *testing.T) {
	var hits atomic.Int64
	be := newBackendFunc(t, "nohealth", func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1) == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		http.NotFound(w, r)
	})
	clk := newFakeClock()
	start := clk.Now()
	h := HealthCheck{Path: "/healthz", Successes: 3, Interval: time.Second, Timeout: 10 * time.Second, Clock: clk}
	err := h.Wait(context.Background(), be.URL())
	if !errors.Is(err, ErrUnhealthy) || !errors.Is(err, ErrNoHealthEndpoint) {
		t.Fatalf("err %v, want ErrUnhealthy and ErrNoHealthEndpoint", err)
	}
	if !strings.Contains(err.Error(), "/healthz answered 404 Not Found") || hits.Load() != 2 || clk.Now().Sub(start) != time.Second {
		t.Errorf("err %q after %d probes and %v", err, hits.Load(), clk.Now().Sub(start))
	}
}

func TestHealthDegradedIsUnhealthy(t *testing.T) {
	be := newBackendFunc(t, "degraded", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"status": "degraded", "db": "slow"}`)
	})
	h := HealthCheck{Successes: 1, Interval: time.Second, Timeout: 2 * time.Second, Clock: newFakeClock()}
	err := h.Wait(context.Background(), be.URL())
	if !errors.Is(err, ErrUnhealthy) || !strings.Contains(err.Error(), `says "degraded"`) {
		t.Errorf("err %v, want unhealthy because degraded", err)
	}
}

func TestHealthUnreachable(t *testing.T) {
	be := newBackend(t, "gone")
	url := be.URL()
	be.srv.Close()
	h := HealthCheck{Successes: 1, Interval: time.Second, Timeout: time.Second, Clock: newFakeClock()}
	err := h.Wait(context.Background(), url)
	if !errors.Is(err, ErrUnhealthy) || !strings.Contains(err.Error(), "no reply") {
		t.Errorf("err %v", err)
	}
}

func TestHealthContextDone(t *testing.T) {
	be, _ := healthServer(t, 503)
	ctx, cancel := context.WithCancel(context.Background())
	h := HealthCheck{Clock: newFakeClock(), OnProbe: func(Probe) { cancel() }}
	if err := h.Wait(ctx, be.URL()); !errors.Is(err, context.Canceled) || errors.Is(err, ErrUnhealthy) {
		t.Errorf("err %v, want context.Canceled", err)
	}
}

func TestHealthDefaults(t *testing.T) {
	d := HealthCheck{}.withDefaults()
	if d.Path != "/health" || d.Expect != 200 || d.Successes != 5 || d.Interval != 10*time.Second || d.Timeout != 5*time.Minute || d.ProbeTimeout != 10*time.Second {
		t.Errorf("defaults %+v, want the reference chapter's", d)
	}
}

func TestHealthValidate(t *testing.T) {
	err := HealthCheck{Path: "health", Expect: 999, Successes: -1, Interval: -time.Second}.Validate()
	for _, want := range []string{`Path: "health" does not start with '/'`, "Expect: 999", "Successes: -1 is negative", "Interval: -1s is negative"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%v does not say %q", err, want)
		}
	}
	err = HealthCheck{Successes: 5, Interval: 10 * time.Second, Timeout: 20 * time.Second}.Validate()
	if err == nil || !strings.Contains(err.Error(), "Timeout: 20s is too short for 5 successes 10s apart") {
		t.Errorf("impossible timeout: %v", err)
	}
	if err := (HealthCheck{}).Validate(); err != nil {
		t.Errorf("zero HealthCheck: %v", err)
	}
}
