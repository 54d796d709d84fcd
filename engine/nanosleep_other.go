//go:build !unix

package engine

import "time"

// nanosleep falls back to a timer sleep where there is no nanosleep.
func nanosleep(d time.Duration) { time.Sleep(d) }
