package deploy

import (
	"context"
	"time"
)

// BlueGreen rolls a new version out beside the old one, as the reference
// chapter's BlueGreenDeploymentManager does: start the new version (green),
// check its health before it gets any traffic, shift the traffic in steps
// while analysing each, check its health again with all the traffic, then
// retire the old version (blue). Anything that fails sends all the
// traffic back to blue at once and retires green.
//
// Without an Analyzer, each step's measurements probe green's health
// endpoint (HealthAnalyzer), the chapter's check after each shift.
//
// A BlueGreen runs one rollout at a time; Resume continues a Paused one.
type BlueGreen struct {
	// Rollout holds the settings shared with Canary. Zero From and To:
	// "blue" and "green".
	Rollout

	// Health is the check of the new version before any traffic moves to
	// it. Zero: the chapter's (GET /health answering 200 five times in a
	// row, ten seconds apart, within five minutes).
	Health HealthCheck

	// FinalHealth is the check of the new version once it has all the
	// traffic, before the promotion. Zero: Health with three successes in
	// a row within two minutes (the chapter's final check; longer if
	// Health.Interval needs it).
	FinalHealth HealthCheck

	// SkipHealth turns both checks off, and the default analyzer with
	// them. Zero: the checks run.
	SkipHealth bool

	// HealthURL is the new version's base URL for the checks. Zero: the
	// Router's URL for the To route.
	HealthURL string

	controller
}

func (b *BlueGreen) names() (string, string) {
	from, to := b.From, b.To
	if from == "" {
		from = "blue"
	}
	if to == "" {
		to = "green"
	}
	return from, to
}

func (b *BlueGreen) healthURL(to string) string {
	if b.HealthURL != "" {
		return b.HealthURL
	}
	return b.routeURL(to)
}

func (b *BlueGreen) finalHealth() HealthCheck {
	if !b.FinalHealth.isZero() {
		return b.FinalHealth
	}
	h := b.Health
	// Three successes need two intervals: a long Interval stretches the
	// chapter's two minutes.
	h.Successes, h.Timeout = 3, max(2*time.Minute, 2*h.withDefaults().Interval)
	return h
}

// Validate returns every problem with b's settings, each naming its field.
func (b *BlueGreen) Validate() error {
	ps := problems{what: "blue-green rollout"}
	from, to := b.names()
	b.Rollout.check(&ps, from, to, b.Analyzer != nil || !b.SkipHealth)
	if !b.SkipHealth {
		if b.healthURL(to) == "" {
			ps.add("HealthURL", "empty, and there is no Router to take the new version's URL from: set it, or SkipHealth")
		} else if _, err := parseBackend(b.healthURL(to)); err != nil {
			ps.add("HealthURL", err.Error())
		}
		ps.merge("Health", b.Health.Validate())
		if !b.FinalHealth.isZero() {
			ps.merge("FinalHealth", b.FinalHealth.Validate())
		}
	}
	return ps.err()
}

// Run validates b and carries out the rollout. The error is a validation
// error or ErrRunning; how the rollout went (promoted, rolled back and
// why, paused, aborted) is in the Result. When ctx is done the rollout
// rolls back and ends Aborted.
func (b *BlueGreen) Run(ctx context.Context) (*Result, error) {
	if err := b.Validate(); err != nil {
		return nil, err
	}
	from, to := b.names()
	p := b.plan("blue-green", from, to)
	if !b.SkipHealth {
		p.healthURL = b.healthURL(to)
		h, fh := b.Health, b.finalHealth()
		p.health, p.finalHealth = &h, &fh
		if p.analyzer == nil {
			p.analyzer = HealthAnalyzer{Check: h, URL: p.healthURL}
		}
	}
	return b.run(ctx, p)
}

// Resume continues a rollout that ended Paused, with the caller's
// decision. It returns ErrNotPaused when the last run did not pause.
func (b *BlueGreen) Resume(ctx context.Context, d Decision) (*Result, error) {
	return b.resume(ctx, d)
}
