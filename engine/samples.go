package engine

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/reslua/reslua/engine/outcome"
	"github.com/reslua/reslua/internal/printable"
)

// Failure samples: what came back for a few failed requests, so that a
// 401, a 415 and a certificate nobody trusts can be told apart without
// logging on the server. Each request name keeps the first
// SamplesPerKind failures of each kind, for at most maxSampleKinds
// kinds: memory is bounded whatever the traffic. Nothing is allocated
// for a request that succeeds; a failed one costs its sender one small
// allocation (failureDetail) and, while its kind has room, the text kept.

// SampleBodyBytes bounds the body a sample keeps, and SampleErrorBytes
// its error text.
const (
	SampleBodyBytes  = 256
	SampleErrorBytes = 512
)

// SamplesPerKind is how many failures of one kind a request name keeps;
// maxSampleKinds bounds the kinds sampled per request name (JSON-RPC
// codes are the server's to choose).
const (
	SamplesPerKind = 3
	maxSampleKinds = 8
)

// FailureSample is one failed request as it came back.
type FailureSample struct {
	// Kind is the failure's kind.
	Kind outcome.Kind
	// At is when the request ended, from the run's start.
	At time.Duration
	// Status is the reply's HTTP status; zero when no reply arrived.
	Status int
	// Error is the error's text, at most SampleErrorBytes (a check's
	// message, a JSON-RPC error, a TLS verification error); zero for a
	// plain HTTP error status.
	Error string
	// Body is the first bytes of the reply's body, at most
	// SampleBodyBytes, made valid UTF-8; zero when there was none.
	Body string
}

// failureDetail is what a sender knows of a failure, for a sample. It is
// made on the failure path only; body is the detail's own (at most
// SampleBodyBytes).
type failureDetail struct {
	status int
	err    error
	body   []byte
}

// clipBody returns the first SampleBodyBytes of body, sharing its array.
func clipBody(body []byte) []byte {
	if len(body) > SampleBodyBytes {
		return body[:SampleBodyBytes]
	}
	return body
}

// sampleSet is a request name's samples. Not safe for concurrent use:
// requestStats holds it under its lock.
type sampleSet struct {
	list  []FailureSample
	kinds []outcome.Kind // the kinds sampled, in order of first sample
	count []int          // samples kept, by kinds' index
}

// wants reports whether a failure of kind k would be kept, and the index
// of k in s.kinds (len(s.kinds) for a new kind).
func (s *sampleSet) wants(k outcome.Kind) (bool, int) {
	for i, x := range s.kinds {
		if x == k {
			return s.count[i] < SamplesPerKind, i
		}
	}
	return len(s.kinds) < maxSampleKinds, len(s.kinds)
}

// add keeps a failure of kind k that ended at `at`, if there is room.
func (s *sampleSet) add(k outcome.Kind, at time.Duration, d *failureDetail) {
	ok, i := s.wants(k)
	if !ok {
		return
	}
	if i == len(s.kinds) {
		s.kinds, s.count = append(s.kinds, k), append(s.count, 0)
	}
	s.count[i]++
	fs := FailureSample{Kind: k, At: at}
	if d != nil {
		fs.Status = d.status
		if d.err != nil {
			fs.Error = clipText(d.err.Error(), SampleErrorBytes)
		}
		fs.Body = clipText(string(clipBody(d.body)), SampleBodyBytes)
	}
	s.list = append(s.list, fs)
}

// snapshot returns a copy of the samples; nil when there are none.
func (s *sampleSet) snapshot() []FailureSample {
	if len(s.list) == 0 {
		return nil
	}
	return append([]FailureSample(nil), s.list...)
}

// clipText returns s cut to at most max bytes at a rune boundary, with
// invalid UTF-8 replaced.
func clipText(s string, max int) string {
	if len(s) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut]
	}
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return s
}

// writeSamples writes a load's failure samples under its table: per
// request name and kind, when, the status, the error and the body's first
// bytes, each on one line.
func writeSamples(w io.Writer, requests []RequestResult) {
	n := 0
	for _, q := range requests {
		n += len(q.Samples)
	}
	if n == 0 {
		return
	}
	fmt.Fprintf(w, "  failures as they came back (the first %d of each kind):\n", SamplesPerKind)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, q := range requests {
		for _, s := range q.Samples {
			fmt.Fprintf(tw, "    %s\t%s\t+%s\t%s\n", printable.Name(q.Name), s.Kind, s.At.Round(time.Millisecond), s.Describe())
		}
	}
	tw.Flush()
}

// Describe renders the sample on one line: the status, the error and the
// body's first bytes, whitespace folded and control characters escaped.
func (s FailureSample) Describe() string {
	var parts []string
	if s.Status != 0 {
		parts = append(parts, strconv.Itoa(s.Status)+" "+http.StatusText(s.Status))
	}
	if s.Error != "" {
		parts = append(parts, oneLine(s.Error))
	}
	if s.Body != "" {
		body := oneLine(s.Body)
		if len(s.Body) == SampleBodyBytes {
			body += "…"
		}
		parts = append(parts, "body: "+body)
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, "; ")
}

// oneLine folds runs of white space into one space and escapes other
// control characters, so that a body cannot break the summary's layout.
func oneLine(s string) string {
	var b strings.Builder
	space := false
	for _, r := range strings.TrimSpace(s) {
		switch {
		case unicode.IsSpace(r):
			space = true
			continue
		case space:
			b.WriteByte(' ')
			space = false
		}
		if unicode.IsControl(r) {
			fmt.Fprintf(&b, "\\x%02x", r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
