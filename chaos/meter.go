package chaos

import (
	"context"
	"sync"
	"time"
)

// meter paces and counts the bytes flowing one way through the proxy: the
// bandwidth limits and the byte cuts that apply to that direction.
type meter struct {
	pacers  []*pacer
	budgets []*budget
}

func (m *meter) empty() bool { return len(m.pacers) == 0 && len(m.budgets) == 0 }

// pacer holds a stream to rate bytes per second: the bytes sent so far
// may not get ahead of the time elapsed since the first of them.
type pacer struct {
	clock Clock
	fault context.Context
	rate  int64
	start time.Time
	sent  int64
}

// chunk is how many bytes the pacer lets through at once: a tenth of a
// second's worth, between 1 byte and 64 KiB.
func (pc *pacer) chunk() int {
	return int(min(max(pc.rate/10, 1), 64<<10))
}

// turn waits until the bytes sent so far are due. It returns ctx.Err()
// when ctx ends first; a removed fault no longer holds anything back.
func (pc *pacer) turn(ctx context.Context) error {
	if pc.fault.Err() != nil {
		return ctx.Err()
	}
	now := pc.clock.Now()
	if pc.start.IsZero() {
		pc.start = now
	}
	due := pc.start.Add(time.Duration(float64(pc.sent) / float64(pc.rate) * float64(time.Second)))
	if !due.After(now) {
		return ctx.Err()
	}
	wctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(pc.fault, cancel)
	_ = pc.clock.SleepUntil(wctx, due)
	stop()
	cancel()
	return ctx.Err()
}

// budget is the bytes a cut lets through; it may be shared by both
// directions.
type budget struct {
	fault context.Context
	mu    sync.Mutex
	left  int64
}

// take takes up to n bytes and returns how many it took.
func (b *budget) take(n int) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	k := int(min(int64(n), b.left))
	b.left -= int64(k)
	return k
}

// give returns n bytes taken but not sent.
func (b *budget) give(n int) {
	b.mu.Lock()
	b.left += int64(n)
	b.mu.Unlock()
}

// exhausted reports whether the budget is spent (and its fault still on).
func (b *budget) exhausted() bool {
	if b.fault.Err() != nil {
		return false
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.left <= 0
}

// take reserves up to n bytes from every live budget and returns how many
// may be sent.
func (m *meter) take(n int) int {
	took := make([]int, len(m.budgets))
	k := n
	for i, b := range m.budgets {
		if b.fault.Err() != nil {
			took[i] = -1
			continue
		}
		took[i] = b.take(n)
		k = min(k, took[i])
	}
	for i, b := range m.budgets {
		if took[i] > k {
			b.give(took[i] - k)
		}
	}
	return k
}

// cut reports whether a live budget is spent.
func (m *meter) cut() bool {
	for _, b := range m.budgets {
		if b.exhausted() {
			return true
		}
	}
	return false
}

// pass writes p with write, in chunks each of which waits for every
// pacer's turn, until p is written or a budget is spent. It returns the
// bytes written, whether the stream must now be cut, and the first error
// from ctx or write.
func (m *meter) pass(ctx context.Context, p []byte, write func([]byte) (int, error)) (int, bool, error) {
	written := 0
	for len(p) > 0 {
		k := len(p)
		for _, pc := range m.pacers {
			if pc.fault.Err() == nil {
				k = min(k, pc.chunk())
			}
		}
		for _, pc := range m.pacers {
			if err := pc.turn(ctx); err != nil {
				return written, false, err
			}
		}
		if len(m.budgets) > 0 {
			k = m.take(k)
		}
		if k > 0 {
			n, err := write(p[:k])
			written += n
			for _, pc := range m.pacers {
				pc.sent += int64(n)
			}
			if err != nil {
				return written, false, err
			}
		}
		if len(m.budgets) > 0 && m.cut() {
			return written, true, nil
		}
		p = p[k:]
	}
	return written, false, nil
}

// newMeters builds the meters of a plan's limits and byte cuts, one per
// direction. A Both cut shares one budget between the two.
func newMeters(clock Clock, pl *plan) (down, up meter) {
	for _, l := range pl.limits {
		if l.dir.down() {
			down.pacers = append(down.pacers, &pacer{clock: clock, fault: l.fault, rate: l.rate})
		}
		if l.dir.up() {
			up.pacers = append(up.pacers, &pacer{clock: clock, fault: l.fault, rate: l.rate})
		}
	}
	for _, c := range pl.cuts {
		if c.bytes <= 0 {
			continue
		}
		b := &budget{fault: c.fault, left: c.bytes}
		if c.dir.down() {
			down.budgets = append(down.budgets, b)
		}
		if c.dir.up() {
			up.budgets = append(up.budgets, b)
		}
	}
	return down, up
}
