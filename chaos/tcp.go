package chaos

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

func (p *Proxy) startTCP() {
	p.conns = make(map[net.Conn]struct{})
	p.dial = p.DialContext
	if p.dial == nil {
		p.dial = (&net.Dialer{Timeout: 30 * time.Second}).DialContext
	}
	p.wg.Add(1)
	go p.accept()
}

// accept serves connections until the listener is closed.
func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			if p.life.Err() != nil || errors.Is(err, net.ErrClosed) {
				return
			}
			// Out of file descriptors or the like: back off a little.
			p.logf("accept: %v", err)
			if p.clock.SleepUntil(p.life, p.clock.Now().Add(10*time.Millisecond)) != nil {
				return
			}
			continue
		}
		if !p.track(c) {
			_ = c.Close()
			return
		}
		p.wg.Add(1)
		go p.serveConn(c)
	}
}

// track registers c so that Close closes it; false once the proxy is
// closing.
func (p *Proxy) track(c net.Conn) bool {
	p.connMu.Lock()
	defer p.connMu.Unlock()
	if p.conns == nil {
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *Proxy) untrack(c net.Conn) {
	p.connMu.Lock()
	delete(p.conns, c)
	p.connMu.Unlock()
	_ = c.Close()
}

// closeConns closes every connection and refuses new ones.
func (p *Proxy) closeConns() {
	p.connMu.Lock()
	conns := p.conns
	p.conns = nil
	p.connMu.Unlock()
	for c := range conns {
		_ = c.Close()
	}
}

// serveConn decides once for the whole connection, then relays it.
func (p *Proxy) serveConn(c net.Conn) {
	defer p.wg.Done()
	defer p.untrack(c)
	ctx, cancel := context.WithCancel(p.life)
	defer cancel()

	var pl plan
	if s := p.active.Load(); s != nil {
		for _, e := range s.entries {
			if e.ctx.Err() == nil && e.decide(PerConnection, &pl) && pl.terminal() {
				break
			}
		}
	}
	var held []byte
	eof := false
	for i := range pl.before {
		d := &pl.before[i]
		var err error
		if d.forever {
			held, eof, err = hold(ctx, c, d.fault, held, eof)
		} else {
			err = wait(ctx, p.clock, d)
		}
		if err != nil {
			return
		}
	}
	if pl.reset {
		resetConn(c)
		return
	}
	up, err := p.dial(ctx, "tcp", p.Target)
	if err != nil {
		p.logf("dial %s: %v", p.Target, err)
		return
	}
	if !p.track(up) {
		_ = up.Close()
		return
	}
	defer p.untrack(up)
	p.relayConn(ctx, c, up, &pl, held, eof)
}

// holdLimit is how much of what a blackholed client sends the proxy keeps
// for the target; then it stops reading.
const holdLimit = 64 << 10

// hold answers nothing until fault is removed, keeping what the client
// sends (up to holdLimit, appended to buf) for the target, and noting
// whether the client has finished sending (eof). It returns ctx.Err()
// when ctx ends first, or the read error when the client's connection
// fails.
func hold(ctx context.Context, c net.Conn, fault context.Context, buf []byte, eof bool) ([]byte, bool, error) {
	if fault.Err() != nil {
		return buf, eof, ctx.Err()
	}
	idle := func() ([]byte, bool, error) {
		select {
		case <-ctx.Done():
		case <-fault.Done():
		}
		return buf, eof, ctx.Err()
	}
	if eof || len(buf) >= holdLimit {
		return idle()
	}
	type result struct {
		buf []byte
		err error
	}
	done := make(chan result, 1)
	go func(buf []byte) {
		b := make([]byte, 4096)
		for len(buf) < holdLimit {
			n, err := c.Read(b[:min(len(b), holdLimit-len(buf))])
			buf = append(buf, b[:n]...)
			if err != nil {
				done <- result{buf, err}
				return
			}
		}
		done <- result{buf, nil}
	}(buf)
	var res result
	select {
	case res = <-done:
		// The reader stopped by itself: the buffer is full, the client
		// has finished sending, or its connection failed.
		buf = res.buf
		switch {
		case res.err == nil:
			return idle()
		case errors.Is(res.err, io.EOF):
			eof = true
			return idle()
		}
		return buf, eof, res.err
	case <-fault.Done():
	case <-ctx.Done():
	}
	_ = c.SetReadDeadline(time.Unix(1, 0))
	res = <-done
	_ = c.SetReadDeadline(time.Time{})
	buf = res.buf
	switch {
	case res.err == nil, errors.Is(res.err, os.ErrDeadlineExceeded):
	case errors.Is(res.err, io.EOF):
		eof = true
	default:
		return buf, eof, res.err
	}
	return buf, eof, ctx.Err()
}

// relayConn relays c and up both ways with the plan's faults, and returns
// when both ways are done or the connection was cut.
func (p *Proxy) relayConn(ctx context.Context, c, up net.Conn, pl *plan, held []byte, eof bool) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var cutting atomic.Bool
	cutBoth := sync.OnceFunc(func() {
		cutting.Store(true)
		_ = c.Close()
		_ = up.Close()
	})
	start := p.clock.Now()
	for _, ct := range pl.cuts {
		if ct.after > 0 {
			go p.cutAfter(ctx, ct, start.Add(ct.after), cutBoth)
		}
	}
	down, upm := newMeters(p.clock, pl)

	upDone := make(chan struct{})
	go func() {
		defer close(upDone)
		if len(held) > 0 {
			if _, cut, err := upm.pass(ctx, held, up.Write); cut || err != nil {
				cutBoth()
				return
			}
		}
		if !eof {
			if cut, err := p.relay(ctx, up, c, &upm, nil); cut || err != nil {
				cutBoth()
				return
			}
		}
		closeWrite(up)
	}()

	cut, err := p.relay(ctx, c, up, &down, pl.response)
	switch {
	case cut || err != nil || cutting.Load():
		cutBoth()
	default:
		// The target has closed its side: close the client's, after any
		// slow close, and wait for the client to finish.
		for i := range pl.closing {
			if wait(ctx, p.clock, &pl.closing[i]) != nil {
				cutBoth()
				break
			}
		}
		closeWrite(c)
	}
	<-upDone
}

// relay copies src to dst through m, holding every chunk back for the
// delays. It returns whether m cut the stream, and nil at src's EOF.
func (p *Proxy) relay(ctx context.Context, dst, src net.Conn, m *meter, delays []delay) (bool, error) {
	if m.empty() && len(delays) == 0 {
		// No fault this way: let the kernel splice the bytes.
		_, err := io.Copy(dst, src)
		return false, err
	}
	bp := copyBuffers.Get().(*[]byte)
	defer copyBuffers.Put(bp)
	buf := *bp
	for {
		n, rerr := src.Read(buf)
		if n > 0 {
			for i := range delays {
				if err := wait(ctx, p.clock, &delays[i]); err != nil {
					return false, err
				}
			}
			_, cut, err := m.pass(ctx, buf[:n], dst.Write)
			if err != nil || cut {
				return cut, err
			}
		}
		if rerr != nil {
			if errors.Is(rerr, io.EOF) {
				return false, nil
			}
			return false, rerr
		}
	}
}

// closeWrite half-closes c, or closes it when it cannot be half-closed.
func closeWrite(c net.Conn) {
	if cw, ok := c.(interface{ CloseWrite() error }); ok {
		_ = cw.CloseWrite()
		return
	}
	_ = c.Close()
}
