package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/reslua/reslua/engine"
	"github.com/reslua/reslua/luabind"
	"github.com/spf13/pflag"
)

// Exit codes, as k6 and DESIGN.md §9 fix them.
const (
	exitPassed      = 0
	exitRuntime     = 1
	exitUsage       = 2
	exitCheckFailed = 99
	exitInterrupted = 130
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// gracePeriod bounds how long an interrupted run waits for requests in
// flight before stopping them.
const gracePeriod = 10 * time.Second

// checkTimeout bounds how long checking a scenario may run before it is
// called a runaway (luabind.Options.CheckTimeout); zero means luabind's
// default. Tests shorten it rather than wait the default out.
var checkTimeout time.Duration

const usage = `reslua runs resilience scenarios written in Lua.

Usage:
  reslua [run] FILE [flags]   run a scenario and print its verdict
  reslua check FILE [flags]   validate a scenario without sending traffic
  reslua version              print the version

Flags of run and check:
  -e, --env KEY=VALUE    set env.KEY for the script (repeatable; overrides the environment)
      --lib-path DIR     also look for require()d modules in DIR (repeatable; RESLUA_PATH too)
      --seed N           seed the faults' random choices, to repeat a run exactly (default 1)
  -q, --quiet            show no progress during the run (a terminal gets a live block,
                         a log a line every 5 s)
      --cpuprofile FILE  write a Go CPU profile of the run to FILE (go tool pprof)
  -h, --help             show this help

Flags of run only: files written when the run ends, however it ends (also
interrupted, aborted or failed), atomically; their paths are checked first:
      --out FILE         the results as JSON: plan, checks, timeline, loads, routers,
                         rollouts, faults, experiments, HDR histograms and per-second
                         series (docs/results-schema.md)
      --junit FILE       the checks and experiments as JUnit XML, for CI systems
      --metrics-addr ADDR  serve Prometheus /metrics at ADDR (e.g. 127.0.0.1:9464) during
                         the run: requests, latency histograms, routes, breakers, faults,
                         rollout steps, generator health (docs/metrics.md)
      --metrics-linger D after the run, keep /metrics up until a scrape has read the final
                         counts, for at most D (default 20s: one more scrape of a 15 s
                         interval; 0: exit at once); Ctrl-C ends it
      --testid ID        the run's id, label testid of every metric, also in the summary
                         and the results (default: generated, e.g. 20260102-150405-3fa9)
      --report FILE      the HTML report: charts over time with faults, rollout steps
                         and open breakers shaded, checks, requests (self-contained)
      --http-debug[=full]  log each plain HTTP request and its reply: heads, or with
                         =full bodies too (the first 4 kB); not MCP requests
      --fail-on-errors[=RATE]  fail the run (exit 99) when more than RATE of all its
                         requests were lost: failed, interrupted at a graceful stop's
                         end, or never sent (5% or 0.05; alone: any lost request),
                         checks or none; for CI with scenarios that declare no sla

  reslua report RESULTS.json -o REPORT.html   render saved results (--out) again

Exit codes: 0 all checks passed, 99 a check failed or the run aborted, 2 usage or
script error, 1 runtime failure, 130 interrupted; results.json, the JUnit XML and the
summary's verdict line say the same (passed, failed, aborted, error, interrupted).
`

// run is the whole command, testable in-process: it parses args, runs the
// subcommand and returns the exit code. Cancelling ctx interrupts a run.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) (code int) {
	// The log is written by the script, the engine and the progress line;
	// on a terminal, above the live progress block.
	terminal := isTerminal(stderr)
	stderr = &syncWriter{w: stderr}
	if terminal && !slices.Contains(args, "--quiet") && !slices.Contains(args, "-q") {
		stderr = newLiveBlock(stderr)
	}
	// A panic left anywhere on this goroutine is reslua's own failure:
	// exit 1 with its message and stack, never a crash (execute recovers
	// those of a run earlier, so that its outputs are still written).
	defer func() {
		if v := recover(); v != nil {
			fmt.Fprintf(stderr, "reslua: internal error: panic: %v\n%s", v, debug.Stack())
			code = exitRuntime
		}
	}()
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	switch args[0] {
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return exitPassed
	case "version", "--version":
		fmt.Fprintf(stdout, "reslua %s\n", version)
		return exitPassed
	case "check":
		return runCommand(ctx, "check", args[1:], stdout, stderr)
	case "run":
		return runCommand(ctx, "run", args[1:], stdout, stderr)
	case "report":
		return reportCommand(args[1:], stdout, stderr)
	}
	if strings.HasPrefix(args[0], "-") || strings.HasSuffix(args[0], ".lua") || strings.ContainsRune(args[0], filepath.Separator) {
		return runCommand(ctx, "run", args, stdout, stderr)
	}
	fmt.Fprintf(stderr, "reslua: unknown command %q; expected a scenario file (FILE.lua), run, check or version\n", args[0])
	return exitUsage
}

// options are the flags shared by run and check.
type options struct {
	file       string
	env        map[string]string
	libPath    []string
	cpuProfile string
	seed       uint64
	quiet      bool
	// results, junit and report are the paths of --out, --junit and
	// --report (run only); zero: not written.
	results, junit, report string
	// metricsAddr is --metrics-addr: where /metrics is served during the
	// run; zero: not served.
	metricsAddr string
	// failOnErrors is --fail-on-errors: the largest lost_rate (0 to 1)
	// over all the run's arrivals that still passes (failed, interrupted
	// or never sent); negative: not checked. The zero value fails a run
	// with any lost request.
	failOnErrors float64
	// httpDebug is --http-debug: what the log shows of each plain HTTP
	// exchange. Zero: nothing.
	httpDebug engine.HTTPDebug
	// metricsLinger is --metrics-linger: how long /metrics stays up after
	// the run waiting for a last scrape; zero: not at all.
	metricsLinger time.Duration
	// testID is --testid: the run's label among others; zero: none
	// (parseFlags generates one for run).
	testID string
}

// maxMetricsLinger bounds --metrics-linger.
const maxMetricsLinger = time.Hour

// defaultMetricsLinger is long enough for one more scrape of Prometheus's
// usual 15 s interval, with room for its jitter.
const defaultMetricsLinger = 20 * time.Second

// maxTestID bounds --testid's length.
const maxTestID = 64

// checkTestID tells what is wrong with a --testid, if anything: it must be
// 1 to maxTestID letters, digits, '.', '_', ':' or '-' (a label value, a
// file name and a shell word alike).
func checkTestID(id string) error {
	if id == "" || len(id) > maxTestID {
		return fmt.Errorf("expected 1 to %d characters, got %d", maxTestID, len(id))
	}
	for i, c := range id {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.ContainsRune("._:-", c)) {
			return fmt.Errorf("expected letters, digits, '.', '_', ':' or '-', got %q at byte %d", c, i)
		}
	}
	return nil
}

// newTestID makes a run's id: its start in UTC and four random hex digits,
// so that two runs started in the same second differ.
func newTestID(now time.Time) string {
	return fmt.Sprintf("%s-%04x", now.UTC().Format("20060102-150405"), rand.Uint32()&0xffff)
}

func parseFlags(name string, args []string, stdout, stderr io.Writer) (options, int, bool) {
	fs := pflag.NewFlagSet(name, pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	pairs := fs.StringArrayP("env", "e", nil, "KEY=VALUE for the script's env table")
	libs := fs.StringArray("lib-path", nil, "directory for require()d modules")
	cpuProfile := fs.String("cpuprofile", "", "write a Go CPU profile of the run to FILE")
	seed := fs.Uint64("seed", 1, "seed of the faults' random choices")
	quiet := fs.BoolP("quiet", "q", false, "show no progress while the run goes on")
	help := fs.BoolP("help", "h", false, "show help")
	results, junit, report := new(string), new(string), new(string)
	if name == "run" {
		results = fs.String("out", "", "write the results as JSON to FILE")
		junit = fs.String("junit", "", "write the checks as JUnit XML to FILE")
		report = fs.String("report", "", "write the HTML report to FILE")
	}
	metricsAddr, failOnErrors, testID := new(string), new(string), new(string)
	metricsLinger := new(time.Duration)
	if name == "run" {
		metricsAddr = fs.String("metrics-addr", "", "serve Prometheus /metrics at ADDR during the run")
		metricsLinger = fs.Duration("metrics-linger", defaultMetricsLinger, "keep /metrics up after the run for a last scrape")
		testID = fs.String("testid", "", "the run's id, label testid of every metric")
		failOnErrors = fs.String("fail-on-errors", "", "fail the run when more than RATE of its requests were lost (failed, interrupted, unsent)")
		fs.Lookup("fail-on-errors").NoOptDefVal = "0%"
	}
	httpDebug := new(string)
	if name == "run" {
		httpDebug = fs.String("http-debug", "", "log each HTTP request's and reply's heads (=full: bodies too)")
		fs.Lookup("http-debug").NoOptDefVal = "headers"
	}
	if err := fs.Parse(args); err != nil {
		fmt.Fprintf(stderr, "reslua %s: %v\n\n%s", name, err, usage)
		return options{}, exitUsage, false
	}
	if *help {
		fmt.Fprint(stdout, usage)
		return options{}, exitPassed, false
	}
	if fs.NArg() != 1 {
		fmt.Fprintf(stderr, "reslua %s: expected one scenario file, got %d arguments\n\n%s", name, fs.NArg(), usage)
		return options{}, exitUsage, false
	}
	o := options{file: fs.Arg(0), env: map[string]string{}, cpuProfile: *cpuProfile, seed: *seed, quiet: *quiet,
		results: *results, junit: *junit, report: *report, metricsAddr: *metricsAddr,
		metricsLinger: *metricsLinger, testID: *testID, failOnErrors: -1}
	if *failOnErrors != "" {
		rate, err := parseRate(*failOnErrors)
		if err != nil {
			fmt.Fprintf(stderr, "reslua %s: --fail-on-errors: %v\n", name, err)
			return options{}, exitUsage, false
		}
		o.failOnErrors = rate
	}
	switch *httpDebug {
	case "":
	case "headers":
		o.httpDebug = engine.HTTPDebugHeaders
	case "full":
		o.httpDebug = engine.HTTPDebugFull
	default:
		fmt.Fprintf(stderr, "reslua %s: --http-debug=%s: expected --http-debug (heads) or --http-debug=full (bodies too)\n", name, *httpDebug)
		return options{}, exitUsage, false
	}
	if o.metricsLinger < 0 || o.metricsLinger > maxMetricsLinger {
		fmt.Fprintf(stderr, "reslua %s: --metrics-linger %s: expected a duration from 0 to %s\n", name, o.metricsLinger, maxMetricsLinger)
		return options{}, exitUsage, false
	}
	if name == "run" {
		if fs.Changed("testid") {
			if err := checkTestID(o.testID); err != nil {
				fmt.Fprintf(stderr, "reslua %s: --testid %q: %v\n", name, o.testID, err)
				return options{}, exitUsage, false
			}
		} else {
			o.testID = newTestID(time.Now())
		}
	}
	for _, kv := range os.Environ() {
		if k, v, ok := strings.Cut(kv, "="); ok {
			o.env[k] = v
		}
	}
	for _, kv := range *pairs {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			fmt.Fprintf(stderr, "reslua %s: -e %q: expected KEY=VALUE\n", name, kv)
			return options{}, exitUsage, false
		}
		o.env[k] = v
	}
	if p := os.Getenv("RESLUA_PATH"); p != "" {
		o.libPath = append(o.libPath, filepath.SplitList(p)...)
	}
	o.libPath = append(o.libPath, *libs...)
	return o, 0, true
}

// parseRate reads an error rate: a percentage ("5%") or a ratio ("0.05"),
// from 0 to 1.
func parseRate(s string) (float64, error) {
	v, pct := strings.CutSuffix(strings.TrimSpace(s), "%")
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err == nil && pct {
		f /= 100
	}
	if err != nil || math.IsNaN(f) || f < 0 || f > 1 {
		return 0, fmt.Errorf("expected an error rate such as 5%% or 0.05 (0 to 1), got %q", s)
	}
	return f, nil
}

func runCommand(ctx context.Context, name string, args []string, stdout, stderr io.Writer) int {
	o, code, ok := parseFlags(name, args, stdout, stderr)
	if !ok {
		return code
	}
	script, err := luabind.Load(o.file, luabind.Options{Env: o.env, LibPath: o.libPath, Log: stderr, CheckTimeout: checkTimeout})
	if err != nil {
		fmt.Fprintf(stderr, "%v\n", err)
		return exitUsage
	}
	plan, problems := script.Check(ctx)
	if len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintln(stderr, p)
		}
		fmt.Fprintf(stderr, "%s: %d problem%s found\n", o.file, len(problems), plural(len(problems)))
		return exitUsage
	}
	if name == "check" {
		writePlan(stdout, o.file, plan)
		return exitPassed
	}
	// An output that cannot be written is reported before any traffic.
	if err := checkOutputs(outputsOf(o)); err != nil {
		fmt.Fprintf(stderr, "reslua %s: %v\n", name, err)
		return exitUsage
	}
	return execute(ctx, o, script, plan, stdout, stderr)
}

// execute runs a checked script for real and turns its result into an exit
// code. Whatever happens, what was recorded is summarised.
func execute(ctx context.Context, o options, script *luabind.Script, plan engine.Plan, stdout, stderr io.Writer) int {
	fmt.Fprintf(stderr, "reslua %s: running %s (%d load%s, about %s; testid %s)\n",
		version, o.file, len(plan.Loads), plural(len(plan.Loads)), plan.Length, o.testID)
	if o.cpuProfile != "" {
		stop, err := startCPUProfile(o.cpuProfile)
		if err != nil {
			fmt.Fprintf(stderr, "reslua: --cpuprofile: %v\n", err)
			return exitUsage
		}
		defer stop()
	}
	// Targets the check run injected faults into get a fault proxy.
	var chaosTargets []string
	for _, f := range plan.Faults {
		chaosTargets = append(chaosTargets, f.Proxy)
	}
	started := time.Now()
	r := engine.NewRun(engine.Config{Clock: engine.PreciseClock, Log: stderr, ClientVersion: version,
		Seed: o.seed, Chaos: chaosTargets, HTTPDebug: o.httpDebug, TestID: o.testID})
	var metrics *engine.MetricsServer
	if o.metricsAddr != "" {
		// Served until the outputs are written and a last scrape has read
		// the final counts (lingerMetrics), also after a Ctrl-C.
		var err error
		metrics, err = r.ServeMetrics(context.WithoutCancel(ctx), o.metricsAddr)
		if err != nil {
			fmt.Fprintf(stderr, "reslua: --metrics-addr %s: %v\n", o.metricsAddr, err)
			return exitRuntime
		}
		defer metrics.Close()
	}
	stopWatching := context.AfterFunc(ctx, r.Interrupt)
	defer stopWatching()
	progressCtx, cancelProgress := context.WithCancel(ctx)
	progressDone := make(chan struct{})
	go func() {
		defer close(progressDone)
		if o.quiet {
			return
		}
		block, _ := stderr.(*liveBlock) // a terminal's
		reportProgress(progressCtx, r, stderr, block)
	}()
	stopProgress := func() { cancelProgress(); <-progressDone }
	defer stopProgress()

	// A panic in the script's run or in Finish is reslua's own failure:
	// exit 1, the outputs written with what was recorded and the panic's
	// message (its stack in the log).
	scriptErr, panicked := protect(stderr, func() error {
		err := script.Exec(ctx, r)
		panicHook("exec")
		return err
	})
	if panicked != nil {
		scriptErr = panicked
	}
	interrupted := ctx.Err() != nil
	if errors.Is(scriptErr, engine.ErrAborted) {
		// The run aborted (abort_if_behind, abort_on_fail, an experiment's
		// safety): the script was stopped, not wrong. The verdict fails.
		fmt.Fprintf(stderr, "reslua: %v\n", scriptErr)
		scriptErr = nil
	}
	if scriptErr != nil && !interrupted {
		fmt.Fprintf(stderr, "%v\n", scriptErr)
		r.Interrupt() // stop the loads; summarise what they recorded
	}
	// A second interrupt cuts the grace period short: requests still in
	// flight are stopped, and the outputs are written at once.
	finishCtx, cancelFinish := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelFinish()
	defer context.AfterFunc(hardStop(ctx), cancelFinish)()
	if interrupted || scriptErr != nil {
		var cancel context.CancelFunc
		finishCtx, cancel = context.WithTimeout(finishCtx, gracePeriod)
		defer cancel()
	}
	var res *engine.Result
	var finishErr error
	if _, p := protect(stderr, func() error {
		panicHook("finish")
		res, finishErr = r.Finish(finishCtx)
		return nil
	}); p != nil {
		if panicked == nil {
			panicked = p
		}
		if res == nil { // nothing to summarise but the failure itself
			res = &engine.Result{TestID: o.testID, Interrupted: interrupted}
		}
	}
	stopProgress()
	// How the run ended decides its verdict (engine.Result.Verdict), and
	// the verdict the exit code: the summary, the results file and the
	// JUnit XML say what the exit code says.
	meta := engine.RunMeta{Version: version, Scenario: o.file, Started: started, Interrupted: interrupted, Plan: &plan}
	runtime := false
	switch {
	case panicked != nil:
		meta.Error, runtime = panicked.Error(), true
	case interrupted:
	case scriptErr != nil:
		meta.Error, runtime = scriptErr.Error(), errors.Is(scriptErr, engine.ErrRuntime)
	case finishErr != nil:
		fmt.Fprintf(stderr, "%v\n", finishErr)
		meta.Error = finishErr.Error()
	}
	if o.failOnErrors >= 0 {
		if err := res.AddLostRateCheck(o.failOnErrors, "--fail-on-errors"); err != nil {
			fmt.Fprintf(stderr, "reslua: %v\n", err) // validated by parseFlags
		}
	}
	code := exitCode(res.Verdict(meta), runtime)
	meta.ExitCode = code
	// Every output is rendered and staged before any is put in place: one
	// that cannot be written turns a pass into an error (exit 1: CI must
	// not take a missing file for a pass), and then the others, the
	// summary included, must say so too rather than "passed", exit 0.
	staged, failed, errs := stageOutputs(outputsOf(o), res, meta)
	if len(failed) > 0 && code == exitPassed {
		meta.Error = fmt.Sprintf("writing the outputs: %v", errs[0])
		if len(errs) > 1 {
			meta.Error += fmt.Sprintf(" (and %d more)", len(errs)-1)
		}
		code = exitRuntime
		meta.ExitCode = code
		discardOutputs(staged)
		var again []output
		for _, st := range staged {
			again = append(again, st.out)
		}
		var moreErrs []error
		staged, _, moreErrs = stageOutputs(again, res, meta)
		errs = append(errs, moreErrs...)
	}
	res.WriteSummary(stdout, meta)
	if cerrs := commitOutputs(staged, stderr); len(cerrs) > 0 {
		// A rename that fails after its file was written: rare (the
		// directory changed under us); the exit still says so.
		errs = append(errs, cerrs...)
		if code == exitPassed {
			code = exitRuntime
		}
	}
	for _, err := range errs {
		fmt.Fprintf(stderr, "reslua: %v\n", err)
	}
	if metrics != nil {
		lingerMetrics(ctx, metrics, o.metricsLinger, stderr)
	}
	return code
}

// panicHook is called at stages of a run ("exec": the script has
// returned; "finish": before Finish); tests make it panic to check that a
// panic becomes exit 1 with the outputs written. Zero: does nothing.
var panicHook = func(stage string) {}

// protect calls f and turns a panic in it into an error wrapping
// engine.ErrRuntime with the panic's message; the stack goes to log.
func protect(log io.Writer, f func() error) (err, panicked error) {
	defer func() {
		if v := recover(); v != nil {
			fmt.Fprintf(log, "reslua: internal error: panic: %v\n%s", v, debug.Stack())
			panicked = fmt.Errorf("%w: internal error: panic: %v", engine.ErrRuntime, v)
		}
	}()
	return f(), nil
}

// hardStopKey keys the context a second interrupt ends (withHardStop).
type hardStopKey struct{}

// withHardStop returns ctx carrying hard, the context main cancels on a
// second interrupt: it cuts the grace period and the metrics' linger
// short, never the outputs.
func withHardStop(ctx, hard context.Context) context.Context {
	return context.WithValue(ctx, hardStopKey{}, hard)
}

// hardStop returns the context a second interrupt ends; without one (in
// tests run in-process), a context never done.
func hardStop(ctx context.Context) context.Context {
	if h, ok := ctx.Value(hardStopKey{}).(context.Context); ok {
		return h
	}
	return context.Background()
}

// lingerMetrics keeps /metrics up after the run until a scraper has read
// the final counts, for at most d: without it, the process would exit
// between two scrapes and Prometheus would never see the run's last
// requests. A Ctrl-C ends it; after a Ctrl-C that interrupted the run, the
// second one does (hardStop).
func lingerMetrics(ctx context.Context, m *engine.MetricsServer, d time.Duration, log io.Writer) {
	if d <= 0 {
		return
	}
	how := "Ctrl-C to stop"
	if ctx.Err() != nil { // the run was interrupted: wait for the second signal
		ctx = hardStop(ctx)
		how = "interrupt again to stop"
	}
	m.NextScrape() // a scrape from now on counts, even one made upon the next line
	fmt.Fprintf(log, "reslua: keeping %s up for a last scrape of the final counts, for at most %s (%s)\n", m.URL, d, how)
	switch {
	case m.Linger(ctx, d):
		fmt.Fprintln(log, "reslua: the final counts were scraped; exiting")
	case ctx.Err() != nil:
		fmt.Fprintln(log, "reslua: interrupted; exiting without a last scrape")
	default:
		fmt.Fprintf(log, "reslua: no scrape came within %s; exiting (the scraper missed the final counts)\n", d)
	}
}

// exitCode maps a run's verdict to its exit code (DESIGN.md §9); an error
// is reslua's own (1) when runtime is set, the script's (2) otherwise.
func exitCode(verdict string, runtime bool) int {
	switch verdict {
	case engine.VerdictPassed:
		return exitPassed
	case engine.VerdictFailed, engine.VerdictAborted:
		return exitCheckFailed
	case engine.VerdictInterrupted:
		return exitInterrupted
	}
	if runtime {
		return exitRuntime
	}
	return exitUsage
}

func writePlan(w io.Writer, file string, p engine.Plan) {
	fmt.Fprintf(w, "%s: OK\n", file)
	for _, d := range p.Demos {
		fmt.Fprintf(w, "  demo server %q (version %s)\n", d.Name, d.Version)
	}
	for _, t := range p.Targets {
		fmt.Fprintf(w, "  target %q → %s\n", t.Name, t.URL)
	}
	for _, r := range p.Routers {
		routes := make([]string, len(r.Routes))
		for i, rt := range r.Routes {
			routes[i] = fmt.Sprintf("%s=%d", rt.Target.Name(), rt.Weight)
		}
		fmt.Fprintf(w, "  router %q → %s\n", r.Name, strings.Join(routes, " "))
	}
	for _, f := range p.Faults {
		window := "until removed"
		if f.Duration > 0 {
			window = "for " + f.Duration.String()
		}
		fmt.Fprintf(w, "  fault %s on %q at %s, %s\n", f.Kind, f.Proxy, f.Start, window)
	}
	for _, ro := range p.Rollouts {
		fmt.Fprintf(w, "  %s rollout %s → %s at %s: steps %s, hold %s\n", strings.ReplaceAll(ro.Strategy, "_", "-"),
			ro.From, ro.To, ro.Start, strings.Trim(fmt.Sprint(ro.Steps), "[]"), ro.Hold)
	}
	for _, l := range p.Loads {
		fmt.Fprintf(w, "  load %q → %q at %s: %s, %d request kind%s, %d session%s\n",
			l.Spec.Name, l.Target, l.Start, l.Spec.Describe(),
			len(l.Spec.Mix), plural(len(l.Spec.Mix)), l.Spec.Sessions, plural(l.Spec.Sessions))
	}
	fmt.Fprintf(w, "  %d check%s; about %s of traffic\n", len(p.Checks), plural(len(p.Checks)), p.Length)
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// syncWriter serialises writes from several goroutines to one writer.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// startCPUProfile profiles the process into path until the returned stop.
func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}
