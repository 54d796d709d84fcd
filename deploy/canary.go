package deploy

import "context"

// Canary rolls a new version out by giving it a growing share of the
// traffic, as Argo Rollouts' canary strategy does: at each step it sets
// the canary's weight, holds it while the Analysis measures, and goes on
// when the analysis passes; a failed analysis (or an action's error)
// sends all the traffic back to the stable version; an inconclusive one
// pauses and asks the caller. After the last step the canary gets all the
// traffic and is promoted.
//
// A Canary runs one rollout at a time; Resume continues a Paused one.
type Canary struct {
	// Rollout holds the settings shared with BlueGreen. Zero From and To:
	// "stable" and "canary".
	Rollout

	// Health, when set, is checked on the canary before it gets any
	// traffic. Zero (nil): no health check.
	Health *HealthCheck

	// HealthURL is the canary's base URL for Health. Zero: the Router's
	// URL for the To route.
	HealthURL string

	controller
}

func (c *Canary) names() (string, string) {
	from, to := c.From, c.To
	if from == "" {
		from = "stable"
	}
	if to == "" {
		to = "canary"
	}
	return from, to
}

func (c *Canary) healthURL(to string) string {
	if c.HealthURL != "" {
		return c.HealthURL
	}
	return c.routeURL(to)
}

// Validate returns every problem with c's settings, each naming its field.
func (c *Canary) Validate() error {
	ps := problems{what: "canary rollout"}
	from, to := c.names()
	c.Rollout.check(&ps, from, to, c.Analyzer != nil)
	if c.Health != nil {
		if c.healthURL(to) == "" {
			ps.add("HealthURL", "empty, and there is no Router to take the canary's URL from")
		} else if _, err := parseBackend(c.healthURL(to)); err != nil {
			ps.add("HealthURL", err.Error())
		}
		ps.merge("Health", c.Health.Validate())
	}
	return ps.err()
}

// Run validates c and carries out the rollout. The error is a validation
// error or ErrRunning; how the rollout went is in the Result. When ctx is
// done the rollout rolls back and ends Aborted.
func (c *Canary) Run(ctx context.Context) (*Result, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	from, to := c.names()
	p := c.plan("canary", from, to)
	if c.Health != nil {
		h := *c.Health
		p.health, p.healthURL = &h, c.healthURL(to)
	}
	return c.run(ctx, p)
}

// Resume continues a rollout that ended Paused, with the caller's
// decision. It returns ErrNotPaused when the last run did not pause.
func (c *Canary) Resume(ctx context.Context, d Decision) (*Result, error) {
	return c.resume(ctx, d)
}
