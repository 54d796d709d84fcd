package deploy

import "context"

// HealthAnalyzer is an Analyzer that probes a health endpoint once per
// measurement: Pass when the probe succeeds, Fail otherwise, with what the
// probe saw as the message. It is the reference chapter's check after
// each traffic shift, and BlueGreen's analyzer when none is given.
type HealthAnalyzer struct {
	// Check says how to probe; its Successes, Interval and Timeout are
	// not used.
	Check HealthCheck
	// URL is the target's base URL.
	URL string
}

// Analyze probes the target once.
func (a HealthAnalyzer) Analyze(ctx context.Context, _ Step) (Verdict, string, error) {
	p := a.Check.Probe(ctx, a.URL)
	if p.Healthy {
		return Pass, p.URL + ": " + p.Detail, nil
	}
	return Fail, p.URL + ": " + p.Detail, nil
}
