package deploy

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// HealthCheck is the reference chapter's health rule: a target is healthy
// once it has answered Successes probes in a row with the Expect status,
// within Timeout; any other answer starts the count again. Its zero value
// is the chapter's pre-deployment check: GET /health, 200, five in a row,
// ten seconds apart, within five minutes.
//
// A probe succeeds when the reply has the Expect status and, if its body
// is a JSON object with a "status" member, that member is not "degraded",
// "unhealthy" or "down" (the chapter treats a degraded service as not
// healthy). A reply of 404 Not Found or 405 Method Not Allowed ends the
// check at once (ErrNoHealthEndpoint): the path names no health endpoint,
// and the rest of the timeout would be spent for nothing.
type HealthCheck struct {
	// Path is the path probed, relative to the target's base URL. It must
	// start with '/'. Zero: "/health".
	Path string

	// Expect is the status a healthy target answers. Zero: 200.
	Expect int

	// Successes is how many successful probes in a row make the target
	// healthy. Zero: 5.
	Successes int

	// Interval is the time between the starts of two probes. Zero: 10 s.
	// At least MinInterval.
	Interval time.Duration

	// Timeout bounds the whole check, from the first probe; a probe is
	// not started after it. Zero: 5 minutes.
	Timeout time.Duration

	// ProbeTimeout bounds one probe. Zero: 10 s, or Interval when that
	// is shorter.
	ProbeTimeout time.Duration

	// Client sends the probes. Zero (nil): http.DefaultClient.
	Client *http.Client

	// Clock paces the probes and the timeout. Zero (nil): SystemClock.
	Clock Clock

	// OnProbe, when set, is called after each probe, in order, from the
	// goroutine running Wait. Zero (nil): none.
	OnProbe func(Probe)
}

// Probe is the result of one health probe.
type Probe struct {
	Time time.Time
	URL  string
	// Status is the reply's status; 0 when there was no reply.
	Status int
	// Err is the transport error; nil when there was a reply.
	Err error
	// Healthy says whether the probe counts as a success.
	Healthy bool
	// Detail says in words what the probe saw ("status 404 Not Found,
	// want 200").
	Detail string
	// InARow is the number of successes in a row, this probe included;
	// Need is how many the check requires.
	InARow, Need int
}

// Defaults of HealthCheck, the reference chapter's.
const (
	defaultHealthPath     = "/health"
	defaultHealthOK       = http.StatusOK
	defaultHealthRuns     = 5
	defaultHealthInterval = 10 * time.Second
	defaultHealthTimeout  = 5 * time.Minute
	defaultProbeTimeout   = 10 * time.Second
)

// isZero reports whether h is the zero HealthCheck.
func (h HealthCheck) isZero() bool {
	return h.Path == "" && h.Expect == 0 && h.Successes == 0 && h.Interval == 0 && h.Timeout == 0 &&
		h.ProbeTimeout == 0 && h.Client == nil && h.Clock == nil && h.OnProbe == nil
}

// withDefaults returns h with its zero fields set to their defaults.
func (h HealthCheck) withDefaults() HealthCheck {
	if h.Path == "" {
		h.Path = defaultHealthPath
	}
	if h.Expect == 0 {
		h.Expect = defaultHealthOK
	}
	if h.Successes == 0 {
		h.Successes = defaultHealthRuns
	}
	if h.Interval == 0 {
		h.Interval = defaultHealthInterval
	}
	if h.Timeout == 0 {
		h.Timeout = defaultHealthTimeout
	}
	if h.ProbeTimeout == 0 {
		h.ProbeTimeout = min(defaultProbeTimeout, h.Interval)
	}
	if h.Client == nil {
		h.Client = http.DefaultClient
	}
	h.Clock = clockOr(h.Clock)
	return h
}

// Validate returns every problem with h, each naming its field.
func (h HealthCheck) Validate() error {
	ps := problems{what: "health check"}
	h.check(&ps)
	return ps.err()
}

func (h HealthCheck) check(ps *problems) {
	if h.Path != "" && !strings.HasPrefix(h.Path, "/") {
		ps.add("Path", fmt.Sprintf("%q does not start with '/'", h.Path))
	}
	if h.Expect != 0 && (h.Expect < 100 || h.Expect > 599) {
		ps.add("Expect", fmt.Sprintf("%d is not an HTTP status (100..599)", h.Expect))
	}
	if h.Successes < 0 {
		ps.add("Successes", fmt.Sprintf("%d is negative", h.Successes))
	}
	for _, f := range []struct {
		name string
		d    time.Duration
	}{{"Interval", h.Interval}, {"Timeout", h.Timeout}, {"ProbeTimeout", h.ProbeTimeout}} {
		if f.d < 0 {
			ps.add(f.name, fmt.Sprintf("%v is negative", f.d))
		}
	}
	if h.Interval > 0 && h.Interval < MinInterval {
		ps.add("Interval", fmt.Sprintf("%v is shorter than %v: the probes would run back to back", h.Interval, MinInterval))
	}
	if h.Successes < 0 || h.Interval < 0 || h.Timeout < 0 {
		return
	}
	d := h.withDefaults()
	if need := time.Duration(d.Successes-1) * d.Interval; need > d.Timeout {
		ps.add("Timeout", fmt.Sprintf("%v is too short for %d successes %v apart (they need at least %v)", d.Timeout, d.Successes, d.Interval, need))
	}
}

// Wait probes baseURL+Path until Successes probes in a row succeed, and
// returns nil then. It returns an error wrapping ErrUnhealthy when Timeout
// passes first, saying how far the check got and what the last probe
// saw, or ctx's error when ctx is done first.
func (h HealthCheck) Wait(ctx context.Context, baseURL string) error {
	if err := h.Validate(); err != nil {
		return err
	}
	h = h.withDefaults()
	start := h.Clock.Now()
	deadline := start.Add(h.Timeout)
	inARow, probes, best := 0, 0, 0
	var last Probe
	for {
		last = h.probe(ctx, baseURL)
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("deploy: health check %s: %w", last.URL, err)
		}
		probes++
		if last.Healthy {
			inARow++
		} else {
			inARow = 0
		}
		best = max(best, inARow)
		last.InARow, last.Need = inARow, h.Successes
		if h.OnProbe != nil {
			h.OnProbe(last)
		}
		if inARow >= h.Successes {
			return nil
		}
		if last.Status == http.StatusNotFound || last.Status == http.StatusMethodNotAllowed {
			return fmt.Errorf("%w: %w: %s answered %d %s", ErrUnhealthy, ErrNoHealthEndpoint, last.URL, last.Status, http.StatusText(last.Status))
		}
		next := last.Time.Add(h.Interval)
		if next.After(deadline) {
			return fmt.Errorf("%w: %s: %d of %d successes in a row within %v (%d probes, best run %d); last probe: %s",
				ErrUnhealthy, last.URL, inARow, h.Successes, h.Timeout, probes, best, last.Detail)
		}
		if err := h.Clock.SleepUntil(ctx, next); err != nil {
			return fmt.Errorf("deploy: health check %s: %w", last.URL, err)
		}
	}
}

// Probe sends one probe to baseURL+Path, as Wait does.
func (h HealthCheck) Probe(ctx context.Context, baseURL string) Probe {
	return h.withDefaults().probe(ctx, baseURL)
}

// probe is Probe on a HealthCheck with its defaults applied.
func (h HealthCheck) probe(ctx context.Context, baseURL string) Probe {
	p := Probe{Time: h.Clock.Now(), URL: strings.TrimSuffix(baseURL, "/") + h.Path}
	ctx, cancel := context.WithTimeout(ctx, h.ProbeTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.URL, nil)
	if err != nil {
		p.Err, p.Detail = err, "bad URL: "+err.Error()
		return p
	}
	req.Header.Set("Accept", "application/json, */*")
	resp, err := h.Client.Do(req)
	if err != nil {
		p.Err, p.Detail = err, "no reply: "+err.Error()
		return p
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	p.Status = resp.StatusCode
	if resp.StatusCode != h.Expect {
		p.Detail = fmt.Sprintf("status %s, want %d", resp.Status, h.Expect)
		if s := snippet(body); s != "" {
			p.Detail += " (body: " + s + ")"
		}
		return p
	}
	var doc struct {
		Status any `json:"status"`
	}
	if json.Unmarshal(body, &doc) == nil {
		if s, ok := doc.Status.(string); ok {
			switch strings.ToLower(s) {
			case "degraded", "unhealthy", "down":
				p.Detail = fmt.Sprintf("status %s but the body says %q", resp.Status, s)
				return p
			}
		}
	}
	p.Healthy, p.Detail = true, "status "+resp.Status
	return p
}

// snippet returns the start of a body, on one line, for messages.
func snippet(b []byte) string {
	s := strings.Join(strings.Fields(strings.ToValidUTF8(string(b), "?")), " ")
	if r := []rune(s); len(r) > 120 {
		s = string(r[:120]) + "…"
	}
	return s
}
