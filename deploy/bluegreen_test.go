package deploy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// green is a backend with a /health endpoint; both its health and its
// other replies can be made to fail.
type greenServer struct {
	*backend
	healthStatus atomic.Int64 // 0: 200
	probes       atomic.Int64
	failFrom     atomic.Int64 // probes from this one (1-based) answer 500; 0: never
	serveStatus  atomic.Int64 // status of other paths; 0: 200
}

func newGreen(t *testing.T) *greenServer {
	g := &greenServer{}
	g.backend = newBackendFunc(t, "green", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/health" {
			n := g.probes.Add(1)
			st := int(g.healthStatus.Load())
			if f := g.failFrom.Load(); f > 0 && n >= f {
				st = 500
			}
			if st == 0 {
				st = 200
			}
			w.WriteHeader(st)
			fmt.Fprint(w, `{"status":"ok","version":"1.1.0"}`)
			return
		}
		if st := g.serveStatus.Load(); st != 0 {
			w.WriteHeader(int(st))
		}
		fmt.Fprint(w, "green")
	})
	return g
}

// trafficAnalyzer plays the engine's part: each measurement sends a burst
// of requests through the router and judges the error rate.
type trafficAnalyzer struct {
	url string
	c   *http.Client
}

func (a trafficAnalyzer) Analyze(ctx context.Context, st Step) (Verdict, string, error) {
	const n = 20
	bad := 0
	for range n {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, a.url+"/mcp", strings.NewReader("{}"))
		resp, err := a.c.Do(req)
		if err != nil {
			return Inconclusive, "", err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode >= 500 {
			bad++
		}
	}
	msg := fmt.Sprintf("error rate %d%% (%d of %d)", 100*bad/n, bad, n)
	if bad > 0 {
		return Fail, msg + " > 0%", nil
	}
	return Pass, msg, nil
}

func blueGreenSetup(t *testing.T) (*Router, *greenServer, *BlueGreen, *fakeClock) {
	blue, green := newBackend(t, "blue"), newGreen(t)
	r := startRouter(t, &Router{
		Routes:        []Route{{Name: "blue", URL: blue.URL()}, {Name: "green", URL: green.URL()}},
		Weights:       Weights{"blue": 100},
		RequireSum100: true,
	})
	clk := newFakeClock()
	bg := &BlueGreen{Rollout: Rollout{
		Router:   r,
		Hold:     30 * time.Second,
		Analysis: Analysis{Interval: 10 * time.Second},
		Analyzer: trafficAnalyzer{url: r.URL(), c: client(t, 4)},
		Clock:    clk,
	}}
	return r, green, bg, clk
}

// TestBlueGreenPromotesUnderLoad rolls green out through the real router
// while clients keep sending requests: every step's figures and the
// clients agree that no request failed.
func TestBlueGreenPromotesUnderLoad(t *testing.T) {
	r, green, bg, _ := blueGreenSetup(t)
	c := client(t, 8)
	var sent, failed atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				sent.Add(1)
				resp, err := c.Get(r.URL() + "/load")
				if err != nil {
					failed.Add(1)
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					failed.Add(1)
				}
			}
		})
	}
	res, err := bg.Run(context.Background())
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != Promoted {
		t.Fatalf("status %v: %s", res.Status, res.Reason)
	}
	if w := r.CurrentWeights(); w["green"] != 100 || w["blue"] != 0 {
		t.Errorf("router weights %v, want green 100", w)
	}
	if failed.Load() != 0 || res.Errors != 0 || res.StepErrors() != 0 {
		t.Errorf("clients: %d of %d failed; rollout: %d errors", failed.Load(), sent.Load(), res.Errors)
	}
	for _, s := range res.Steps {
		if s.Traffic == nil || s.Requests < 60 || s.Errors != 0 {
			t.Errorf("step %d: %d requests, %d errors", s.Number, s.Requests, s.Errors)
		}
		g, _ := s.Traffic.Route("green")
		if g.Weight != s.Weight {
			t.Errorf("step %d: green weight %d in the figures, want %d", s.Number, g.Weight, s.Weight)
		}
	}
	health := 0
	for _, e := range res.Events {
		if e.Kind == EventHealth && e.Verdict == Pass {
			health++
		}
	}
	if health != 2 || green.probes.Load() != 5+3 {
		t.Errorf("%d passing health events and %d probes, want 2 (before, final) and 5+3", health, green.probes.Load())
	}
	t.Logf("%s; %d client requests during the rollout", res.Reason, sent.Load())
}

// TestBlueGreenBadGreenRollsBack: green fails its requests; the analysis
// of the first step sees it and the router's weights go back to blue.
func TestBlueGreenBadGreenRollsBack(t *testing.T) {
	r, green, bg, _ := blueGreenSetup(t)
	green.serveStatus.Store(503)
	res, err := bg.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != RolledBack || !errors.Is(res.Err, ErrAnalysisFailed) {
		t.Fatalf("status %v, err %v", res.Status, res.Err)
	}
	if !strings.Contains(res.Reason, "analysis failed at step 1 (green 10%)") || !strings.Contains(res.Reason, "error rate 10% (2 of 20)") {
		t.Errorf("reason %q", res.Reason)
	}
	if w := r.CurrentWeights(); w["blue"] != 100 || w["green"] != 0 {
		t.Errorf("router weights %v, want blue 100", w)
	}
	if s := res.Steps[0]; s.Errors != 2 || s.Requests != 20 {
		t.Errorf("step 1: %d requests, %d client-visible errors; want 20, 2", s.Requests, s.Errors)
	}
}

// TestBlueGreenUnhealthyGreen: green's health endpoint fails, so no
// traffic ever moves.
func TestBlueGreenUnhealthyGreen(t *testing.T) {
	r, green, bg, _ := blueGreenSetup(t)
	green.healthStatus.Store(503)
	res, _ := bg.Run(context.Background())
	if res.Status != RolledBack || !errors.Is(res.Err, ErrUnhealthy) || len(res.Steps) != 0 {
		t.Fatalf("status %v, err %v, %d steps", res.Status, res.Err, len(res.Steps))
	}
	if !strings.Contains(res.Reason, "green is not healthy before any traffic") || !strings.Contains(res.Reason, "status 503 Service Unavailable, want 200") {
		t.Errorf("reason %q", res.Reason)
	}
	if green.served.Load() != green.probes.Load() {
		t.Error("green got traffic")
	}
	if w := r.CurrentWeights(); w["blue"] != 100 {
		t.Errorf("weights %v", w)
	}
}

// TestBlueGreenDefaultAnalyzer: without an Analyzer, each step probes
// green's health (the reference chapter's check after each shift).
func TestBlueGreenDefaultAnalyzer(t *testing.T) {
	r, green, bg, _ := blueGreenSetup(t)
	bg.Analyzer, bg.Analysis = nil, Analysis{}
	green.failFrom.Store(5 + 3) // 5 probes before traffic, steps 1 and 2 pass, step 3 fails
	res, _ := bg.Run(context.Background())
	if res.Status != RolledBack || len(res.Steps) != 3 {
		t.Fatalf("status %v (%s), %d steps", res.Status, res.Reason, len(res.Steps))
	}
	if !strings.Contains(res.Reason, "step 3 (green 50%)") || !strings.Contains(res.Reason, "/health: status 500") {
		t.Errorf("reason %q", res.Reason)
	}
	if w := r.CurrentWeights(); w["blue"] != 100 {
		t.Errorf("weights %v", w)
	}
}

// TestCanaryExternalActions: a caller's actions drive the
// weights while the router only measures.
func TestCanaryExternalActions(t *testing.T) {
	var mu sync.Mutex
	var log []string
	actions := ActionFuncs{
		StartFunc: func(ctx context.Context) error { log = append(log, "start"); return nil },
		SetWeightsFunc: func(ctx context.Context, w Weights) error {
			mu.Lock()
			defer mu.Unlock()
			log = append(log, w.String())
			return nil
		},
	}
	c := &Canary{Rollout: Rollout{Actions: actions, From: "v1", To: "v2", Steps: []int{50}, Hold: time.Second, Clock: newFakeClock()}}
	res, err := c.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != Promoted || strings.Join(log, ", ") != "start, v1=50 v2=50, v1=0 v2=100" {
		t.Errorf("status %v, actions %v", res.Status, log)
	}
	if res.Steps[0].Traffic != nil {
		t.Error("traffic figures without a router")
	}
}
