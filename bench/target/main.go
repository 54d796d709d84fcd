// Command target is the benchmark's system under test: a small, fast
// HTTP/1.1 server (keep-alive, Content-Length request bodies, pipelining)
// that answers
//
//	GET  /get    200 text/plain "hello, world\n"
//	GET  /get?delay_us=N  the same after N µs (a service time to measure)
//	POST /mcp    a minimal valid JSON-RPC reply (application/json) to an MCP
//	             request: initialize (with an Mcp-Session-Id), tools/call,
//	             tools/list, ping; 202 to notifications
//	DELETE /mcp  200 (session end)
//	GET  /stats  its own latency histogram as JSON; ?reset=1 starts a new one
//
// It records, per request, the time from reading the request's first
// bytes to writing its response (its service time) in HDR histograms, so
// that a generator's open-model latency can be set beside what the target
// itself measured. At exit (SIGINT, SIGTERM) it prints the totals to
// stderr.
//
//	target -addr 127.0.0.1:18080 [-ready FILE]
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"os/signal"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:18080", "listen address")
	ready := flag.String("ready", "", "file to create once listening")
	flag.Parse()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	if *ready != "" {
		if err := os.WriteFile(*ready, []byte(ln.Addr().String()+"\n"), 0o644); err != nil {
			log.Fatal(err)
		}
	}
	s := &server{}
	go func() {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
		<-sig
		b, _ := json.Marshal(s.stats(false))
		fmt.Fprintf(os.Stderr, "target: %s\n", b)
		os.Exit(0)
	}()
	for {
		c, err := ln.Accept()
		if err != nil {
			log.Fatal(err)
		}
		go s.serve(c)
	}
}

// server holds the per-connection histograms.
type server struct {
	mu       sync.Mutex
	conns    map[*connStats]struct{}
	closed   *hdrhistogram.Histogram // merged from closed connections
	sessions atomic.Int64
}

type connStats struct {
	mu   sync.Mutex
	hist *hdrhistogram.Histogram
}

func newHist() *hdrhistogram.Histogram { return hdrhistogram.New(1, 60_000_000_000, 3) } // ns

func (s *server) register() *connStats {
	cs := &connStats{hist: newHist()}
	s.mu.Lock()
	if s.conns == nil {
		s.conns, s.closed = map[*connStats]struct{}{}, newHist()
	}
	s.conns[cs] = struct{}{}
	s.mu.Unlock()
	return cs
}

func (s *server) unregister(cs *connStats) {
	s.mu.Lock()
	delete(s.conns, cs)
	cs.mu.Lock()
	s.closed.Merge(cs.hist)
	cs.mu.Unlock()
	s.mu.Unlock()
}

// Stats is what GET /stats returns; latencies in microseconds.
type Stats struct {
	Count                          int64
	P50, P90, P99, P999, Max, Mean float64
}

func (s *server) stats(reset bool) Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := newHist()
	if s.closed != nil {
		h.Merge(s.closed)
		if reset {
			s.closed.Reset()
		}
	}
	for cs := range s.conns {
		cs.mu.Lock()
		h.Merge(cs.hist)
		if reset {
			cs.hist.Reset()
		}
		cs.mu.Unlock()
	}
	us := func(v int64) float64 { return float64(v) / 1000 }
	return Stats{
		Count: h.TotalCount(),
		P50:   us(h.ValueAtQuantile(50)), P90: us(h.ValueAtQuantile(90)), P99: us(h.ValueAtQuantile(99)),
		P999: us(h.ValueAtQuantile(99.9)), Max: us(h.Max()), Mean: h.Mean() / 1000,
	}
}

var (
	getReply   = []byte("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\nhello, world\n")
	emptyReply = []byte("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
	accepted   = []byte("HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n")
	notFound   = []byte("HTTP/1.1 404 Not Found\r\nContent-Length: 10\r\n\r\nnot found\n")
	badRequest = []byte("HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 12\r\n\r\nbad request\n")
)

// request is the part of a request the target looks at.
type request struct {
	method, path []byte
	length       int
	close        bool
	session      bool // has Mcp-Session-Id
}

func (s *server) serve(c net.Conn) {
	defer c.Close()
	cs := s.register()
	defer s.unregister(cs)
	br := bufio.NewReaderSize(c, 8192)
	bw := bufio.NewWriterSize(c, 8192)
	var body, out []byte
	var pending []time.Time // starts of requests answered but not flushed
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return
		}
		start := time.Now()
		var req request
		if req.method, req.path, err = parseRequestLine(line); err != nil {
			bw.Write(badRequest)
			bw.Flush()
			return
		}
		// method and path point into br's buffer: copy before reading on.
		var mp [64]byte
		n := copy(mp[:], req.method)
		n += copy(mp[n:], req.path)
		req.method, req.path = mp[:len(req.method)], mp[len(req.method):n]
		if err := readHeaders(br, &req); err != nil {
			bw.Write(badRequest)
			bw.Flush()
			return
		}
		if cap(body) < req.length {
			body = make([]byte, req.length)
		}
		body = body[:req.length]
		if _, err := io.ReadFull(br, body); err != nil {
			return
		}
		out = s.answer(out[:0], &req, body)
		bw.Write(out)
		pending = append(pending, start)
		if br.Buffered() > 0 && !req.close {
			continue // pipelined: answer the batch in one write
		}
		if err := bw.Flush(); err != nil {
			return
		}
		now := time.Now()
		cs.mu.Lock()
		for _, t := range pending {
			cs.hist.RecordValue(int64(now.Sub(t)))
		}
		cs.mu.Unlock()
		pending = pending[:0]
		if req.close {
			return
		}
	}
}

func parseRequestLine(line []byte) (method, path []byte, err error) {
	sp := bytes.IndexByte(line, ' ')
	if sp <= 0 {
		return nil, nil, errors.New("bad request line")
	}
	rest := line[sp+1:]
	sp2 := bytes.IndexByte(rest, ' ')
	if sp2 <= 0 || sp+1+sp2 > 60 {
		return nil, nil, errors.New("bad request line")
	}
	return line[:sp], rest[:sp2], nil
}

func readHeaders(br *bufio.Reader, req *request) error {
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return err
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			return nil
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			return errors.New("bad header")
		}
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			n, err := strconv.Atoi(string(value))
			if err != nil || n < 0 || n > 16<<20 {
				return errors.New("bad Content-Length")
			}
			req.length = n
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			return errors.New("chunked request bodies are not supported")
		case bytes.EqualFold(name, []byte("Connection")):
			req.close = bytes.EqualFold(value, []byte("close"))
		case bytes.EqualFold(name, []byte("Mcp-Session-Id")):
			req.session = true
		}
	}
}

// answer appends the response to req to out.
func (s *server) answer(out []byte, req *request, body []byte) []byte {
	switch {
	case string(req.method) == "GET" && string(req.path) == "/get":
		return append(out, getReply...)
	case string(req.method) == "GET" && bytes.HasPrefix(req.path, []byte("/get?delay_us=")):
		// A service time of its own, so that a generator's reported
		// latency can be compared with the target's (bench/open.sh).
		us, _ := strconv.Atoi(string(req.path[len("/get?delay_us="):]))
		time.Sleep(time.Duration(us) * time.Microsecond)
		return append(out, getReply...)
	case string(req.method) == "GET" && string(req.path) == "/stats",
		string(req.method) == "GET" && string(req.path) == "/stats?reset=1":
		b, _ := json.Marshal(s.stats(string(req.path) == "/stats?reset=1"))
		return appendReply(out, 200, "application/json", "", b)
	case string(req.method) == "POST" && string(req.path) == "/mcp":
		return s.mcp(out, body)
	case string(req.method) == "DELETE" && string(req.path) == "/mcp":
		return append(out, emptyReply...)
	}
	return append(out, notFound...)
}

// mcp answers one JSON-RPC message without decoding it: the method and id
// are found by scanning.
func (s *server) mcp(out, body []byte) []byte {
	method := jsonString(body, `"method"`)
	id := jsonRaw(body, `"id"`)
	if id == nil {
		return append(out, accepted...) // a notification
	}
	var b []byte
	b = append(b, `{"jsonrpc":"2.0","id":`...)
	b = append(b, id...)
	session := ""
	switch string(method) {
	case "tools/call":
		b = append(b, `,"result":{"content":[{"type":"text","text":"hello"}],"isError":false}}`...)
	case "initialize":
		b = append(b, `,"result":{"protocolVersion":"2025-06-18","capabilities":{"tools":{}},"serverInfo":{"name":"bench-target","version":"1.0.0"}}}`...)
		session = "bench-" + strconv.FormatInt(s.sessions.Add(1), 10)
	case "tools/list":
		b = append(b, `,"result":{"tools":[{"name":"echo","description":"Echo a message","inputSchema":{"type":"object","properties":{"message":{"type":"string"}}}}]}}`...)
	default:
		b = append(b, `,"result":{}}`...)
	}
	return appendReply(out, 200, "application/json", session, b)
}

func appendReply(out []byte, status int, contentType, session string, body []byte) []byte {
	out = append(out, "HTTP/1.1 "...)
	out = strconv.AppendInt(out, int64(status), 10)
	out = append(out, " OK\r\nContent-Type: "...)
	out = append(out, contentType...)
	if session != "" {
		out = append(out, "\r\nMcp-Session-Id: "...)
		out = append(out, session...)
	}
	out = append(out, "\r\nContent-Length: "...)
	out = strconv.AppendInt(out, int64(len(body)), 10)
	out = append(out, "\r\n\r\n"...)
	return append(out, body...)
}

// jsonString returns the string value after key (e.g. `"method"`), or nil.
func jsonString(b []byte, key string) []byte {
	v := jsonRaw(b, key)
	if len(v) < 2 || v[0] != '"' {
		return nil
	}
	return v[1 : len(v)-1]
}

// jsonRaw returns the raw scalar value after the first occurrence of key
// at any depth (a number or a string without escapes), or nil. Good enough
// for the requests a benchmark sends: "id" and "method" come first.
func jsonRaw(b []byte, key string) []byte {
	i := bytes.Index(b, []byte(key))
	if i < 0 {
		return nil
	}
	b = bytes.TrimLeft(b[i+len(key):], " \t\r\n")
	if len(b) == 0 || b[0] != ':' {
		return nil
	}
	b = bytes.TrimLeft(b[1:], " \t\r\n")
	if len(b) > 0 && b[0] == '"' {
		j := bytes.IndexByte(b[1:], '"')
		if j < 0 {
			return nil
		}
		return b[:j+2]
	}
	j := bytes.IndexAny(b, ",} \t\r\n")
	if j <= 0 {
		return nil
	}
	return b[:j]
}
