package engine

import "time"

// Progress is a cheap live view of a run: counters only, no histograms.
type Progress struct {
	Elapsed time.Duration
	Loads   []LoadProgress
}

// LoadProgress counts what one load has done so far.
type LoadProgress struct {
	Name                       string
	Scheduled, Dropped, Unsent int64
	Completed, Failures        int64
	Done                       bool
}

// Progress returns the run's counters as they are now. Safe to call from
// any goroutine while the run goes on.
func (r *Run) Progress() Progress {
	r.mu.Lock()
	loads := append([]*Load(nil), r.loads...)
	r.mu.Unlock()
	p := Progress{Elapsed: r.Elapsed()}
	for _, l := range loads {
		lp := LoadProgress{
			Name:      l.spec.Name,
			Scheduled: l.scheduled.Load(),
			Dropped:   l.dropped.Load(),
			Unsent:    l.unsent.Load(),
		}
		select {
		case <-l.done:
			lp.Done = true
		default:
		}
		for _, s := range l.names {
			c, f := s.counts()
			lp.Completed += c
			lp.Failures += f
		}
		p.Loads = append(p.Loads, lp)
	}
	return p
}
