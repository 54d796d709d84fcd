package report

import (
	"strings"
	"testing"
	"time"

	"github.com/reslua/reslua/engine"
	"github.com/reslua/reslua/engine/outcome"
)

// The report lists the failures as they came back, escaped: a body is the
// target's, never markup of the page. Nothing failed, no section.
func TestReportSamples(t *testing.T) {
	res := sampleResult(t)
	var page strings.Builder
	if err := Render(&page, res, Meta{}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(page.String(), "Failures as they came back") {
		t.Error("a section of samples for a run that kept none")
	}
	res.Loads[0].Requests[0].Samples = []engine.FailureSample{
		{Kind: outcome.HTTPStatus(503), At: 4200 * time.Millisecond, Status: 503, Body: `<script>alert("x")</script>`},
		{Kind: outcome.TLS, At: 5 * time.Second, Error: "tls: failed to verify certificate: x509: certificate signed by unknown authority"},
	}
	page.Reset()
	if err := Render(&page, res, Meta{}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`<h2 id="samples">Failures as they came back</h2>`,
		`<td>traffic</td><td>tools/call echo</td><td>http_5xx</td><td class="num">+4.2s</td><td class="num">503</td><td></td><td><code>&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;</code></td>`,
		`<td>tls</td><td class="num">+5s</td><td class="num"></td><td>tls: failed to verify certificate: x509: certificate signed by unknown authority</td>`,
	} {
		if !strings.Contains(page.String(), want) {
			t.Errorf("report lacks %s", want)
		}
	}
	if strings.Contains(page.String(), "<script>alert") {
		t.Error("a body is written unescaped")
	}
}

// The page's verdict is the summary's and the exit code's: a run that
// ended on a script error is an ERROR, not a PASS of its checks.
func TestReportVerdictAgrees(t *testing.T) {
	res := sampleResult(t)
	res.Checks = res.Checks[:1] // the check that passed
	for _, tc := range []struct {
		meta Meta
		want string
	}{
		{Meta{}, `<p class="verdict pass">PASS (1 of 1 checks passed; 6% of 1000 requests failed)</p>`},
		{Meta{Error: "s.lua:5: attempt to index a nil value"}, `<p class="verdict fail">ERROR (s.lua:5: attempt to index a nil value)</p>`},
		{Meta{Interrupted: true}, `<p class="verdict fail">INTERRUPTED (stopped before its end; on what was recorded, 1 of 1 checks passed; 6% of 1000 requests failed)</p>`},
	} {
		var page strings.Builder
		if err := Render(&page, res, tc.meta); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(page.String(), tc.want) {
			t.Errorf("%+v: page lacks %s", tc.meta, tc.want)
		}
	}
}
