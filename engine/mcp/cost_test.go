package mcp_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/reslua/reslua/engine/demo"
	"github.com/reslua/reslua/engine/mcp"
	"github.com/reslua/reslua/engine/outcome"
)

// TestDemoProcess is a helper, not a test: with RESLUA_DEMO_PROCESS set
// to "stateful" or "stateless" it serves a demo server, prints its URL and
// serves until its stdin closes. TestIdleSessionCost runs it in a child
// process so that the server's memory is not counted as the client's.
func TestDemoProcess(t *testing.T) {
	mode := os.Getenv("RESLUA_DEMO_PROCESS")
	if mode == "" {
		t.Skip("helper process for TestIdleSessionCost")
	}
	srv, err := demo.Start(context.Background(), demo.Options{Stateless: mode == "stateless", JSON: true})
	if err != nil {
		t.Fatal(err)
	}
	fmt.Println(srv.URL())
	io.Copy(io.Discard, os.Stdin)
	fmt.Fprintf(os.Stderr, "demo server: %s RSS %d KiB\n", mode, rssKiB("self"))
	srv.Close()
}

// TestIdleSessionCost measures what an idle pool session costs the client:
// heap, stack, goroutines and RSS, with a connection of its own and with
// shared connections, in both eras. It is a measurement, not a check, and
// runs only when RESLUA_MEASURE_SESSIONS gives the number of sessions
// (each process needs that many file descriptors):
//
//	RESLUA_MEASURE_SESSIONS=10000 go test -run TestIdleSessionCost -v ./engine/mcp
func TestIdleSessionCost(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("RESLUA_MEASURE_SESSIONS"))
	if n <= 0 {
		t.Skip("set RESLUA_MEASURE_SESSIONS=N to measure")
	}
	for _, tc := range []struct {
		mode, version string
		shared        bool
	}{
		{"stateful", mcp.LatestLegacyVersion, false},
		{"stateful", mcp.LatestLegacyVersion, true},
		{"stateless", mcp.Version20260728, false},
		{"stateless", mcp.Version20260728, true},
	} {
		name := fmt.Sprintf("%s/%s/shared=%v", tc.mode, tc.version, tc.shared)
		t.Run(name, func(t *testing.T) {
			child := exec.Command(os.Args[0], "-test.run=^TestDemoProcess$")
			child.Env = append(os.Environ(), "RESLUA_DEMO_PROCESS="+tc.mode)
			child.Stderr = os.Stderr
			stdin, err := child.StdinPipe()
			if err != nil {
				t.Fatal(err)
			}
			stdout, err := child.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := child.Start(); err != nil {
				t.Fatal(err)
			}
			defer child.Wait()
			defer stdin.Close()
			url, err := bufio.NewReader(stdout).ReadString('\n')
			if err != nil {
				t.Fatal(err)
			}

			before := measure()
			c := &mcp.Client{URL: strings.TrimSpace(url), ProtocolVersion: tc.version}
			p, err := mcp.OpenPool(t.Context(), c, mcp.PoolOptions{Sessions: n, SharedConns: tc.shared})
			if err != nil {
				t.Fatal(err)
			}
			for range n { // one call per session, so that each has its connection
				if res := p.Do(t.Context(), mcp.ServerDiscover()); res.Kind != outcome.OK && res.Kind != outcome.JSONRPC(-32601) {
					t.Fatalf("call: %+v", res)
				}
			}
			after := measure()
			t.Logf("%d idle sessions (%s): per session %d B heap, %d B stack, %.2f goroutines, %d B RSS; total RSS %d MiB",
				n, name,
				(after.heap-before.heap)/int64(n), (after.stack-before.stack)/int64(n),
				float64(after.goroutines-before.goroutines)/float64(n),
				(after.rss-before.rss)*1024/int64(n), after.rss/1024)
			p.Close(t.Context())
			runtime.KeepAlive(p)
		})
	}
}

type usage struct {
	heap, stack, rss int64 // bytes, bytes, KiB
	goroutines       int
}

func measure() usage {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return usage{heap: int64(ms.HeapAlloc), stack: int64(ms.StackInuse), rss: rssKiB("self"), goroutines: runtime.NumGoroutine()}
}

// rssKiB returns the VmRSS of /proc/PID/status, in KiB; 0 if unknown.
func rssKiB(pid string) int64 {
	b, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kib, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kib
		}
	}
	return 0
}
