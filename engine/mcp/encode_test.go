package mcp

import (
	"context"
	"testing"
)

// TestEncodeAllocs checks that building a request is cheap in both eras:
// the body goes into a recycled buffer and the headers reuse pre-built
// values, so the cost is the header map and the http.Request.
func TestEncodeAllocs(t *testing.T) {
	c := &Client{URL: "http://127.0.0.1:1/mcp"}
	c.setup()
	echo, err := CallTool("echo", map[string]string{"message": "hi"})
	if err != nil {
		t.Fatal(err)
	}
	echo.Progress = true
	legacy := newSessionState("s1", LatestLegacyVersion)
	modern := *c.newEra(Version20260728).state
	for _, st := range []*sessionState{legacy, &modern} {
		allocs := testing.AllocsPerRun(100, func() {
			tmpl, err := echo.template()
			if err != nil {
				t.Fatal(err)
			}
			bp := c.bufs.get()
			*bp = appendRequest((*bp)[:0], 7, &echo, tmpl, st.meta)
			c.newRequest(context.Background(), "POST", *bp, st, tmpl)
			c.bufs.put(bp)
		})
		t.Logf("%s: %.0f allocations", st.versionValue[0], allocs)
		if allocs > 8 {
			t.Errorf("%s: %.0f allocations to encode a request", st.versionValue[0], allocs)
		}
	}
}
