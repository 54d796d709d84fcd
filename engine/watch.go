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
			if reason := r.brokenCheck(); reason != "" {
				r.Abort(reason)
				return
			}
		}
	}()
}

// brokenCheck evaluates the watched checks on what has been recorded so
// far (whole seconds) and describes the first that fails; "" when none
// does, or when a check has no data yet.
func (r *Run) brokenCheck() string {
	r.mu.Lock()
	checks := slices.Clone(r.watched)
	loads := slices.Clone(r.loads)
	r.mu.Unlock()
	now := r.Elapsed().Truncate(time.Second)
	if now == 0 {
		return ""
	}
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
