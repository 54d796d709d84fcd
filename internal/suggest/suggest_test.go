package suggest

import "testing"

func TestClosest(t *testing.T) {
	keys := []string{"rate", "duration", "sessions", "mix", "target", "workers"}
	for _, tc := range []struct{ word, want string }{
		{"duraton", "duration"},
		{"duraiton", "duration"},
		{"rat", "rate"},
		{"sesions", "sessions"},
		{"mixx", "mix"},
		{"colour", ""},
		{"x", ""},
		{"rate", "rate"},
	} {
		if got := Closest(tc.word, keys); got != tc.want {
			t.Errorf("Closest(%q) = %q, want %q", tc.word, got, tc.want)
		}
	}
}
