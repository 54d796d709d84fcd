package report

import (
	"encoding/xml"
	"io"
	"strings"
	"testing"
)

// A chart is well-formed SVG with one polyline per series with points, one
// rect per visible band, and its axis scaled to a round maximum.
func TestChartSVG(t *testing.T) {
	c := Chart{Title: "latency <p95>", Unit: "ms", End: 30,
		Series: []Series{
			{Name: "p95", Points: []Point{{0, 2}, {10, 3}, {20, 180}, {30, 2.5}}},
			{Name: "p50", Points: []Point{{0, 1}, {30, 1}}},
			{Name: "empty"},
		},
		Bands: []Band{{From: 20, To: 35, Label: "fault green trouble", Color: "#d62728"}, {From: 40, To: 50, Label: "after the end"}},
	}
	svg := c.SVG()
	dec := xml.NewDecoder(strings.NewReader(svg))
	counts := map[string]int{}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed: %v\n%s", err, svg)
		}
		if se, ok := tok.(xml.StartElement); ok {
			counts[se.Name.Local]++
		}
	}
	if counts["polyline"] != 2 || counts["rect"] != 1 || counts["svg"] != 1 {
		t.Errorf("elements %v, want 2 polylines, 1 rect, 1 svg", counts)
	}
	for _, want := range []string{"200ms", "latency &lt;p95&gt;", "fault green trouble", ">30s<"} {
		if !strings.Contains(svg, want) {
			t.Errorf("svg lacks %q", want)
		}
	}
}

func TestNiceCeil(t *testing.T) {
	for _, tc := range []struct{ in, want float64 }{{0, 1}, {0.7, 0.8}, {1.2, 1.5}, {3, 3}, {7, 8}, {180, 200}, {201, 250}, {2001, 2500}, {9000, 10000}} {
		if got := niceCeil(tc.in); got != tc.want {
			t.Errorf("niceCeil(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}
