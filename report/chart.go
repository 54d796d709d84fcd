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

// Chart is a line chart over the run's time axis. It spans the width of
// the page: the plot stretches horizontally, the text does not. The zero
// Height means 220 pixels.
type Chart struct {
	Title, Unit string
	Height      int
	// End is the right end of the time axis in seconds; zero: the last
	// point's time.
	End    float64
	Series []Series
	Bands  []Band
}

var palette = []string{"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"}

// plotWidth is the width of the plot's own coordinates (its viewBox); the
// browser stretches them over the width the page gives the plot.
const plotWidth = 1000

// chartCSS lays a chart out: the value axis in a fixed column on the
// left, the plot taking the rest of the page's width, the time axis under
// the plot, the legend under it in HTML (so each entry has its series'
// colour, set on the entry itself).
const chartCSS = `figure.chart{margin:18px 0 10px}figure.chart figcaption{font-weight:600;font-size:12px;color:#444;margin-left:64px}
.chart .grid{display:grid;grid-template-columns:64px minmax(0,1fr) 16px}
.chart svg{display:block;overflow:visible}.chart svg text{font:11px system-ui,sans-serif;fill:#444}
.chart svg.plot{width:100%}.chart .gridline{stroke:#eee}.chart .axis{stroke:#999}
.chart .legend{margin:2px 0 0 64px;font-size:12px}.chart .legend span{margin-right:18px;white-space:nowrap}
.chart .legend i{display:inline-block;width:14px;height:3px;margin:0 5px 3px 0;vertical-align:middle}`

// HTML renders the chart as a <figure>: inline SVG for the axes and the
// plot, HTML for the title and the legend. It is well-formed XML.
func (c Chart) HTML() string {
	h := c.Height
	if h == 0 {
		h = 220
	}
	end := c.End
	maxV := 0.0
	for _, s := range c.Series {
		for _, p := range s.Points {
			if finite(p) {
				end = math.Max(end, p.T)
				maxV = math.Max(maxV, p.V)
			}
		}
	}
	if !(end > 0) || math.IsInf(end, 0) {
		end = 1
	}
	yTicks := valueTicks(maxV)
	top := yTicks[len(yTicks)-1]
	const pad = 6 // room above the top tick for its label
	ph := float64(h - pad)
	x := func(t float64) float64 { return t / end * plotWidth }
	y := func(v float64) float64 { return pad + ph - v/top*ph }

	var b strings.Builder
	fmt.Fprintf(&b, `<figure class="chart"><figcaption>%s</figcaption><div class="grid">`, html.EscapeString(c.Title))
	// The value axis.
	fmt.Fprintf(&b, `<svg class="yaxis" width="64" height="%d">`, h)
	for _, v := range yTicks {
		fmt.Fprintf(&b, `<text class="tick" x="58" y="%.1f" text-anchor="end">%s</text>`, y(v)+4, formatValue(v, c.Unit))
	}
	b.WriteString(`</svg>`)
	// The plot: its x coordinates run from 0 to plotWidth and stretch with
	// the page (preserveAspectRatio none); strokes keep their width.
	fmt.Fprintf(&b, `<svg class="plot" height="%d" viewBox="0 0 %d %d" preserveAspectRatio="none" role="img" aria-label="%s">`,
		h, plotWidth, h, html.EscapeString(c.Title))
	for _, band := range c.Bands {
		from, to := math.Max(band.From, 0), math.Min(band.To, end)
		if to <= from {
			continue
		}
		color := band.Color
		if color == "" {
			color = "#999"
		}
		fmt.Fprintf(&b, `<rect class="band" x="%.2f" y="%d" width="%.2f" height="%.1f" fill="%s" fill-opacity="0.18" data-from="%s" data-to="%s"><title>%s</title></rect>`,
			x(from), pad, x(to)-x(from), ph, color, trimFloat(from), trimFloat(to), html.EscapeString(band.Label))
	}
	for _, v := range yTicks {
		fmt.Fprintf(&b, `<line class="gridline" x1="0" x2="%d" y1="%.1f" y2="%.1f" vector-effect="non-scaling-stroke"/>`, plotWidth, y(v), y(v))
	}
	fmt.Fprintf(&b, `<line class="axis" x1="0" x2="%d" y1="%.1f" y2="%.1f" vector-effect="non-scaling-stroke"/>`, plotWidth, y(0), y(0))
	colors := make([]string, len(c.Series))
	for i, s := range c.Series {
		colors[i] = s.Color
		if colors[i] == "" {
			colors[i] = palette[i%len(palette)]
		}
		if len(s.Points) == 0 {
			continue
		}
		var pts []string
		for _, p := range s.Points {
			if finite(p) { // a NaN would void the whole line
				pts = append(pts, fmt.Sprintf("%.2f,%.1f", x(p.T), y(p.V)))
			}
		}
		fmt.Fprintf(&b, `<polyline class="line" data-series="%s" fill="none" stroke="%s" stroke-width="1.5" vector-effect="non-scaling-stroke" points="%s"><title>%s</title></polyline>`,
			html.EscapeString(s.Name), colors[i], strings.Join(pts, " "), html.EscapeString(s.Name))
	}
	b.WriteString(`</svg><div></div><div></div>`)
	// The time axis, under the plot: positions in percent of its width.
	b.WriteString(`<svg class="xaxis plot" height="18">`)
	for _, t := range timeTicks(end) {
		fmt.Fprintf(&b, `<text class="tick" x="%.3f%%" y="14" text-anchor="middle">%s</text>`, t/end*100, formatSeconds(t))
	}
	b.WriteString(`</svg><div></div></div><div class="legend">`)
	for i, s := range c.Series {
		if len(s.Points) == 0 {
			continue
		}
		fmt.Fprintf(&b, `<span class="legend-entry" data-series="%s" style="color:%s"><i style="background:%s"></i>%s</span>`,
			html.EscapeString(s.Name), colors[i], colors[i], html.EscapeString(s.Name))
	}
	b.WriteString(`</div></figure>`)
	return b.String()
}

// finite tells whether p can be drawn.
func finite(p Point) bool {
	return !math.IsNaN(p.T) && !math.IsInf(p.T, 0) && !math.IsNaN(p.V) && !math.IsInf(p.V, 0)
}

// niceStep returns the smallest of 1, 2 and 5 times a power of ten that is
// at least v (v > 0).
func niceStep(v float64) float64 {
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if v <= m*p*(1+1e-9) {
			return m * p
		}
	}
	return 10 * p
}

// valueTicks returns the value axis's ticks: from 0 in steps of 1, 2 or 5
// times a power of ten, up to the first tick at or above maxV, two to five
// steps in all.
func valueTicks(maxV float64) []float64 {
	if !(maxV > 0) || math.IsInf(maxV, 0) {
		maxV = 1
	}
	step := niceStep(maxV / 5)
	n := int(math.Ceil(maxV/step - 1e-9))
	out := make([]float64, 0, n+1)
	for i := 0; i <= n; i++ {
		out = append(out, roundTo(float64(i)*step, step))
	}
	return out
}

// roundTo removes the binary noise of i*step (0.30000000000000004).
func roundTo(v, step float64) float64 {
	digits := math.Max(0, -math.Floor(math.Log10(step))+1)
	p := math.Pow(10, digits)
	return math.Round(v*p) / p
}

// timeSteps are the steps of the time axis, in seconds: 1-2-5 below a
// minute, then the steps a clock has.
var timeSteps = []float64{0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 3 * 3600, 6 * 3600, 12 * 3600, 86400}

// timeTicks returns the time axis's ticks, from 0 to end: at most ten
// steps of the first of timeSteps that allows it.
func timeTicks(end float64) []float64 {
	step := 86400 * niceStep(end/86400/10) // days, past the last of timeSteps
	for _, s := range timeSteps {
		if end/s <= 10 {
			step = s
			break
		}
	}
	var out []float64
	for i := 0; float64(i)*step <= end*(1+1e-9); i++ {
		out = append(out, roundTo(float64(i)*step, step))
	}
	return out
}

// formatSeconds renders a time tick as a user reads it: 500ms, 45s, 2m,
// 1m30s, 1h, 5d.
func formatSeconds(t float64) string {
	switch {
	case t == 0:
		return "0s"
	case t < 1:
		return trimFloat(t*1000) + "ms"
	case t < 60:
		return trimFloat(t) + "s"
	}
	s := int64(math.Round(t))
	d, h, m, sec := s/86400, s%86400/3600, s%3600/60, s%60
	out := ""
	if d > 0 {
		out += fmt.Sprintf("%dd", d)
	}
	if h > 0 {
		out += fmt.Sprintf("%dh", h)
	}
	if m > 0 {
		out += fmt.Sprintf("%dm", m)
	}
	if sec > 0 {
		out += fmt.Sprintf("%ds", sec)
	}
	return out
}

func trimFloat(v float64) string {
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.3f", v), "0"), ".")
}

// formatValue renders an axis value in the chart's unit, in the unit a
// user reads: 500µs rather than 0.5ms, 2s rather than 2000ms, 1.5k/s
// rather than 1500/s.
func formatValue(v float64, unit string) string {
	switch unit {
	case "ms":
		switch {
		case v > 0 && v < 1:
			return trimFloat(v*1000) + "µs"
		case v >= 1000:
			return trimFloat(v/1000) + "s"
		}
		return trimFloat(v) + "ms"
	case "/s":
		if v >= 1000 {
			return trimFloat(v/1000) + "k/s"
		}
		return trimFloat(v) + "/s"
	case "%":
		return trimFloat(v) + "%"
	}
	return trimFloat(v)
}
