package mcp_test

import (
	"testing"

	"github.com/reslua/reslua/engine/demo"
	"github.com/reslua/reslua/engine/mcp"
	"github.com/reslua/reslua/engine/outcome"
)

// BenchmarkDo measures one echo call against the demo server (stateless,
// JSON replies), in each era, mostly to watch the client's allocations.
func BenchmarkDo(b *testing.B) {
	srv, err := demo.Start(b.Context(), demo.Options{Stateless: true, JSON: true})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	for _, version := range []string{mcp.LatestLegacyVersion, mcp.Version20260728} {
		b.Run(version, func(b *testing.B) {
			s, err := (&mcp.Client{URL: srv.URL(), ProtocolVersion: version}).Open(b.Context())
			if err != nil {
				b.Fatal(err)
			}
			echo, err := mcp.CallTool("echo", map[string]string{"message": "hi"})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if res := s.Do(b.Context(), echo); res.Kind != outcome.OK {
					b.Fatal(res.Err)
				}
			}
		})
	}
}
