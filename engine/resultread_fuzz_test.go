package engine_test

import (
	"io"
	"strings"
	"testing"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/reslua/reslua/engine"
	"github.com/reslua/reslua/report"
)

// FuzzReadResults feeds ReadResults anything, then renders the report and
// the summary of whatever it accepts: a results file a user hands to
// reslua report is refused with a message, never a crash. The seeds are
// in testdata/fuzz/FuzzReadResults: a real run's file (real_run) and the
// file that crashed reslua report (no_histograms).
func FuzzReadResults(f *testing.F) {
	f.Add([]byte(`{"schema":"reslua.results/v1","loads":[{"name":"l","requests":[{"name":"q","count":0,"seconds":[{"offset_s":3,"count":1,"latency":{"min_us":1,"max_us":9,"sum_us":10,"buckets":"1:1 8:1"}}]}]}]}`))
	f.Add([]byte(`{"schema":"reslua.results/v1","routers":[{"name":"r","routes":[{"name":"a","latency":{"buckets":"300:2 1:5"}}],"seconds":[{"offset_s":0,"requests":[1],"errors":[0]}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		saved, err := engine.ReadResults(data)
		if err != nil {
			return
		}
		render(t, saved)
	})
}

func render(t *testing.T, saved *engine.Results) {
	t.Helper()
	if err := report.Render(io.Discard, saved.Result, report.Meta{Scenario: saved.Meta.Scenario, Version: saved.Meta.Version,
		Started: saved.Meta.Started, Error: saved.Meta.Error, Interrupted: saved.Meta.Interrupted}); err != nil {
		t.Fatalf("Render: %v", err)
	}
	saved.Result.WriteSummary(io.Discard, saved.Meta)
	saved.Result.VerdictLine(saved.Meta)
}

func wideHistogram(t *testing.T) string {
	h := hdrhistogram.New(1, 1<<62, 5) // about 48 MB of counts once decoded
	h.RecordValue(1)
	b, err := h.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A results file is refused with the field at fault and what was
// expected, never a crash: each of these crashed reslua report, or
// allocated in proportion to a number written in the file, before.
func TestReadResultsRefusesHostileFiles(t *testing.T) {
	const head = `{"schema":"reslua.results/v1",`
	for _, c := range []struct{ file, want string }{
		// reslua report's SIGSEGV (report/page.go): a request with no histograms.
		{`"loads":[{"name":"l","requests":[{"name":"q","count":5}]}]}`,
			`load "l": request "q": histograms.latency: missing: expected the histogram of its 5 requests`},
		{`"loads":[{"name":"l","requests":[{"name":"q","count":-5}]}]}`,
			`loads[0].requests[0].count: -5: expected a count, 0 or more`},
		{`"loads":[{"name":"l","requests":[{"name":"q","count":1,"errors":{"timeout":2}}]}]}`,
			`loads[0].requests[0].errors["timeout"]: 2: expected a count from 0 to 1`},
		{`"loads":[{"name":"l","requests":[{"name":"q","count":9223372036854775807,"errors":{"timeout":9223372036854775806,"reset":9223372036854775806}}]}]}`,
			`loads[0].requests[0].errors: more outcomes than the 9223372036854775807 requests`},
		{`"elapsed_ms":1e18}`, `elapsed_ms: 1e+18: expected milliseconds from 0 to `},
		{`"events":[{"at_ms":-1e300}]}`, `events[0].at_ms: -1e+300: expected milliseconds`},
		{`"loads":[{"name":"l","requests":[{"name":"q","seconds":[{"offset_s":1000000000000}]}]}]}`,
			`loads[0].requests[0].seconds[0].offset_s: 1e+12: expected seconds from 0 to 31622400`},
		{`"loads":[{"name":"l","requests":[{"name":"q","seconds":[{"offset_s":5},{"offset_s":5}]}]}]}`,
			`seconds[1].offset_s: 5: expected seconds in increasing order, after 5`},
		{`"routers":[{"name":"r","routes":[{"name":"a"}],"seconds":[{"offset_s":-1,"requests":[1],"errors":[0]}]}]}`,
			`routers[0].seconds[0].offset_s: -1: expected seconds from 0`},
		// 2^31 buckets apart: 16 GB were allocated before the span was checked.
		{`"routers":[{"name":"r","routes":[{"name":"a","latency":{"buckets":"0:1 2147483646:1"}}]}]}`,
			`router "r": route "a": latency: buckets: indexes 0 to 2147483646: expected at most 65536 buckets apart`},
		{`"loads":[{"name":"l","lag":"` + wideHistogram(t) + `"}]}`,
			`load "l": lag: histogram of values 1 to 4611686018427387904 with 5 significant digits: expected values within 1 to 3600000000, at most 3 digits`},
		{`"faults":[{"id":"f","matched":-1}]}`, `faults[0].matched: -1: expected a count`},
		// 3,000 requests of none, without histograms: 9,000 empty ones of 190 kB.
		{`"loads":[{"name":"l","requests":[` + strings.Repeat(`{"name":"q"},`, 2999) + `{"name":"q"}]}]}`,
			`histograms would take more than 512 MiB decoded`},
	} {
		_, err := engine.ReadResults([]byte(head + c.file))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ReadResults(%s):\n got %v\nwant …%s…", c.file, err, c.want)
		}
	}
}

// A request of no requests may come without histograms, and a load without
// its lag histogram: both read back as empty, and render.
func TestReadResultsOptionalHistograms(t *testing.T) {
	saved, err := engine.ReadResults([]byte(`{"schema":"reslua.results/v1","elapsed_ms":1000,"loads":[{"name":"l","elapsed_ms":1000,"requests":[{"name":"q","count":0}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	render(t, saved)
}
