// Command httpcloop is gonet on engine/httpc instead of net/http: -c
// goroutines, each with its own connection, send a request, read the
// whole body and send the next, for -d; then it prints one line:
//
//	requests=N errors=E elapsed=SECONDS
//
// It shows what reslua's request path costs once the engine sends through
// httpc, without the engine around it.
//
//	httpcloop -url http://127.0.0.1:18080/get -c 50 -d 10s
package main

import (
	"context"
	"flag"
	"fmt"
	"net/url"
	"os"
	"runtime/pprof"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/reslua/reslua/engine/httpc"
)

type headers []string

func (h *headers) String() string     { return strings.Join(*h, ", ") }
func (h *headers) Set(v string) error { *h = append(*h, v); return nil }

func main() {
	rawURL := flag.String("url", "http://127.0.0.1:18080/get", "request URL (http:// only)")
	conns := flag.Int("c", 50, "connections (goroutines)")
	dur := flag.Duration("d", 10*time.Second, "duration")
	method := flag.String("method", "GET", "HTTP method")
	body := flag.String("body", "", "request body")
	var hdr headers
	flag.Var(&hdr, "header", `request header "Name: value" (repeatable)`)
	profile := flag.String("cpuprofile", "", "write a CPU profile to this file")
	flag.Parse()
	if *profile != "" {
		f, err := os.Create(*profile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "httpcloop:", err)
			os.Exit(2)
		}
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}

	u, err := url.Parse(*rawURL)
	if err != nil || u.Scheme != "http" {
		fmt.Fprintf(os.Stderr, "httpcloop: -url: expected an http:// URL, got %q\n", *rawURL)
		os.Exit(2)
	}
	addr := u.Host
	if u.Port() == "" {
		addr += ":80"
	}
	var h [][2]string
	for _, s := range hdr {
		k, v, _ := strings.Cut(s, ":")
		h = append(h, [2]string{strings.TrimSpace(k), strings.TrimSpace(v)})
	}
	tpl, err := httpc.NewTemplate(*method, u.RequestURI(), h...)
	if err != nil {
		fmt.Fprintln(os.Stderr, "httpcloop:", err)
		os.Exit(2)
	}
	var b []byte
	if *body != "" {
		b = []byte(*body)
	}
	c := &httpc.Client{Addr: addr, MaxConns: *conns, Timeout: 10 * time.Second}
	defer c.Close()

	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(*dur, cancel)
	var ok, failed atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range *conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req := &httpc.Request{Template: tpl, Body: b}
			var resp httpc.Response
			buf := make([]byte, 0, 4096)
			var n, bad int64
			for ctx.Err() == nil {
				err := c.Do(ctx, req, &resp)
				if err == nil {
					buf, err = resp.ReadAll(buf[:0], 16<<20)
				}
				switch {
				case err != nil && ctx.Err() != nil: // cut by the end of the run
				case err != nil || resp.Status >= 400:
					bad++
				default:
					n++
				}
			}
			ok.Add(n)
			failed.Add(bad)
		}()
	}
	wg.Wait()
	fmt.Fprintf(os.Stdout, "requests=%d errors=%d elapsed=%.3f\n", ok.Load(), failed.Load(), time.Since(start).Seconds())
}
