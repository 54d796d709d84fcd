package httpc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Client sends requests to one origin over kept-alive HTTP/1.1
// connections (plain http:// only). Set its fields before the first Do and
// leave them alone after; then it is safe for concurrent use. It must not
// be copied after first use. The zero value has no Addr and fails every
// Do with ErrInvalid.
type Client struct {
	// Addr is the origin's host:port, e.g. "127.0.0.1:8080"; required.
	Addr string
	// Host is the Host header sent unless a Template sets one; zero: Addr.
	Host string
	// MaxConns bounds the connections open at once (idle, in use and
	// being dialled); a Do beyond it waits for one. Zero: no bound.
	MaxConns int
	// DialTimeout bounds a dial, within Do's context; zero: only the
	// context bounds it.
	DialTimeout time.Duration
	// Dial opens a connection; zero: a net.Dialer with DialTimeout. Tests
	// and unusual networks set it.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// ReadBufferSize is the size of each connection's read buffer, which
	// also bounds a chunk-size or trailer line; zero: 4096.
	ReadBufferSize int
	// Timeout bounds each exchange, from the write to the end of the
	// body, when the context has no earlier deadline. A worker that sets
	// it can pass its long-lived context to Do instead of a per-request
	// context.WithTimeout, which saves that context's allocations; the
	// error is then os.ErrDeadlineExceeded (outcome.Timeout). Zero: only
	// the context bounds an exchange.
	Timeout time.Duration
	// MaxHeaderBytes bounds a response head (status line and headers,
	// interim responses included); zero: 1 MiB.
	MaxHeaderBytes int
	// Origin, if set, is shared by the Clients of one origin, which then
	// learn what they learn of it (whether it speaks HTTP/2 only) once;
	// nil: the Client's own.
	Origin *Origin

	once       sync.Once
	initErr    error
	hostLine   []byte // "Host: ...\r\n"
	pool       pool
	dials      atomic.Int64
	retries    atomic.Int64
	reconnects atomic.Int64
	own        Origin // when Origin is nil
}

// Origin is what the Clients of one origin learn of it. The zero value
// knows nothing yet.
type Origin struct {
	h2c atomic.Int32 // 0: not probed; 1: probing or probed, not h2c; 2: the origin speaks HTTP/2 only
}

// init fills the derived fields on first use.
func (c *Client) init() error {
	c.once.Do(func() {
		if _, _, err := net.SplitHostPort(c.Addr); err != nil {
			c.initErr = fmt.Errorf("%w: Addr %q: expected host:port", ErrInvalid, c.Addr)
			return
		}
		host := c.Host
		if host == "" {
			host = c.Addr
		}
		if err := checkHeader("Host", host); err != nil {
			c.initErr = err
			return
		}
		c.hostLine = appendHeader(nil, "Host", host)
		if c.Dial == nil {
			c.Dial = (&net.Dialer{Timeout: c.DialTimeout}).DialContext
		}
		if c.ReadBufferSize <= 0 {
			c.ReadBufferSize = 4096
		}
		if c.MaxHeaderBytes <= 0 {
			c.MaxHeaderBytes = 1 << 20
		}
		c.pool.max = c.MaxConns
	})
	return c.initErr
}

// Do sends req and reads the response's status line and headers into
// resp, whose Body then reads the body; see the package documentation for
// the body's life. ctx bounds the whole exchange, body included, and a
// wait for a free connection. resp's previous exchange, if still open, is
// closed first. On error resp holds no connection and its fields are not
// to be trusted; the error is an *Error (or ErrClosed).
func (c *Client) Do(ctx context.Context, req *Request, resp *Response) error {
	resp.Close()
	if err := c.init(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return &Error{Op: "write", Err: err}
	}
	t := req.Template
	if t == nil {
		t = defaultTemplate
	}
	for replay := false; ; replay = true {
		cn, err := c.pool.get(ctx, replay)
		if err != nil {
			return err
		}
		// A kept-alive connection the server closed while it sat idle
		// is replaced before a byte is written on it.
		for cn != nil && !cn.alive() {
			c.reconnects.Add(1)
			cn = c.pool.replace(cn)
		}
		if cn == nil {
			if cn, err = c.dial(ctx); err != nil {
				c.pool.put(nil, false)
				return wrap(ctx, "dial", err)
			}
		}
		sent := time.Now()
		cn.begin(ctx, sent, c.Timeout)
		reused := cn.uses > 0
		cn.uses++
		op, started := "write", false
		if err = cn.send(req, t, c.hostLine); err == nil {
			op = "read head"
			started, err = resp.readHead(cn.br, c.MaxHeaderBytes, t.isHead, sent)
		}
		if err == nil {
			resp.attach(ctx, c, cn)
			return nil
		}
		cn.end()
		c.pool.put(cn, false)
		if errors.Is(err, ErrInvalid) { // a refused request header
			return err
		}
		if reused && !replay && ctx.Err() == nil && isStale(err) {
			// The server closed the kept-alive connection between the
			// look in alive and the write. When the kernel took no byte
			// of the request, none can have reached the server: any
			// request goes again. Otherwise only a replayable one does,
			// and only if no byte of the response came back.
			if cn.wrote == 0 {
				c.reconnects.Add(1)
				continue
			}
			if !started && req.replayable(t) {
				c.reconnects.Add(1)
				c.retries.Add(1)
				continue
			}
		}
		if !started && !reused && isStale(err) && ctx.Err() == nil && c.h2cOnly(ctx) {
			err = ErrH2C
		}
		return wrap(ctx, op, err)
	}
}

// h2cOnly reports whether the origin speaks HTTP/2 only (h2c), as a
// fresh connection that ends without a byte of reply may say: Go's
// net/http server with Protocols set to unencrypted HTTP/2 alone closes
// an HTTP/1.1 request at once. The first time, it asks on a connection of
// its own, which sends the HTTP/2 preface and an empty SETTINGS frame and
// looks for a SETTINGS frame in reply (bounded by ctx, DialTimeout and
// Timeout, at most a second; not counted in Stats); calls meanwhile
// report false. The answer is kept in the Origin.
func (c *Client) h2cOnly(ctx context.Context) bool {
	o := c.Origin
	if o == nil {
		o = &c.own
	}
	if !o.h2c.CompareAndSwap(0, 1) {
		return o.h2c.Load() == 2
	}
	wait := time.Second
	if c.Timeout > 0 {
		wait = min(wait, c.Timeout)
	}
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	nc, err := c.Dial(ctx, "tcp", c.Addr)
	if err != nil {
		return false
	}
	defer nc.Close()
	stop := context.AfterFunc(ctx, func() { nc.SetDeadline(time.Now()) })
	defer stop()
	const preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + "\x00\x00\x00\x04\x00\x00\x00\x00\x00"
	if _, err := io.WriteString(nc, preface); err != nil {
		return false
	}
	var b [9]byte
	if _, err := io.ReadFull(nc, b[:]); err != nil || !isH2Frame(b[:]) || b[3] != 0x4 {
		return false
	}
	o.h2c.Store(2)
	return true
}

// isStale reports whether err is how a kept-alive connection that the
// server closed while it was idle fails.
func isStale(err error) bool {
	return err == io.EOF || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

func (c *Client) dial(ctx context.Context) (*conn, error) {
	nc, err := c.Dial(ctx, "tcp", c.Addr)
	if err != nil {
		return nil, err
	}
	c.dials.Add(1)
	return newConn(nc, c.ReadBufferSize), nil
}

// Close closes the idle connections and makes every later Do fail with
// ErrClosed; connections in use are closed when their responses end.
func (c *Client) Close() error {
	c.init()
	c.pool.close()
	return nil
}

// Stats returns what the Client has counted so far.
func (c *Client) Stats() Stats {
	return Stats{Dials: c.dials.Load(), Reconnects: c.reconnects.Load(), Replays: c.retries.Load()}
}
