//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package httpc

import (
	"syscall"
	"unsafe"
)

// peek is the probe run on an idle connection's socket (see conn.alive):
// a recv of one byte with MSG_PEEK|MSG_DONTWAIT, which neither blocks nor
// consumes. Only "would block" means the connection is open and quiet: 0
// bytes is the server's FIN, a byte is something it sent unasked (a 408
// before closing, say), an error is a reset. RawSyscall6 since the call
// never blocks.
func (cn *conn) peek(fd uintptr) {
	_, _, errno := syscall.RawSyscall6(syscall.SYS_RECVFROM, fd,
		uintptr(unsafe.Pointer(&cn.peekBuf[0])), 1, syscall.MSG_PEEK|syscall.MSG_DONTWAIT, 0, 0)
	cn.quiet = errno == syscall.EAGAIN || errno == syscall.EWOULDBLOCK
}
