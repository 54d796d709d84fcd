package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/reslua/reslua/engine"
)

// progressEvery is how often a running scenario prints a progress line.
const progressEvery = 5 * time.Second

// reportProgress writes one line per interval to w until ctx is done:
// elapsed time and, per load still running, completed requests, the rate
// since the last line, failures and drops.
func reportProgress(ctx context.Context, r *engine.Run, w io.Writer) {
	t := time.NewTicker(progressEvery)
	defer t.Stop()
	last := map[string]int64{}
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		p := r.Progress()
		var parts []string
		for _, l := range p.Loads {
			if l.Done {
				continue
			}
			rate := float64(l.Completed-last[l.Name]) / progressEvery.Seconds()
			last[l.Name] = l.Completed
			parts = append(parts, fmt.Sprintf("%s: %d done, %.0f/s, %d failed, %d dropped",
				l.Name, l.Completed, rate, l.Failures, l.Dropped))
		}
		if len(parts) > 0 {
			fmt.Fprintf(w, "  %6s  %s\n", p.Elapsed.Round(time.Second), strings.Join(parts, " | "))
		}
	}
}
