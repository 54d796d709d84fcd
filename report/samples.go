package report

import (
	"fmt"
	"html"
	"strings"
	"time"

	"github.com/reslua/reslua/engine"
)

// writeSamples writes the "Failures as they came back" section: per load
// and request name, the failure samples the run kept (the first few of
// each kind), each with its time on the run's timeline, its status, its
// error and the first bytes of its body. No section when nothing failed.
func writeSamples(b *strings.Builder, res *engine.Result) {
	n := 0
	for _, l := range res.Loads {
		for _, q := range l.Requests {
			n += len(q.Samples)
		}
	}
	if n == 0 {
		return
	}
	fmt.Fprintf(b, "<h2 id=\"samples\">Failures as they came back</h2>\n<p class=\"detail\">The first %d failures of each kind, per request; bodies cut at %d bytes.</p>\n",
		engine.SamplesPerKind, engine.SampleBodyBytes)
	b.WriteString("<table class=\"samples\"><tr><th>load</th><th>request</th><th>kind</th><th class=\"num\">at</th><th class=\"num\">status</th><th>error</th><th>body</th></tr>\n")
	for _, l := range res.Loads {
		for _, q := range l.Requests {
			for _, s := range q.Samples {
				status := ""
				if s.Status != 0 {
					status = fmt.Sprint(s.Status)
				}
				fmt.Fprintf(b, "<tr><td>%s</td><td>%s</td><td>%s</td><td class=\"num\">+%s</td><td class=\"num\">%s</td><td>%s</td><td><code>%s</code></td></tr>\n",
					html.EscapeString(l.Name), html.EscapeString(q.Name), html.EscapeString(string(s.Kind)),
					s.At.Round(time.Millisecond), status, html.EscapeString(s.Error), html.EscapeString(s.Body))
			}
		}
	}
	b.WriteString("</table>\n")
}
