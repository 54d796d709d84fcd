package main

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/reslua/reslua/engine"
	"github.com/reslua/reslua/report"
)

// The files a run writes when it ends, whatever ended it: --out (the
// results as JSON, engine.ResultsSchema) and --junit (the checks as JUnit
// XML). Both are written atomically: a reader sees the old file or the
// new one, never half of one. Their paths are checked before the run
// starts, so that a typo does not cost a whole run.

// output is one file to write: its flag, for messages, and its path.
type output struct {
	flag, path string
}

// outputsOf returns the outputs o asks for.
func outputsOf(o options) []output {
	var out []output
	if o.results != "" {
		out = append(out, output{"--out", o.results})
	}
	if o.junit != "" {
		out = append(out, output{"--junit", o.junit})
	}
	if o.report != "" {
		out = append(out, output{"--report", o.report})
	}
	return out
}

// checkOutputs reports the first output that cannot be written, naming its
// flag and path: a missing directory, a directory, something that is not
// a regular file, a directory without write permission, or two outputs on
// one path.
func checkOutputs(outs []output) error {
	seen := map[string]string{}
	for _, out := range outs {
		path, err := resolveOutput(out.path)
		if err == nil {
			err = checkWritable(path)
		}
		if err != nil {
			return fmt.Errorf("%s %s: %w", out.flag, out.path, err)
		}
		if other, ok := seen[path]; ok {
			return fmt.Errorf("%s %s: %s writes the same file", out.flag, out.path, other)
		}
		seen[path] = out.flag
	}
	return nil
}

// resolveOutput follows a symbolic link at path, so that writing replaces
// the file it points to rather than the link.
func resolveOutput(path string) (string, error) {
	fi, err := os.Lstat(path)
	if err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		return path, nil
	}
	real, err := filepath.EvalSymlinks(path)
	if errors.Is(err, fs.ErrNotExist) { // a dangling link: write where it points
		target, err := os.Readlink(path)
		if err != nil {
			return "", err
		}
		if !filepath.IsAbs(target) {
			target = filepath.Join(filepath.Dir(path), target)
		}
		return target, nil
	}
	return real, err
}

// checkWritable reports why a file could not be written at path with
// writeFileAtomic.
func checkWritable(path string) error {
	if fi, err := os.Stat(path); err == nil {
		switch {
		case fi.IsDir():
			return errors.New("is a directory; give a file name")
		case !fi.Mode().IsRegular():
			return errors.New("is not a regular file")
		}
	}
	dir := filepath.Dir(path)
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("directory %s does not exist", dir)
	case err != nil:
		return err
	case !fi.IsDir():
		return fmt.Errorf("%s is not a directory", dir)
	}
	// Only trying tells: permissions, read-only mounts, ACLs.
	f, err := os.CreateTemp(dir, ".reslua-check-*")
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return fmt.Errorf("cannot create a file in %s: %w", dir, err)
	}
	f.Close()
	return os.Remove(f.Name())
}

// staged is an output rendered and written to a temporary file beside its
// path, to be renamed over it (commit) or removed (discard).
type staged struct {
	out        output
	path, tmp  string // the resolved path, and the temporary file
	size       int
	renderTook time.Duration
}

// stageOutputs renders every output of the run with meta and writes each
// to a temporary file beside its path; nothing is in place yet. It returns
// the outputs staged and an error for each that could not be, so that the
// caller can decide the run's exit code knowing every output's fate, and
// only then put them in place (commitOutputs): a file never says a verdict
// or an exit code that a later output's failure changed.
func stageOutputs(outs []output, res *engine.Result, meta engine.RunMeta) (ok []staged, failed []output, errs []error) {
	for _, out := range outs {
		start := time.Now()
		var data []byte
		var err error
		switch out.flag {
		case "--out":
			data, err = res.JSON(meta)
		case "--junit":
			data, err = junitXML(res, meta)
		case "--report":
			data, err = renderReport(res, meta)
		}
		st := staged{out: out, size: len(data)}
		if err == nil {
			if st.path, err = resolveOutput(out.path); err == nil {
				st.tmp, err = stageFile(st.path, data)
			}
		}
		if err != nil {
			failed = append(failed, out)
			errs = append(errs, fmt.Errorf("%s %s: %w", out.flag, out.path, err))
			continue
		}
		st.renderTook = time.Since(start)
		ok = append(ok, st)
	}
	return ok, failed, errs
}

// discardOutputs removes the temporary files of outputs staged.
func discardOutputs(sts []staged) {
	for _, st := range sts {
		os.Remove(st.tmp)
	}
}

// commitOutputs puts the staged outputs in place, each atomically, and
// reports each on the log with its size and how long it took.
func commitOutputs(sts []staged, log io.Writer) []error {
	var errs []error
	for _, st := range sts {
		start := time.Now()
		if err := commitFile(st.tmp, st.path); err != nil {
			errs = append(errs, fmt.Errorf("%s %s: %w", st.out.flag, st.out.path, err))
			continue
		}
		fmt.Fprintf(log, "reslua: wrote %s (%s, %s)\n", st.out.path, formatBytes(st.size), (st.renderTook + time.Since(start)).Round(time.Microsecond*10))
	}
	return errs
}

// renderReport renders the HTML report of a run.
func renderReport(res *engine.Result, meta engine.RunMeta) ([]byte, error) {
	var buf bytes.Buffer
	err := report.Render(&buf, res, report.Meta{Scenario: meta.Scenario, Version: meta.Version, Started: meta.Started,
		Error: meta.Error, Interrupted: meta.Interrupted})
	return buf.Bytes(), err
}

// reportCommand implements reslua report RESULTS.json -o REPORT.html: the
// report of saved results, rendered again.
func reportCommand(args []string, stdout, stderr io.Writer) int {
	fs := pflag.NewFlagSet("report", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	out := fs.StringP("output", "o", "", "write the HTML report to FILE")
	if err := fs.Parse(args); err != nil || fs.NArg() != 1 || *out == "" {
		msg := "expected one results file and -o REPORT.html"
		if err != nil {
			msg = err.Error()
		}
		fmt.Fprintf(stderr, "reslua report: %s\n\n%s", msg, usage)
		return exitUsage
	}
	if err := checkOutputs([]output{{"-o", *out}}); err != nil {
		fmt.Fprintf(stderr, "reslua report: %v\n", err)
		return exitUsage
	}
	data, err := readResultsFile(fs.Arg(0))
	if err != nil {
		fmt.Fprintf(stderr, "reslua report: %v\n", err)
		return exitUsage
	}
	start := time.Now()
	saved, err := engine.ReadResults(data)
	if err != nil {
		fmt.Fprintf(stderr, "reslua report: %s: %v\n", fs.Arg(0), err)
		return exitUsage
	}
	html, err := renderReport(saved.Result, saved.Meta)
	if err == nil {
		var path string
		if path, err = resolveOutput(*out); err == nil {
			err = writeFileAtomic(path, html)
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "reslua report: -o %s: %v\n", *out, err)
		return exitRuntime
	}
	fmt.Fprintf(stderr, "reslua: wrote %s (%s, %s)\n", *out, formatBytes(len(html)), time.Since(start).Round(10*time.Microsecond))
	return exitPassed
}

// maxResultsFile bounds the results file reslua report reads: a day's run
// of many requests writes a few hundred MB.
const maxResultsFile = 1 << 30

// readResultsFile reads a results file of at most maxResultsFile bytes.
func readResultsFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	tooLarge := fmt.Errorf("%s: larger than %d MiB, expected a results file", path, maxResultsFile>>20)
	if fi, err := f.Stat(); err == nil && fi.Size() > maxResultsFile {
		return nil, tooLarge // refused before anything is read
	}
	data, err := io.ReadAll(io.LimitReader(f, maxResultsFile+1)) // a pipe has no size
	if err == nil && len(data) > maxResultsFile {
		err = tooLarge
	}
	return data, err
}

func formatBytes(n int) string {
	if n < 10_000 {
		return strconv.Itoa(n) + " bytes"
	}
	return strconv.FormatFloat(float64(n)/1000, 'f', 1, 64) + " kB"
}

// writeFileAtomic writes data to path so that path holds the old content
// or the new one, never a part: a temporary file in the same directory
// (the same file system, for rename), synced to disk, then renamed over
// path, and the directory synced so that the rename lasts. The file is
// readable by all (0644), or keeps the mode of the file it replaces. On
// error the temporary file is removed and path is untouched.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := stageFile(path, data)
	if err != nil {
		return err
	}
	return commitFile(tmp, path)
}

// stageFile is writeFileAtomic's first half: it writes data to a
// temporary file beside path, synced and closed, with path's mode, and
// returns its name; on error nothing is left behind.
func stageFile(path string, data []byte) (tmp string, err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	mode := fs.FileMode(0o644)
	if fi, err := os.Stat(path); err == nil && fi.Mode().IsRegular() {
		mode = fi.Mode().Perm()
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return "", err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if _, err = f.Write(data); err != nil {
		return "", err
	}
	if err = f.Chmod(mode); err != nil {
		return "", err
	}
	if err = f.Sync(); err != nil {
		return "", err
	}
	if err = f.Close(); err != nil {
		return "", err
	}
	return f.Name(), nil
}

// commitFile is writeFileAtomic's second half: it renames the staged
// file tmp over path and syncs the directory; on error tmp is removed and
// path is untouched.
func commitFile(tmp, path string) error {
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	// The rename is done; a directory that cannot be synced (some file
	// systems refuse) leaves it in place all the same.
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// JUnit XML, as Jenkins, GitLab, GitHub and the other CI systems read it:
// one testsuite for the run; a testcase per check, per experiment and for
// the run itself (a failure when it aborted, an error when it was
// interrupted or failed).

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr,omitempty"`
	Properties []junitProperty `xml:"properties>property"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitProblem `xml:"failure,omitempty"`
	Error     *junitProblem `xml:"error,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

func seconds(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', 3, 64) }

// junitXML renders the run's checks, experiments and end as JUnit XML.
func junitXML(res *engine.Result, meta engine.RunMeta) ([]byte, error) {
	suite := junitSuite{Name: meta.Scenario, Time: seconds(res.Elapsed),
		Properties: []junitProperty{{"reslua.version", meta.Version}, {"verdict", res.Verdict(meta)}}}
	if !meta.Started.IsZero() {
		suite.Timestamp = meta.Started.UTC().Format("2006-01-02T15:04:05")
	}
	status, reason := res.Status(meta)
	suite.Properties = append(suite.Properties, junitProperty{"status", status})
	for _, c := range res.Checks {
		suite.Cases = append(suite.Cases, checkCase(c))
	}
	for _, e := range res.Experiments {
		tc := junitCase{Name: "experiment: " + e.Title, Classname: "experiment", Time: seconds(e.End - e.Start)}
		text := e.Reason
		if e.Where != "" {
			text += "\nat " + e.Where
		}
		if e.Status == "held" {
			tc.SystemOut = text
		} else {
			tc.Failure = &junitProblem{Message: e.Status + ": " + e.Reason, Type: e.Status, Text: text}
		}
		suite.Cases = append(suite.Cases, tc)
	}
	run := junitCase{Name: "run", Classname: "run", Time: seconds(res.Elapsed), SystemOut: status}
	switch status {
	case "aborted":
		run.SystemOut = ""
		run.Failure = &junitProblem{Message: "run aborted: " + reason, Type: "aborted", Text: reason}
	case "interrupted", "failed":
		run.SystemOut = ""
		run.Error = &junitProblem{Message: "run " + status + ": " + reason, Type: status, Text: reason}
	}
	suite.Cases = append(suite.Cases, run)
	for _, tc := range suite.Cases {
		suite.Tests++
		if tc.Failure != nil {
			suite.Failures++
		}
		if tc.Error != nil {
			suite.Errors++
		}
	}
	doc := junitSuites{Name: "reslua", Tests: suite.Tests, Failures: suite.Failures, Errors: suite.Errors,
		Time: suite.Time, Suites: []junitSuite{suite}}
	out, err := xml.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, err
	}
	return append([]byte(xml.Header), append(out, '\n')...), nil
}

// checkCase is a check's testcase: its measured value and threshold, and
// on failure why.
func checkCase(c engine.CheckResult) junitCase {
	measured := c.Check.Format(c.Measured)
	tc := junitCase{Name: c.Check.String(), Classname: "sla", Time: "0"}
	threshold := c.Check.Spec.Metric + " " + strings.TrimSpace(c.Check.Spec.Threshold)
	var text strings.Builder
	switch {
	case c.NoData && c.Detail != "":
		text.WriteString("no data: " + c.Detail)
	case c.NoData:
		text.WriteString("no data: no request matched the check's scope")
	default:
		fmt.Fprintf(&text, "measured %s, threshold %s", measured, threshold)
		if c.Detail != "" {
			text.WriteString("\n" + c.Detail)
		}
	}
	if c.Check.Spec.Where != "" {
		text.WriteString("\nat " + c.Check.Spec.Where)
	}
	switch {
	case c.Passed:
		tc.SystemOut = text.String()
	case c.NoData:
		msg, _, _ := strings.Cut(text.String(), "\n")
		tc.Failure = &junitProblem{Message: msg, Type: "no_data", Text: text.String()}
	default:
		tc.Failure = &junitProblem{Message: fmt.Sprintf("measured %s, threshold %s", measured, threshold), Type: "threshold", Text: text.String()}
	}
	return tc
}
