// Command gonet is the reference point of the benchmark: a plain Go
// net/http closed loop. -c goroutines each send a request, read the whole
// body, and send the next, for -d; then it prints one line:
//
//	requests=N errors=E elapsed=SECONDS
//
//	gonet -url http://127.0.0.1:18080/get -c 50 -d 10s
//	gonet -url http://127.0.0.1:18080/mcp -method POST -body '{...}' -header 'Content-Type: application/json'
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

type headers []string

func (h *headers) String() string     { return strings.Join(*h, ", ") }
func (h *headers) Set(v string) error { *h = append(*h, v); return nil }

func main() {
	url := flag.String("url", "http://127.0.0.1:18080/get", "request URL")
	conns := flag.Int("c", 50, "connections (goroutines)")
	dur := flag.Duration("d", 10*time.Second, "duration")
	method := flag.String("method", "GET", "HTTP method")
	body := flag.String("body", "", "request body")
	var hdr headers
	flag.Var(&hdr, "header", `request header "Name: value" (repeatable)`)
	flag.Parse()

	tr := &http.Transport{MaxIdleConnsPerHost: *conns, MaxConnsPerHost: *conns, DisableCompression: true}
	hc := &http.Client{Transport: tr}
	header := http.Header{}
	for _, h := range hdr {
		k, v, _ := strings.Cut(h, ":")
		header.Add(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	ctx, cancel := context.WithTimeout(context.Background(), *dur)
	defer cancel()
	var ok, failed atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range *conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 4096)
			for ctx.Err() == nil {
				var rb io.Reader
				if *body != "" {
					rb = bytes.NewReader([]byte(*body))
				}
				req, _ := http.NewRequestWithContext(ctx, *method, *url, rb)
				for k, v := range header {
					req.Header[k] = v
				}
				resp, err := hc.Do(req)
				if err != nil {
					if ctx.Err() == nil {
						failed.Add(1)
					}
					continue
				}
				for {
					if _, err = resp.Body.Read(buf); err != nil {
						break
					}
				}
				resp.Body.Close()
				switch {
				case err != io.EOF && ctx.Err() != nil: // cut by the end of the run
				case err != io.EOF || resp.StatusCode >= 400:
					failed.Add(1)
				default:
					ok.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	fmt.Fprintf(os.Stdout, "requests=%d errors=%d elapsed=%.3f\n", ok.Load(), failed.Load(), time.Since(start).Seconds())
}
