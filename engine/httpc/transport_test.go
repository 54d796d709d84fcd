package httpc

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestTransport(t *testing.T) {
	s := newCountingServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Echo", r.Header.Get("X-In"))
		w.Header().Add("X-Multi", "1")
		w.Header().Add("X-Multi", "2")
		fmt.Fprintf(w, "%s %s %s host=%s", r.Method, r.URL.RequestURI(), b, r.Host)
	}))
	c := s.client(t)
	hc := &http.Client{Transport: &Transport{Client: c}}

	req, _ := http.NewRequest("POST", s.URL+"/p?q=1", strings.NewReader("payload"))
	req.Header.Set("X-In", "v")
	for range 3 {
		req.Body = io.NopCloser(strings.NewReader("payload"))
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		want := "POST /p?q=1 payload host=" + c.Addr
		if string(b) != want || resp.StatusCode != 200 || resp.Status != "200 OK" || resp.Proto != "HTTP/1.1" {
			t.Errorf("%d %q %q: %q, want %q", resp.StatusCode, resp.Status, resp.Proto, b, want)
		}
		if resp.Header.Get("X-Echo") != "v" || strings.Join(resp.Header["X-Multi"], ",") != "1,2" {
			t.Errorf("headers %v", resp.Header)
		}
		if resp.ContentLength != int64(len(want)) {
			t.Errorf("ContentLength %d", resp.ContentLength)
		}
	}
	if n := s.accepted.Load(); n != 1 {
		t.Errorf("accepted %d, want 1", n)
	}

	req, _ = http.NewRequest("GET", s.URL+"/g", nil)
	req.Host = "example.test"
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "GET /g  host=example.test" {
		t.Errorf("GET: %q", b)
	}

	for _, u := range []string{"https://" + c.Addr + "/", "http://other.test/", "http://127.0.0.1:1/"} {
		if _, err := hc.Get(u); !errors.Is(err, ErrOrigin) {
			t.Errorf("GET %s: %v, want ErrOrigin", u, err)
		}
	}
	if _, err := (&Transport{}).RoundTrip(req); !errors.Is(err, ErrInvalid) {
		t.Errorf("zero Transport: %v", err)
	}
}
