package report

import (
	"encoding/xml"
	"io"
	"math"
	"slices"
	"strings"
	"testing"
)

// A chart is well-formed XML with one polyline and one legend entry per
// series with points, one rect per visible band, and its value axis
// rounded up to a 1-2-5 tick.
func TestChartHTML(t *testing.T) {
	c := Chart{Title: "latency <p95>", Unit: "ms", End: 30,
		Series: []Series{
			{Name: "p95", Points: []Point{{0, 2}, {10, 3}, {20, 180}, {30, 2.5}}},
			{Name: "p50", Points: []Point{{0, 1}, {30, 1}}},
			{Name: "empty"},
		},
		Bands: []Band{{From: 20, To: 35, Label: "fault green trouble", Color: "#d62728"}, {From: 40, To: 50, Label: "after the end"}},
	}
	out := c.HTML()
	dec := xml.NewDecoder(strings.NewReader(out))
	counts := map[string]int{}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed: %v\n%s", err, out)
		}
		if se, ok := tok.(xml.StartElement); ok {
			counts[se.Name.Local]++
		}
	}
	if counts["polyline"] != 2 || counts["rect"] != 1 || counts["figure"] != 1 {
		t.Errorf("elements %v, want 2 polylines, 1 rect, 1 figure", counts)
	}
	if n := strings.Count(out, `class="legend-entry"`); n != 2 {
		t.Errorf("%d legend entries, want 2", n)
	}
	for _, want := range []string{">200ms<", ">150ms<", "latency &lt;p95&gt;", "fault green trouble", ">30s<",
		`style="color:#1f77b4"`, `style="color:#ff7f0e"`} {
		if !strings.Contains(out, want) {
			t.Errorf("chart lacks %q", want)
		}
	}
}

func TestValueTicks(t *testing.T) {
	for _, tc := range []struct {
		max  float64
		want []float64
	}{
		{0, []float64{0, 0.2, 0.4, 0.6, 0.8, 1}},
		{0.7, []float64{0, 0.2, 0.4, 0.6, 0.8}},
		{7, []float64{0, 2, 4, 6, 8}},
		{150, []float64{0, 50, 100, 150}},
		{187.5, []float64{0, 50, 100, 150, 200}},
		{200, []float64{0, 50, 100, 150, 200}},
		{250, []float64{0, 50, 100, 150, 200, 250}},
		{2001, []float64{0, 500, 1000, 1500, 2000, 2500}},
		{9000, []float64{0, 2000, 4000, 6000, 8000, 10000}},
	} {
		if got := valueTicks(tc.max); !slices.Equal(got, tc.want) {
			t.Errorf("valueTicks(%v) = %v, want %v", tc.max, got, tc.want)
		}
	}
}

func TestTimeTicks(t *testing.T) {
	for _, tc := range []struct {
		end  float64
		want string
	}{
		{0.8, "0s 100ms 200ms 300ms 400ms 500ms 600ms 700ms 800ms"},
		{10, "0s 1s 2s 3s 4s 5s 6s 7s 8s 9s 10s"},
		{45.004, "0s 5s 10s 15s 20s 25s 30s 35s 40s 45s"},
		{125, "0s 20s 40s 1m 1m20s 1m40s 2m"},
		{290, "0s 30s 1m 1m30s 2m 2m30s 3m 3m30s 4m 4m30s"},
		{3600, "0s 10m 20m 30m 40m 50m 1h"},
		{30 * 86400, "0s 5d 10d 15d 20d 25d 30d"},
	} {
		var got []string
		for _, s := range timeTicks(tc.end) {
			got = append(got, formatSeconds(s))
		}
		if strings.Join(got, " ") != tc.want {
			t.Errorf("timeTicks(%v) = %v, want %v", tc.end, got, tc.want)
		}
	}
}

func TestFormatValue(t *testing.T) {
	for _, tc := range []struct {
		v          float64
		unit, want string
	}{{0, "ms", "0ms"}, {0.25, "ms", "250µs"}, {50, "ms", "50ms"}, {1500, "ms", "1.5s"}, {200, "/s", "200/s"}, {2500, "/s", "2.5k/s"}, {0.5, "/s", "0.5/s"}} {
		if got := formatValue(tc.v, tc.unit); got != tc.want {
			t.Errorf("formatValue(%v, %q) = %q, want %q", tc.v, tc.unit, got, tc.want)
		}
	}
}

// A point that is not a finite number is left out of its line, and the
// axes stay finite.
func TestChartNonFinite(t *testing.T) {
	c := Chart{Unit: "ms", Series: []Series{{Name: "p99", Points: []Point{{0, 1}, {1, math.NaN()}, {2, math.Inf(1)}, {math.Inf(1), 3}, {3, 2}}}}}
	out := c.HTML()
	if strings.Contains(out, "NaN") || strings.Contains(out, "Inf") {
		t.Errorf("chart has a non-finite number:\n%s", out)
	}
	if !strings.Contains(out, ">3s<") || !strings.Contains(out, ">2ms<") {
		t.Errorf("axes not scaled to the finite points (3 s, 2 ms):\n%s", out)
	}
}
