package demo

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// KV is a tiny line-oriented TCP service, the demo server's non-HTTP
// dependency (Options.Dependency): each line it reads, a key, it answers
// with one line, "value-of-KEY". Chaos at the TCP level (a blackhole, a
// reset, a cut) goes between the two. Start one with StartKV.
type KV struct {
	ln   net.Listener
	wg   sync.WaitGroup
	mu   sync.Mutex
	conn map[net.Conn]struct{}
}

// StartKV listens on 127.0.0.1 on a free port and serves until Close.
func StartKV(ctx context.Context) (*KV, error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	kv := &KV{ln: ln, conn: map[net.Conn]struct{}{}}
	kv.wg.Add(1)
	go kv.serve()
	return kv, nil
}

// Addr returns "127.0.0.1:PORT".
func (kv *KV) Addr() string { return kv.ln.Addr().String() }

func (kv *KV) serve() {
	defer kv.wg.Done()
	for {
		c, err := kv.ln.Accept()
		if err != nil {
			return
		}
		kv.mu.Lock()
		kv.conn[c] = struct{}{}
		kv.mu.Unlock()
		kv.wg.Add(1)
		go func() {
			defer kv.wg.Done()
			defer func() {
				kv.mu.Lock()
				delete(kv.conn, c)
				kv.mu.Unlock()
				c.Close()
			}()
			r := bufio.NewScanner(c)
			for r.Scan() {
				if _, err := fmt.Fprintf(c, "value-of-%s\n", r.Text()); err != nil {
					return
				}
			}
		}()
	}
}

// Close stops the service and closes its connections.
func (kv *KV) Close() error {
	err := kv.ln.Close()
	kv.mu.Lock()
	for c := range kv.conn {
		c.Close()
	}
	kv.mu.Unlock()
	kv.wg.Wait()
	return err
}

// lookupTimeout bounds one lookup in the dependency: dial, write, read.
const lookupTimeout = time.Second

type lookupInput struct {
	Key string `json:"key" jsonschema:"the key to look up in the dependency"`
}

// lookup asks the dependency for key over a connection of its own (so that
// a fault decided per connection applies to each lookup), and fails the
// call (isError) when the dependency does not answer within a second.
func (t *toolbox) lookup(ctx context.Context, _ *mcp.CallToolRequest, in lookupInput) (*mcp.CallToolResult, any, error) {
	ctx, cancel := context.WithTimeout(ctx, lookupTimeout)
	defer cancel()
	v, err := t.ask(ctx, in.Key)
	if err != nil {
		res := text("dependency: " + err.Error())
		res.IsError = true
		return res, nil, nil
	}
	return text(v), nil, nil
}

func (t *toolbox) ask(ctx context.Context, key string) (string, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", t.dependency)
	if err != nil {
		return "", err
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if _, err := fmt.Fprintf(c, "%s\n", strings.ReplaceAll(key, "\n", " ")); err != nil {
		return "", err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if ctx.Err() != nil {
		return "", errors.New("no answer within " + lookupTimeout.String())
	}
	if err != nil {
		return "", err
	}
	return strings.TrimSuffix(line, "\n"), nil
}
