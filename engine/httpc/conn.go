package httpc

import (
	"bufio"
	"context"
	"io"
	"net"
	"os"
	"sync"
	"syscall"
	"time"
)

// conn is one kept-alive connection: the socket, its read buffer and its
// write buffer. It is used by one exchange at a time.
type conn struct {
	nc       net.Conn
	br       *bufio.Reader // reads through conn.Read
	wbuf     []byte
	uses     int  // exchanges started on it
	deadline bool // a deadline is set on nc

	// Raw socket I/O (see Read); rc is nil when nc is not a socket.
	rc      syscall.RawConn
	step    func(fd uintptr) bool // cn.rawStep, bound once
	pending []byte                // request bytes to write before the next read
	rbuf    []byte                // where rawStep reads to
	rn      int
	rerr    error
	blocked bool // rawStep could not write all of pending at once
	wrote   int  // bytes of the current exchange's request the kernel took

	// The liveness probe of an idle connection (see alive).
	probe   func(fd uintptr) // cn.peek, bound once
	peekBuf [1]byte
	quiet   bool

	// The cancel watch: an AfterFunc on the Done channel of the context
	// of the exchange. When it fires during an exchange it sets a past
	// deadline, which wakes a blocked read or write. A context without a
	// deadline is taken for a worker's long-lived one: its watch stays
	// registered after the exchange, so that the next exchange under the
	// same cancellation registers nothing (if it fires between exchanges
	// it only unregisters). A context with a deadline is taken for a
	// per-request one, soon cancelled: its watch is unregistered at the
	// end of the exchange, so that the cancel does not run it.
	mu       sync.Mutex
	busy     bool            // an exchange is on
	poisoned bool            // the watch fired during the exchange
	sticky   bool            // keep the watch after the exchange
	done     <-chan struct{} // the Done channel watched; nil: none
	stop     func() bool     // unregisters the watch
}

// aLongTimeAgo is a deadline that has passed.
var aLongTimeAgo = time.Unix(1, 0)

// maxKeptWrite bounds the write buffer a connection keeps between requests.
const maxKeptWrite = 64 << 10

func newConn(nc net.Conn, readSize int) *conn {
	cn := &conn{nc: nc, wbuf: make([]byte, 0, 512)}
	if sc, ok := nc.(syscall.Conn); ok {
		if rc, err := sc.SyscallConn(); err == nil {
			cn.rc = rc
			cn.step = cn.rawStep
			cn.probe = cn.peek
		}
	}
	cn.br = bufio.NewReaderSize(cn, readSize)
	return cn
}

// begin starts an exchange under ctx at now: the earlier of ctx's
// deadline and now+timeout (if timeout > 0) becomes the socket's
// deadline, and ctx's cancellation interrupts the exchange.
func (cn *conn) begin(ctx context.Context, now time.Time, timeout time.Duration) {
	d, hasDeadline := ctx.Deadline()
	hasCtxDeadline := hasDeadline
	if timeout > 0 {
		if t := now.Add(timeout); !hasDeadline || t.Before(d) {
			d, hasDeadline = t, true
		}
	}
	done := ctx.Done()
	cn.mu.Lock()
	var old func() bool
	if cn.done != done {
		old, cn.stop, cn.done = cn.stop, nil, done
	}
	// Under mu, so that a firing watch cannot be overwritten.
	if hasDeadline {
		cn.nc.SetDeadline(d)
		cn.deadline = true
	} else if cn.deadline {
		cn.nc.SetDeadline(time.Time{})
		cn.deadline = false
	}
	cn.busy, cn.poisoned = true, false
	cn.wrote = 0
	cn.sticky = !hasCtxDeadline
	register := done != nil && cn.stop == nil
	cn.mu.Unlock()
	if old != nil {
		old() // if it is firing, it finds cn.done changed and does nothing
	}
	if register {
		stop := context.AfterFunc(ctx, func() { cn.fire(done) })
		cn.mu.Lock()
		if cn.done == done {
			cn.stop = stop
		}
		cn.mu.Unlock()
	}
}

// fire is the cancel watch of done.
func (cn *conn) fire(done <-chan struct{}) {
	cn.mu.Lock()
	defer cn.mu.Unlock()
	if cn.done != done {
		return // a later exchange watches another context
	}
	cn.done, cn.stop = nil, nil
	if cn.busy {
		cn.nc.SetDeadline(aLongTimeAgo)
		cn.deadline = true
		cn.poisoned = true
	}
}

// end ends the exchange; it reports whether the cancel watch fired during
// it, leaving the connection unfit for reuse.
func (cn *conn) end() (poisoned bool) {
	cn.mu.Lock()
	cn.busy = false
	poisoned = cn.poisoned
	var stop func() bool
	if !cn.sticky {
		stop, cn.stop, cn.done = cn.stop, nil, nil
	}
	cn.mu.Unlock()
	if stop != nil {
		stop()
	}
	return poisoned
}

// send writes the request in one write when its body is small, else the
// head and then the body. On a socket, a small request is only queued: the
// read of the response head writes it (see Read).
func (cn *conn) send(req *Request, t *Template, host []byte) error {
	b, whole, err := req.appendTo(cn.wbuf[:0], t, host)
	if cap(b) <= maxKeptWrite {
		cn.wbuf = b[:0]
	}
	if err != nil {
		return err
	}
	if whole && cn.rc != nil && cn.br.Buffered() == 0 {
		cn.pending = b
		return nil
	}
	if whole {
		n, err := cn.nc.Write(b)
		cn.wrote += n
		return err
	}
	bufs := net.Buffers{b, req.Body}
	n, err := bufs.WriteTo(cn.nc)
	cn.wrote += int(n)
	return err
}

// Read is the connection as the bufio.Reader sees it. On a socket it
// writes a queued request and reads the response within one
// syscall.RawConn.Read: the runtime arms its readiness wait before the
// write, so the read that follows the write can wait for the response
// instead of first trying a read that is bound to find nothing (one
// syscall saved per request, as wrk's event loop does). Writes that do not
// go through at once fall back to the net.Conn's Write.
func (cn *conn) Read(p []byte) (int, error) {
	if cn.rc == nil {
		if len(cn.pending) > 0 {
			n, err := cn.nc.Write(cn.pending)
			cn.wrote += n
			cn.pending = nil
			if err != nil {
				return 0, err
			}
		}
		return cn.nc.Read(p)
	}
	for {
		cn.rbuf, cn.rn, cn.rerr, cn.blocked = p, 0, nil, false
		err := cn.rc.Read(cn.step)
		cn.rbuf = nil
		if err != nil {
			cn.pending = nil
			return 0, err
		}
		if cn.blocked {
			n, err := cn.nc.Write(cn.pending)
			cn.wrote += n
			cn.pending = nil
			if err != nil {
				return 0, err
			}
			continue
		}
		return cn.rn, cn.rerr
	}
}

// rawStep is the function syscall.RawConn.Read calls, first and after each
// readiness wakeup. It writes the pending request first (and then always
// waits), else reads; false means "wait until readable".
func (cn *conn) rawStep(fd uintptr) bool {
	if len(cn.pending) > 0 {
		n, err := ignoringEINTR(syscall.Write, int(fd), cn.pending)
		if n > 0 {
			cn.pending = cn.pending[n:]
			cn.wrote += n
		}
		switch {
		case err == syscall.EAGAIN || err == nil && len(cn.pending) > 0:
			cn.blocked = true
			return true
		case err != nil:
			cn.pending = nil
			cn.rerr = &net.OpError{Op: "write", Net: "tcp", Source: cn.nc.LocalAddr(), Addr: cn.nc.RemoteAddr(), Err: os.NewSyscallError("write", err)}
			return true
		}
		cn.pending = nil
		return false // the response cannot be there yet
	}
	n, err := ignoringEINTR(syscall.Read, int(fd), cn.rbuf)
	switch {
	case err == syscall.EAGAIN:
		return false
	case err != nil:
		cn.rerr = &net.OpError{Op: "read", Net: "tcp", Source: cn.nc.LocalAddr(), Addr: cn.nc.RemoteAddr(), Err: os.NewSyscallError("read", err)}
	case n == 0 && len(cn.rbuf) > 0:
		cn.rerr = io.EOF
	default:
		cn.rn = n
	}
	return true
}

func ignoringEINTR(f func(int, []byte) (int, error), fd int, b []byte) (int, error) {
	for {
		n, err := f(fd, b)
		if err != syscall.EINTR {
			return n, err
		}
	}
}

// alive reports whether an idle connection taken from the pool can carry
// a request: the server has neither closed it (FIN or reset) nor sent
// anything unasked since the last response. On a socket it costs one
// non-blocking recv with MSG_PEEK, made before anything is written, so a
// connection the server closed while it sat idle (Node closes them after
// 5 s) is dropped without a byte of the request sent on it. A server that
// closes between this look and the write is still possible; see Do for
// what is resent then. Off a socket only unasked buffered bytes are seen.
func (cn *conn) alive() bool {
	if cn.br.Buffered() > 0 {
		return false
	}
	if cn.rc == nil {
		return true
	}
	cn.quiet = false
	if err := cn.rc.Control(cn.probe); err != nil {
		return false
	}
	return cn.quiet
}

// close unregisters the cancel watch and closes the socket.
func (cn *conn) close() {
	cn.mu.Lock()
	stop := cn.stop
	cn.stop, cn.done = nil, nil
	cn.mu.Unlock()
	if stop != nil {
		stop()
	}
	cn.nc.Close()
}
