//go:build unix

package engine

import (
	"syscall"
	"time"
)

// nanosleep blocks the calling thread for d (plus the kernel's timer
// slack, 50 µs by default), without going through the Go timer wheel.
func nanosleep(d time.Duration) {
	ts := syscall.NsecToTimespec(int64(d))
	_ = syscall.Nanosleep(&ts, nil) // EINTR: the caller loops
}
