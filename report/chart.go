package report

import (
	"fmt"
	"html"
	"math"
	"strings"
)

// Point is one value of a series at T seconds from the run's start.
type Point struct{ T, V float64 }

// Series is one line of a chart.
type Series struct {
	Name   string
	Color  string // a CSS color; zero: the chart's palette in order
	Points []Point
}

// Band shades a stretch of the time axis: a fault window, a rollout step,
// a breaker open.
type Band struct {
	From, To float64 // seconds from the run's start
	Label    string
	Color    string // a CSS color; zero: grey
}

// Chart is a line chart over the run's time axis. The zero Width and
// Height mean 900 by 220 pixels.
type Chart struct {
	Title, Unit   string
	Width, Height int
	// End is the right end of the time axis in seconds; zero: the last
	// point's time.
	End    float64
	Series []Series
	Bands  []Band
}

var palette = []string{"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"}

// Layout of a chart, in pixels.
const (
	marginLeft   = 64
	marginRight  = 16
	marginTop    = 28
	marginBottom = 40
)

// SVG renders the chart as an inline <svg> element.
func (c Chart) SVG() string {
	w, h := c.Width, c.Height
	if w == 0 {
		w = 900
	}
	if h == 0 {
		h = 220
	}
	end := c.End
	maxV := 0.0
	for _, s := range c.Series {
		for _, p := range s.Points {
			end = math.Max(end, p.T)
			maxV = math.Max(maxV, p.V)
		}
	}
	if end <= 0 {
		end = 1
	}
	top := niceCeil(maxV)
	pw, ph := float64(w-marginLeft-marginRight), float64(h-marginTop-marginBottom)
	x := func(t float64) float64 { return marginLeft + t/end*pw }
	y := func(v float64) float64 { return marginTop + ph - v/top*ph }

	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-label="%s">`,
		w, h, w, h, html.EscapeString(c.Title))
	fmt.Fprintf(&b, `<text x="%d" y="18" class="title">%s</text>`, marginLeft, html.EscapeString(c.Title))
	for _, band := range c.Bands {
		from, to := math.Max(band.From, 0), math.Min(band.To, end)
		if to <= from {
			continue
		}
		color := band.Color
		if color == "" {
			color = "#999"
		}
		fmt.Fprintf(&b, `<rect class="band" x="%.1f" y="%d" width="%.1f" height="%.1f" fill="%s" fill-opacity="0.18"><title>%s</title></rect>`,
			x(from), marginTop, x(to)-x(from), ph, color, html.EscapeString(band.Label))
	}
	// Axes and grid: five horizontal lines, time ticks about every tenth.
	for i := 0; i <= 4; i++ {
		v := top * float64(i) / 4
		fmt.Fprintf(&b, `<line class="grid" x1="%d" x2="%d" y1="%.1f" y2="%.1f"/>`, marginLeft, w-marginRight, y(v), y(v))
		fmt.Fprintf(&b, `<text class="tick" x="%d" y="%.1f" text-anchor="end">%s</text>`, marginLeft-6, y(v)+4, formatValue(v, c.Unit))
	}
	step := niceCeil(end / 10)
	for t := 0.0; t <= end+1e-9; t += step {
		fmt.Fprintf(&b, `<text class="tick" x="%.1f" y="%d" text-anchor="middle">%ss</text>`, x(t), h-marginBottom+16, trimFloat(t))
	}
	fmt.Fprintf(&b, `<line class="axis" x1="%d" x2="%d" y1="%.1f" y2="%.1f"/>`, marginLeft, w-marginRight, y(0), y(0))
	for i, s := range c.Series {
		color := s.Color
		if color == "" {
			color = palette[i%len(palette)]
		}
		if len(s.Points) == 0 {
			continue
		}
		var pts []string
		for _, p := range s.Points {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(p.T), y(p.V)))
		}
		fmt.Fprintf(&b, `<polyline class="line" fill="none" stroke="%s" stroke-width="1.5" points="%s"><title>%s</title></polyline>`,
			color, strings.Join(pts, " "), html.EscapeString(s.Name))
		fmt.Fprintf(&b, `<text class="legend" x="%d" y="%d" fill="%s">%s</text>`, marginLeft+i*150, h-8, color, html.EscapeString(s.Name))
	}
	b.WriteString(`</svg>`)
	return b.String()
}

// niceCeil rounds v up to a round multiple of a power of ten: 1, 1.5, 2,
// 2.5, 3, 4, 5, 6, 8 or 10 times it (1 for v <= 0).
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10} {
		if v <= m*p {
			return m * p
		}
	}
	return 10 * p
}

func trimFloat(v float64) string {
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.3f", v), "0"), ".")
}

// formatValue renders an axis value in the chart's unit.
func formatValue(v float64, unit string) string {
	switch unit {
	case "ms":
		return trimFloat(v) + "ms"
	case "%":
		return trimFloat(v) + "%"
	case "/s":
		return trimFloat(v) + "/s"
	}
	return trimFloat(v)
}
