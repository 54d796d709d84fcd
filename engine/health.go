package engine

import (
	"fmt"
	"runtime"
	"syscall"
	"time"
)

// GeneratorHealth is how the load generator itself fared: the figures
// that say whether the run measured the target or the generator.
type GeneratorHealth struct {
	// CPU is the process's user+system CPU time during the run. It
	// includes embedded demo servers, which run in the same process.
	CPU time.Duration
	// Cores is the number of CPUs the process may use: its CPU affinity,
	// or GOMAXPROCS when that is lower.
	Cores int
	// EmbeddedServers counts demo servers sharing the process's CPU.
	EmbeddedServers int
	// Warnings name what limited the run on the generator's side: full
	// queues, scheduler lag, a busy CPU. Empty when nothing did.
	Warnings []string
}

// processCPU returns the process's CPU time so far; 0 where unknown.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// Thresholds past which the generator is said to have limited a run.
const (
	lagWarning  = time.Millisecond // scheduler lag p99
	cpuWarning  = 0.9              // share of the process's cores
	waitWarning = time.Millisecond // queue wait p99 (workers all busy)
)

// health computes the run's generator health from its results.
func health(cpu, elapsed time.Duration, demos int, loads []LoadResult) GeneratorHealth {
	h := GeneratorHealth{CPU: cpu, Cores: min(runtime.GOMAXPROCS(0), runtime.NumCPU()), EmbeddedServers: demos}
	warn := func(format string, args ...any) { h.Warnings = append(h.Warnings, fmt.Sprintf(format, args...)) }
	for _, l := range loads {
		if l.Dropped > 0 {
			warn("load %q dropped %d arrivals: its queue was full (raise workers or queue)", l.Name, l.Dropped)
		}
		lag := l.Lag.ValueAtQuantile(99)
		if time.Duration(lag)*time.Microsecond > lagWarning {
			warn("load %q: the scheduler ran %s late at p99 (over %s), so requests left later than planned", l.Name, formatMicros(lag), lagWarning)
		}
		if l.Closed {
			continue
		}
		wait := newHistogram()
		for _, q := range l.Requests {
			wait.Merge(q.Wait)
		}
		// The wait includes the scheduler's lag, warned about above.
		if w := wait.ValueAtQuantile(99); time.Duration(w-lag)*time.Microsecond > waitWarning {
			warn("load %q: arrivals waited %s at p99 for a free worker; latency includes the wait (raise workers if the target is not the cause)", l.Name, formatMicros(w))
		}
	}
	if elapsed > 0 && cpu > 0 {
		if used := cpu.Seconds() / elapsed.Seconds(); used > cpuWarning*float64(h.Cores) {
			warn("the process used %.0f%% of its %d cores%s", 100*used/float64(h.Cores), h.Cores, demoNote(demos))
		}
	}
	return h
}

func demoNote(demos int) string {
	if demos == 0 {
		return ""
	}
	return fmt.Sprintf(" (shared with %d embedded demo server%s)", demos, plural(demos))
}
