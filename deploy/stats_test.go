package deploy

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestBetweenMarks checks that consecutive marks split the traffic without
// losing or repeating a request, and that the zero Mark is the router's
// start.
func TestBetweenMarks(t *testing.T) {
	b := newBackend(t, "blue")
	r := &Router{Routes: []Route{{Name: "blue", URL: b.URL()}}}
	serve := func(n int) {
		for range n {
			w := &discardWriter{h: http.Header{}, status: 200}
			r.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "http://router/x", nil))
			if w.status != 200 {
				t.Fatalf("status %d", w.status)
			}
		}
	}
	serve(3)
	m1 := r.Mark()
	serve(2)
	m2 := r.Mark()
	serve(1)
	for _, c := range []struct {
		name string
		got  Stats
		want int64
	}{
		{"start to m1", r.Between(Mark{}, m1), 3},
		{"m1 to m2", r.Between(m1, m2), 2},
		{"since m2", r.Since(m2), 1},
		{"start to m2", r.Between(Mark{}, m2), 5},
		{"stats", r.Stats(), 6},
	} {
		if c.got.Requests != c.want || c.got.Routes[0].Requests != c.want {
			t.Errorf("%s: %d requests (route %d), want %d", c.name, c.got.Requests, c.got.Routes[0].Requests, c.want)
		}
	}
}
