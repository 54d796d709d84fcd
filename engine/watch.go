package engine

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// watchCheck adds c to the checks evaluated every second while the run
// goes on (CheckSpec.AbortOnFail), starting the watch with the first. The
// watch evaluates pure Go figures on its own goroutine; the first check
// that fails aborts the run.
func (r *Run) watchCheck(c Check) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.watched = append(r.watched, c)
	if r.stopWatch != nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	r.stopWatch = cancel
	go func() {
		for {
			next := r.clock.Now().Add(time.Second)
			if r.clock.SleepUntil(ctx, next) != nil {
				return
			}
			if reason := r.brokenCheck(ctx); reason != "" {
				r.Abort(reason)
				return
			}
		}
	}()
}

// brokenCheck evaluates the watched checks on what has been recorded so
// far (whole seconds) and describes the first that fails; "" when none
// does, or when a check has no data yet. It first waits, as a live
// check does (settle), until the requests due before the current second
// have ended, so that slow ones are not left out (a p95 read too low, an
// error rate of the fast failures alone read too high).
func (r *Run) brokenCheck(ctx context.Context) string {
	r.mu.Lock()
	checks := slices.Clone(r.watched)
	loads := slices.Clone(r.loads)
	r.mu.Unlock()
	now := r.Elapsed().Truncate(time.Second)
	if now == 0 {
		return ""
	}
	specs := make([]CheckSpec, len(checks))
	for i, c := range checks {
		specs[i] = c.Spec
	}
	r.settle(ctx, selectedLoads(loads, specs), max(now-trackRing*time.Second, 0), now)
	live := &Result{Elapsed: now, Phases: r.phases.all(now), Events: r.events.sorted()}
	for _, l := range loads {
		live.Loads = append(live.Loads, l.result())
	}
	for _, c := range checks {
		res := live.evaluate(c)
		if res.NoData || res.Passed {
			continue
		}
		where := ""
		if c.Spec.Where != "" {
			where = c.Spec.Where + ": "
		}
		return fmt.Sprintf("%s%s failed at +%s (%s) with abort_on_fail", where, c, now, c.Format(res.Measured))
	}
	return ""
}
