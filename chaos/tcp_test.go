package chaos

import (
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestTCPPassThrough(t *testing.T) {
	p := tcpProxy(t, tcpServer(t, echo), nil)
	if want := "tcp://" + p.Addr(); p.URL() != want {
		t.Errorf("URL = %q, want %q", p.URL(), want)
	}
	c := dial(t, p.Addr())
	for i := range 3 {
		msg := fmt.Sprintf("ping %d\n", i)
		if got := roundTrip(t, c, msg); got != msg {
			t.Errorf("echo %q, want %q", got, msg)
		}
	}
	// Half-close passes through: the echo server sees EOF and closes.
	c.CloseWrite()
	if rest, err := io.ReadAll(c); err != nil || len(rest) != 0 {
		t.Errorf("after CloseWrite: %q, %v", rest, err)
	}
}

func TestPerConnectionScope(t *testing.T) {
	p := tcpProxy(t, tcpServer(t, echo), nil)
	id := mustAdd(t, p, Fault{Action: Reset{}, Every: 2})
	// The decision is made once per connection: connection 1 carries many
	// exchanges untouched, connection 2 is reset, connection 3 is fine.
	for i := 1; i <= 3; i++ {
		if i == 2 {
			if err := dialReset(t, p.Addr()); !errors.Is(err, syscall.ECONNRESET) {
				t.Errorf("connection 2: %v, want ECONNRESET", err)
			}
			continue
		}
		c := dial(t, p.Addr())
		for j := range 5 {
			msg := fmt.Sprintf("conn %d msg %d\n", i, j)
			if got := roundTrip(t, c, msg); got != msg {
				t.Errorf("got %q", got)
			}
		}
	}
	if st, _ := p.Stats(id); st != (Stats{Matched: 3, Injected: 1}) {
		t.Errorf("stats %+v; want 3 matched (connections, not messages), 1 injected", st)
	}
}

func TestTCPLatencyPerChunk(t *testing.T) {
	clk := newFakeClock()
	p := tcpProxy(t, tcpServer(t, echo), clk)
	mustAdd(t, p, Fault{Action: Latency{Delay: time.Second, Response: true}})
	c := dial(t, p.Addr())
	// Every answer on the connection is held back a second.
	for i := range 3 {
		msg := fmt.Sprintf("q%d\n", i)
		got := make(chan string)
		go func() { got <- roundTrip(t, c, msg) }()
		clk.awaitSleepers(t, 1)
		if d := clk.sleepers()[0].Sub(clk.Now()); d != time.Second {
			t.Errorf("exchange %d held %v, want 1s", i, d)
		}
		select {
		case s := <-got:
			t.Fatalf("answer %q before the delay", s)
		default:
		}
		clk.Advance(time.Second)
		if s := <-got; s != msg {
			t.Errorf("got %q", s)
		}
	}
}

func TestTCPLatencyBeforeDial(t *testing.T) {
	clk := newFakeClock()
	p := tcpProxy(t, tcpServer(t, echo), clk)
	mustAdd(t, p, Fault{Action: Latency{Delay: 2 * time.Second}})
	c := dial(t, p.Addr())
	got := make(chan string)
	go func() { got <- roundTrip(t, c, "hello\n") }()
	clk.awaitSleepers(t, 1)
	clk.Advance(2 * time.Second)
	if s := <-got; s != "hello\n" {
		t.Errorf("got %q", s)
	}
	// Once connected, no more delay.
	if s := roundTrip(t, c, "again\n"); s != "again\n" {
		t.Errorf("got %q", s)
	}
}

func TestTCPReset(t *testing.T) {
	p := tcpProxy(t, tcpServer(t, echo), nil)
	mustAdd(t, p, Fault{Action: Reset{}, First: 1})
	if err := dialReset(t, p.Addr()); !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("read: %v, want ECONNRESET", err)
	}
	if got := roundTrip(t, dial(t, p.Addr()), "x\n"); got != "x\n" {
		t.Errorf("second connection: %q", got)
	}
}

func TestTCPCutBytes(t *testing.T) {
	p := tcpProxy(t, tcpServer(t, talker), nil)
	mustAdd(t, p, Fault{Action: Cut{Bytes: 1000}})
	c := dial(t, p.Addr())
	io.WriteString(c, "100000\n")
	got, err := io.ReadAll(c)
	if len(got) != 1000 || err != nil {
		t.Errorf("read %d bytes, %v; want 1000 then EOF", len(got), err)
	}
}

func TestTCPCutBytesBoth(t *testing.T) {
	p := tcpProxy(t, tcpServer(t, talker), nil)
	// "500\n" is 4 bytes up, so 96 come down.
	mustAdd(t, p, Fault{Action: Cut{Bytes: 100, Direction: Both}})
	c := dial(t, p.Addr())
	io.WriteString(c, "500\n")
	got, _ := io.ReadAll(c)
	if len(got) != 96 {
		t.Errorf("read %d bytes, want 96", len(got))
	}
}

func TestTCPCutAfter(t *testing.T) {
	clk := newFakeClock()
	p := tcpProxy(t, tcpServer(t, echo), clk)
	mustAdd(t, p, Fault{Action: Cut{After: 30 * time.Second}})
	c := dial(t, p.Addr())
	if got := roundTrip(t, c, "before\n"); got != "before\n" {
		t.Fatalf("got %q", got)
	}
	clk.awaitSleepers(t, 1)
	clk.Advance(30 * time.Second)
	if _, err := c.Read(make([]byte, 1)); err == nil {
		t.Errorf("read after the cut succeeded")
	}
}

func TestTCPBandwidth(t *testing.T) {
	clk := newFakeClock()
	p := tcpProxy(t, tcpServer(t, talker), clk)
	mustAdd(t, p, Fault{Action: Bandwidth{BytesPerSecond: 10_000}})
	done := make(chan struct{})
	go clk.drive(done)
	start := clk.Now()
	c := dial(t, p.Addr())
	io.WriteString(c, "50000\n")
	got, err := io.ReadAll(c)
	close(done)
	// At most 1000 B every 100 ms, the first at once: the last chunk goes
	// when the 49,000-odd bytes before it are due, at 4.9 s or a little
	// after when reads from the target split the chunks.
	if took := clk.Now().Sub(start); len(got) != 50000 || err != nil || took < 4900*time.Millisecond || took >= 5*time.Second {
		t.Errorf("%d bytes (%v) in %v; want 50000 in [4.9s, 5s)", len(got), err, took)
	}
}

func TestTCPSlowClose(t *testing.T) {
	clk := newFakeClock()
	p := tcpProxy(t, tcpServer(t, talker), clk)
	mustAdd(t, p, Fault{Action: SlowClose{Delay: 4 * time.Second}})
	c := dial(t, p.Addr())
	io.WriteString(c, "10\n")
	buf := make([]byte, 10)
	if _, err := io.ReadFull(c, buf); err != nil {
		t.Fatal(err)
	}
	clk.awaitSleepers(t, 1)
	eof := make(chan error)
	go func() {
		_, err := c.Read(make([]byte, 1))
		eof <- err
	}()
	select {
	case err := <-eof:
		t.Fatalf("closed before the delay: %v", err)
	default:
	}
	clk.Advance(4 * time.Second)
	if err := <-eof; err != io.EOF {
		t.Errorf("read: %v, want EOF", err)
	}
}

func TestTCPBlackholeReleasedOnRemove(t *testing.T) {
	p := tcpProxy(t, tcpServer(t, echo), nil)
	id := mustAdd(t, p, Fault{Action: Blackhole{}})
	c := dial(t, p.Addr())
	// The client's words are kept while it is held...
	io.WriteString(c, "held words\n")
	eventually(t, "the connection to be held", func() bool { st, _ := p.Stats(id); return st.Injected == 1 })
	got := make(chan string)
	go func() {
		buf := make([]byte, len("held words\n"))
		_, err := io.ReadFull(c, buf)
		if err != nil {
			got <- err.Error()
			return
		}
		got <- string(buf)
	}()
	select {
	case s := <-got:
		t.Fatalf("answer %q while held", s)
	default:
	}
	// ...and handed to the target when the fault goes.
	if !p.Remove(id) {
		t.Fatal("Remove: no such fault")
	}
	if s := <-got; s != "held words\n" {
		t.Errorf("after release: %q", s)
	}
	if s := roundTrip(t, c, "more\n"); s != "more\n" {
		t.Errorf("got %q", s)
	}
}

func TestTCPBlackholeClientHalfClose(t *testing.T) {
	// A client that sends and half-closes while held still gets its answer
	// once released.
	p := tcpProxy(t, tcpServer(t, talker), nil)
	id := mustAdd(t, p, Fault{Action: Blackhole{}})
	c := dial(t, p.Addr())
	io.WriteString(c, "5\n")
	c.CloseWrite()
	eventually(t, "the connection to be held", func() bool { st, _ := p.Stats(id); return st.Injected == 1 })
	p.Remove(id)
	if got, err := io.ReadAll(c); string(got) != "yyyyy" || err != nil {
		t.Errorf("got %q, %v", got, err)
	}
}

func TestTCPBlackholeDroppedOnClose(t *testing.T) {
	p := tcpProxy(t, tcpServer(t, echo), nil)
	id := mustAdd(t, p, Fault{Action: Blackhole{}})
	c := dial(t, p.Addr())
	eventually(t, "the connection to be held", func() bool { st, _ := p.Stats(id); return st.Injected == 1 })
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if n, err := c.Read(make([]byte, 1)); err == nil {
		t.Errorf("read %d bytes after Close, want the connection closed", n)
	}
}

func TestTCPRejectsHTTPMatch(t *testing.T) {
	p := tcpProxy(t, tcpServer(t, echo), nil)
	_, err := p.Add(Fault{Action: Reset{}, Match: Match{RPCMethod: "tools/call"}})
	if err == nil || !strings.Contains(err.Error(), "Match.RPCMethod: not available on a per-connection (TCP) proxy") {
		t.Errorf("Add = %v", err)
	}
}

func TestTCPProbabilityIsSeeded(t *testing.T) {
	target := tcpServer(t, echo)
	run := func() []int {
		p := tcpProxy(t, target, nil)
		mustAdd(t, p, Fault{ID: "flaky", Action: Reset{}, Probability: 0.3})
		var reset []int
		for i := 1; i <= 100; i++ {
			if dialReset(t, p.Addr()) != nil {
				reset = append(reset, i)
			}
		}
		return reset
	}
	first, second := run(), run()
	if !equalInts(first, second) || len(first) != 30 {
		t.Errorf("reset connections %v (%d), then %v; want the same 30 twice", first, len(first), second)
	}
}

// dialReset connects, sends a byte and reads one back: nil when the proxy
// relayed, the error (from the connect or the read) when it did not.
func dialReset(t *testing.T, addr string) error {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	if _, err := c.Write([]byte("x")); err != nil {
		return err
	}
	_, err = c.Read(make([]byte, 1))
	return err
}
