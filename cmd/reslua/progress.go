package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/reslua/reslua/engine"
)

// How often progress is shown: a terminal's block is redrawn every
// second; a log (CI) gets a line every five.
const (
	blockEvery    = time.Second
	progressEvery = 5 * time.Second
)

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// reportProgress shows the run's progress on w until ctx is done: on a
// terminal, a block redrawn in place every second (block must then be
// the writer everything else on w goes through, so that other lines are
// written above it); elsewhere, a plain line every five seconds.
func reportProgress(ctx context.Context, r *engine.Run, w io.Writer, block *liveBlock) {
	every := progressEvery
	if block != nil {
		every = blockEvery
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			if block != nil {
				block.set(nil)
			}
			return
		case <-t.C:
		}
		p := r.Progress()
		if block != nil {
			block.set(progressBlock(p))
			continue
		}
		if line := progressLine(p); line != "" {
			fmt.Fprintln(w, line)
		}
	}
}

// progressLine is one line of progress for a log.
func progressLine(p engine.Progress) string {
	var parts []string
	for _, l := range p.Loads {
		if l.Done {
			continue
		}
		parts = append(parts, fmt.Sprintf("%s: %d done, %s of %s%s, %d failed, %d dropped",
			l.Name, l.Completed, perSecond(l.Last.Count), target(l), asOf(p.Elapsed, l), l.Failures, l.Dropped))
	}
	if len(parts) == 0 {
		return ""
	}
	line := fmt.Sprintf("  %6s  %s", p.Elapsed.Round(time.Second), strings.Join(parts, " | "))
	if len(p.Faults) > 0 {
		line += " | faults: " + faultList(p.Faults)
	}
	if p.Step != "" {
		line += " | step: " + p.Step
	}
	return line
}

// asOf names the second a load's per-second figures come from when it is
// not the one just finished: the figures are of the last second whose
// requests have all ended, and a slow target holds that second back.
func asOf(elapsed time.Duration, l engine.LoadProgress) string {
	if l.Done || elapsed-(l.Last.Offset+time.Second) < 2*time.Second {
		return ""
	}
	return fmt.Sprintf(" (second +%s: later ones have requests in flight)", l.Last.Offset.Round(time.Second))
}

// progressBlock is the lines a terminal shows: time, each load's last
// second, routes with their weights and breakers, breakers of targets,
// active faults and the rollout step.
func progressBlock(p engine.Progress) []string {
	elapsed := p.Elapsed.Round(time.Second).String()
	if p.Length > 0 {
		elapsed += " / " + p.Length.Round(time.Second).String()
	}
	lines := []string{"── " + elapsed + " ──"}
	for _, l := range p.Loads {
		state := ""
		if l.Done {
			state = " (done)"
		}
		lines = append(lines, fmt.Sprintf("  %s%s: %s of %s, p95 %s, %d errors/s%s; %d done, %d failed, %d dropped",
			l.Name, state, perSecond(l.Last.Count), target(l), l.Last.P95.Round(10*time.Microsecond), l.Last.Failures,
			asOf(p.Elapsed, l), l.Completed, l.Failures, l.Dropped))
	}
	var routes []string
	last := ""
	for _, rt := range p.Routes {
		s := fmt.Sprintf("%s=%d", rt.Route, rt.Weight)
		if rt.Breaker != "" && rt.Breaker != "closed" {
			s += " (" + strings.ReplaceAll(rt.Breaker, "_", "-") + ")"
		}
		if rt.Router != last {
			s = rt.Router + ": " + s
			last = rt.Router
		}
		routes = append(routes, s)
	}
	if len(routes) > 0 {
		lines = append(lines, "  routes "+strings.Join(routes, " "))
	}
	var breakers []string
	for _, b := range p.Breakers {
		breakers = append(breakers, b.Target+" "+strings.ReplaceAll(b.State, "_", "-"))
	}
	if len(breakers) > 0 {
		lines = append(lines, "  breakers "+strings.Join(breakers, ", "))
	}
	if len(p.Faults) > 0 {
		lines = append(lines, "  faults "+faultList(p.Faults))
	}
	if p.Step != "" {
		lines = append(lines, "  rollout step "+p.Step)
	}
	return lines
}

func perSecond(n int64) string { return fmt.Sprintf("%d/s", n) }

// target renders a load's planned rate (or users) now.
func target(l engine.LoadProgress) string {
	if l.Closed {
		return fmt.Sprintf("%.0f users", l.Target)
	}
	return fmt.Sprintf("%.0f/s planned", l.Target)
}

// faultList renders active faults as "label (kinds) on proxy".
func faultList(fs []engine.FaultProgress) string {
	var out []string
	index := map[string]int{}
	var kinds [][]string
	for _, f := range fs {
		key := f.Label + "\x00" + f.Proxy
		i, ok := index[key]
		if !ok {
			i = len(out)
			index[key] = i
			out = append(out, "")
			kinds = append(kinds, nil)
		}
		kinds[i] = append(kinds[i], f.Kind)
		out[i] = fmt.Sprintf("%s (%s) on %s", f.Label, strings.Join(kinds[i], ", "), f.Proxy)
	}
	return strings.Join(out, "; ")
}

// liveBlock is a terminal writer that keeps a block of lines at the
// bottom: other output is written above it, and set redraws it in place.
type liveBlock struct {
	mu    sync.Mutex
	w     io.Writer
	lines []string
	shown int // lines of the block on the screen
}

func newLiveBlock(w io.Writer) *liveBlock { return &liveBlock{w: w} }

// Write writes p above the block.
func (b *liveBlock) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.erase()
	n, err := b.w.Write(p)
	b.draw()
	return n, err
}

// set replaces the block's lines (nil: no block) and redraws it.
func (b *liveBlock) set(lines []string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.erase()
	b.lines = lines
	b.draw()
}

// erase moves the cursor to the block's first line and clears to the end
// of the screen.
func (b *liveBlock) erase() {
	if b.shown > 0 {
		fmt.Fprintf(b.w, "\x1b[%dA\r\x1b[J", b.shown)
		b.shown = 0
	}
}

func (b *liveBlock) draw() {
	for _, l := range b.lines {
		fmt.Fprintln(b.w, l)
	}
	b.shown = len(b.lines)
}
