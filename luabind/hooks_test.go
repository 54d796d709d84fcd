package luabind

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/reslua/reslua/engine"
	"github.com/reslua/reslua/engine/outcome"
)

// hooksOf runs src for real against a dry run and returns its binder,
// whose Lua state stays open until the test ends, and the hooks of the
// load named name.
func hooksOf(t *testing.T, src, name string) (*binder, *hooks) {
	t.Helper()
	s := newScript(t, src, Options{})
	return hooksOfScript(t, s, name)
}

func hooksOfScript(t testing.TB, s *Script, name string) (*binder, *hooks) {
	t.Helper()
	run := engine.NewRun(engine.Config{DryRun: true})
	b := newBinder(context.Background(), s, run, false)
	t.Cleanup(b.close)
	if err := b.execMain(); err != nil {
		t.Fatalf("Exec: %v", err)
	}
	for _, l := range run.Plan().Loads {
		if l.Spec.Name == name {
			h, ok := l.Spec.Hooks.(*hooks)
			if !ok {
				t.Fatalf("load %q has hooks %T", name, l.Spec.Hooks)
			}
			return b, h
		}
	}
	t.Fatalf("no load %q", name)
	return nil, nil
}

// newWorker returns a worker of h, closed when the test ends.
func newWorker(t testing.TB, h *hooks) *hookWorker {
	t.Helper()
	w, err := h.NewWorker()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Close)
	return w.(*hookWorker)
}

// args builds entry i's request n and returns its tools/call arguments.
func args(t testing.TB, w *hookWorker, entry int, n int64) string {
	t.Helper()
	spec, err := w.Build(context.Background(), entry, n)
	if err != nil {
		t.Fatalf("Build(%d, %d): %v", entry, n, err)
	}
	if spec.MCP == nil {
		t.Fatalf("Build(%d, %d) = %+v, want an MCP request", entry, n, spec)
	}
	p := string(spec.MCP.Params)
	if i := strings.Index(p, `"arguments":`); i >= 0 {
		return strings.TrimSuffix(p[i+len(`"arguments":`):], "}")
	}
	return p
}

const hookPreamble = `local t = target { name = "t", url = "http://127.0.0.1:1/mcp" }
`

// TestHookIsolation: two workers mutate a captured table and counter;
// neither sees the other's changes, the scenario's table is unchanged, and
// changes the scenario makes after load { ... } are not seen either.
func TestHookIsolation(t *testing.T) {
	b, h := hooksOf(t, hookPreamble+`local seen = {}
local count = 0
scenario_seen = seen -- a global alias, for the test to look at
load { name = "iso", target = t, rate = 1, duration = "1s", mix = {
  { 1, function(n)
      count = count + 1
      seen[#seen + 1] = n
      return mcp.call("echo", { message = count .. ":" .. table.concat(seen, ",") .. ":" .. tostring(seen.after) })
    end, name = "dyn",
    check = function(reply) return count > 0, "count is " .. count end },
} }
seen.after = true
count = 100
function scenario_count() return count end
`, "iso")
	w1, w2 := newWorker(t, h), newWorker(t, h)
	for _, step := range []struct {
		w    *hookWorker
		n    int64
		want string
	}{
		{w1, 1, `"1:1:nil"`},
		{w1, 2, `"2:1,2:nil"`},
		{w2, 3, `"1:3:nil"`},
		{w1, 4, `"3:1,2,4:nil"`},
		{w2, 5, `"2:3,5:nil"`},
	} {
		if got := args(t, step.w, 0, step.n); got != `{"message":`+step.want+`}` {
			t.Errorf("n = %d: arguments %s, want message %s", step.n, got, step.want)
		}
	}
	// The check shares the builder's counter, in its own worker only.
	if err := w2.Check(context.Background(), 0, engine.Reply{Status: 200}); err != nil {
		t.Errorf("check after builds: %v", err)
	}
	w3 := newWorker(t, h)
	if err := w3.Check(context.Background(), 0, engine.Reply{Status: 200}); err == nil ||
		!strings.HasSuffix(err.Error(), "check failed: count is 0") {
		t.Errorf("check in a fresh worker = %v, want it to see count 0", err)
	}

	// The scenario's own table and counter: as the scenario left them.
	seen := b.L.GetGlobal("scenario_seen").(*lua.LTable)
	if seen.Len() != 0 || seen.RawGetString("after") != lua.LTrue {
		t.Errorf("scenario's table changed by hooks: len %d", seen.Len())
	}
	if err := b.L.CallByParam(lua.P{Fn: b.L.GetGlobal("scenario_count"), NRet: 1, Protect: true}); err != nil {
		t.Fatal(err)
	}
	if n := b.L.Get(-1); n != lua.LNumber(100) {
		t.Errorf("scenario's count = %v, want 100", n)
	}
}

// TestHookWorkersConcurrently runs workers side by side (under -race, any
// sharing between them shows), each counting its own builds.
func TestHookWorkersConcurrently(t *testing.T) {
	_, h := hooksOf(t, hookPreamble+`local state = { count = 0, log = {} }
load { name = "c", target = t, rate = 1, duration = "1s", mix = {
  { 1, function(n)
      state.count = state.count + 1
      state.log[#state.log + 1] = n
      return mcp.call("echo", { message = tostring(state.count) .. "/" .. #state.log })
    end, name = "dyn" },
} }
`, "c")
	const workers, builds = 4, 300
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for g := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			wk, err := h.NewWorker()
			if err != nil {
				errs <- err
				return
			}
			defer wk.Close()
			for i := 1; i <= builds; i++ {
				spec, err := wk.Build(context.Background(), 0, int64(g*builds+i))
				if err != nil {
					errs <- err
					return
				}
				want := fmt.Sprintf(`{"message":"%d/%d"}`, i, i)
				if got := string(spec.MCP.Params); !strings.Contains(got, want) {
					errs <- fmt.Errorf("worker %d build %d: %s, want %s", g, i, got, want)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestHookCaptures: nested tables keep their sharing, cycles and
// metatables; a captured helper brings its own captures; a captured
// request is the same request; library values are the worker's own.
func TestHookCaptures(t *testing.T) {
	_, h := hooksOf(t, hookPreamble+`local shared = { v = 1 }
local data = { a = shared, b = shared, list = { "x", "y" }, [shared] = "by key" }
data.self = data
local proto = setmetatable({}, { __index = function(_, k) return "default " .. k end })
local words = { "alpha", "beta" }
local calls = 0
local function word(n)
  calls = calls + 1
  return words[n % #words + 1] .. calls
end
local ping = mcp.ping()
local fmt, call, S = string.format, mcp.call, string
local R = require("reslua")
load { name = "cap", target = t, rate = 1, duration = "1s", mix = {
  { 1, function(n)
      assert(data.a == data.b, "sharing lost")
      assert(data.self == data and data.self.self.list[2] == "y", "cycle lost")
      assert(data[data.a] == "by key", "table key lost")
      assert(proto.missing == "default missing", "metatable lost")
      data.a.v = data.a.v + 1
      assert(data.b.v == data.a.v, "sharing lost after a change")
      return call("echo", { message = fmt("%s/%d/%s", word(n), data.b.v, S.upper("ok")) })
    end, name = "dyn" },
  { 1, function(n) return ping end, name = "captured" },
  { 1, function(n) return R.http.get("/n/" .. n) end, name = "via require" },
} }
`, "cap")
	w := newWorker(t, h)
	for i, want := range []string{`{"message":"alpha1/2/OK"}`, `{"message":"beta2/3/OK"}`} {
		if got := args(t, w, 0, int64(i)); got != want {
			t.Errorf("build %d: %s, want %s", i, got, want)
		}
	}
	spec, err := w.Build(context.Background(), 1, 0)
	if err != nil || spec.MCP == nil || spec.MCP.Method != "ping" || spec.Name != "captured" {
		t.Errorf("captured request: %+v, %v", spec, err)
	}
	spec, err = w.Build(context.Background(), 2, 7)
	if err != nil || spec.HTTP == nil || spec.HTTP.Path != "/n/7" {
		t.Errorf("request via require(\"reslua\"): %+v, %v", spec, err)
	}
}

func TestHookCaptureProblems(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{`local lb = t
load { target = t, rate = 1, duration = "1s", mix = { { 1, function(n) return mcp.call("x", { m = lb:name() }) end, name = "x" } } }`,
			`scenario.lua:3: load: mix[1]: the function captures "lb" (a target); a hook may capture data and functions, not targets or loads`},
		{`local cfg = { list = { 1, t } }
local function helper() return cfg.list[1] end
load { target = t, rate = 1, duration = "1s", mix = { { 1, mcp.ping(), check = function(r) return helper() == 1 end } } }`,
			`scenario.lua:4: load: mix[1]: the check function captures "helper", which captures "cfg.list[2]" (a target)`},
		{`local other = load { name = "o", target = t, rate = 1, duration = "1s", mix = { { 1, mcp.ping() } } }
load { target = t, rate = 1, duration = "1s", mix = { { 1, function(n) other:stop() return mcp.ping() end, name = "x" } } }`,
			`scenario.lua:3: load: mix[1]: the function captures "other" (a load)`},
		{`local name = t.name
load { target = t, rate = 1, duration = "1s", mix = { { 1, function(n) return mcp.call(name(t), {}) end, name = "x" } } }`,
			`scenario.lua:3: load: mix[1]: the function captures "name" (a Go function); a hook may capture data, Lua functions, the request builders and the standard library, not other Go functions`},
	} {
		_, msgs := check(t, hookPreamble+tc.src, Options{})
		if got := strings.Join(msgs, "\n"); !strings.Contains(got, tc.want) {
			t.Errorf("got:\n%s\nwant:\n%s", got, tc.want)
		}
	}
}

// TestHookErrors: a builder's and a check's failures come back as errors
// at the script's file:line.
func TestHookErrors(t *testing.T) {
	_, h := hooksOf(t, hookPreamble+`local calls = 0
load { name = "e", target = t, rate = 1, duration = "1s", mix = {
  { 1, function(n) if n > 0 then error("no " .. n) end return mcp.ping() end, name = "b1" },
  { 1, function(n) return n end, name = "b2" },
  { 1, function(n) return mcp.call("echo", { f = print }) end, name = "b3" },
  { 1, function(n) return sleep("1s") end, name = "b4" },
  { 1, mcp.ping(), check = function(r) return false, "why" end },
  { 1, mcp.ping(), check = function(r) return r.status == 200 end },
  { 1, mcp.ping(), check = function(r) return r.nope end },
  { 1, mcp.ping(), check = function(r) return "yes" end },
  { 1, mcp.ping(), check = function(r)
      calls = calls + 1
      assert(r.result.tools[1].name == "echo", "no echo")
    end },
  { 1, http.get("/"), check = function(r) return r.result == nil and r.body == "ok" end },
  { 1, http.get("/"), check = function(r) error({ code = 1 }) end },
} }
`, "e")
	w := newWorker(t, h)
	ctx := context.Background()
	for i, want := range map[int]string{
		0: `scenario.lua:4: no 1`,
		1: `scenario.lua:5: the builder returned number 1; expected a request such as mcp.call("echo", { message = "hi" })`,
		2: `scenario.lua:6: mcp.call: args.f: functions cannot be sent as JSON`,
		3: `scenario.lua:7: sleep is not available in a request hook`,
	} {
		_, err := w.Build(ctx, i, 1)
		if err == nil || err.Error() != want {
			t.Errorf("Build(%d): %v, want %s", i, err, want)
		}
	}
	if _, err := w.Build(ctx, 0, 0); err != nil {
		t.Errorf("Build after errors: %v", err)
	}
	tools := []byte(`{"tools":[{"name":"echo"}]}`)
	for _, tc := range []struct {
		entry  int
		status int
		body   string
		want   string // "" passes
	}{
		{4, 200, "{}", `scenario.lua:8: check failed: why`},
		{5, 200, "{}", ``},
		{5, 500, "{}", `scenario.lua:9: check failed`},
		{6, 200, "{}", `scenario.lua:10: a reply has no field "nope"; its fields are status, kind, body, result`},
		{7, 200, "{}", `scenario.lua:11: check failed: the check returned string "yes"; return true to pass, or false and a message to fail`},
		{8, 200, string(tools), ``},
		{8, 200, `{"tools":[{"name":"add"}]}`, `scenario.lua:14: no echo`},
		{8, 200, `{"tools":`, `scenario.lua:14: reply.result: invalid JSON at byte 9: unexpected end of JSON input`},
		{9, 200, "ok", ``},
		{10, 200, "ok", `scenario.lua:17: error({ code = 1 }) (error was given a table, not a message)`},
	} {
		err := w.Check(ctx, tc.entry, engine.Reply{Kind: outcome.OK, Status: tc.status, Body: []byte(tc.body)})
		if got := fmt.Sprint(err); (tc.want == "" && err != nil) || (tc.want != "" && got != tc.want) {
			t.Errorf("Check(%d, %d, %s): %v, want %q", tc.entry, tc.status, tc.body, err, tc.want)
		}
	}
	var e *Error
	if _, err := w.Build(ctx, 0, 3); !errors.As(err, &e) || e.Pos != "scenario.lua:4" {
		t.Errorf("error %v is not an *Error at scenario.lua:4", err)
	}
}

// TestHookEndlessLoop: the context stops a hook that never returns; the
// error wraps the context's, and the worker goes on working.
func TestHookEndlessLoop(t *testing.T) {
	_, h := hooksOf(t, hookPreamble+`load { name = "l", target = t, rate = 1, duration = "1s", mix = {
  { 1, function(n) while true do end end, name = "spin" },
  { 1, function(n) return mcp.ping() end, name = "ok",
    check = function(r) repeat pcall(function() while true do end end) until false end },
} }
`, "l")
	w := newWorker(t, h)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err := w.Build(ctx, 0, 0)
	if !errors.Is(err, context.DeadlineExceeded) || !strings.HasPrefix(err.Error(), "scenario.lua:3: the builder was stopped: context deadline exceeded") {
		t.Errorf("Build: %v", err)
	}
	cctx, ccancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer ccancel()
	err = w.Check(cctx, 1, engine.Reply{Status: 200})
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "the check was stopped") {
		t.Errorf("Check: %v", err)
	}
	if _, err := w.Build(context.Background(), 1, 0); err != nil {
		t.Errorf("Build after a stopped hook: %v", err)
	}
}

// TestHookWorkerSandbox: a worker offers the sandbox, the builders, env
// and json, and no verbs, no scenario globals.
func TestHookWorkerSandbox(t *testing.T) {
	s := newScript(t, hookPreamble+`load { name = "s", target = t, rate = 1, duration = "1s", mix = {
  { 1, function(n)
      assert(os == nil and io == nil and debug == nil and rawget(_G, "loadstring") == nil and rawget(string, "dump") == nil, "unsafe globals")
      assert(global_x == nil, "a scenario global leaked")
      assert(env.A == "1" and env.B == nil, "env")
      assert(not pcall(function() env.A = 2 end), "env is writable")
      assert(json.decode(json.encode({ a = { 1, 2 } })).a[2] == 2, "json")
      for _, verb in ipairs({ "target", "load", "sleep", "sla", "require" }) do
        local ok, err = pcall(_G[verb], {})
        assert(not ok and err:find(verb .. " is not available in a request hook", 1, true), verb .. ": " .. tostring(err))
      end
      assert(not pcall(demo.mcp, {}), "demo.mcp")
      print("built", n)
      return http.get("/" .. n)
    end, name = "x" },
} }
global_x = 1 -- set after load { ... }, else the load reports the hook's read
`, Options{Env: map[string]string{"A": "1"}})
	var log strings.Builder
	s.opts.Log = &log
	_, h := hooksOfScript(t, s, "s")
	w := newWorker(t, h)
	if _, err := w.Build(context.Background(), 0, 5); err != nil {
		t.Fatal(err)
	}
	if log.String() != "built\t5\n" {
		t.Errorf("print wrote %q", log.String())
	}
}

// syncBuffer is a strings.Builder that several goroutines may write.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// runReal runs src against a real run and returns its result and log.
func runReal(t *testing.T, src string) (*engine.Result, string) {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a demo server and sends requests")
	}
	s := newScript(t, src, Options{})
	if _, errs := s.Check(context.Background()); len(errs) > 0 {
		t.Fatalf("check: %v", errs)
	}
	var log syncBuffer
	run := engine.NewRun(engine.Config{Log: &log})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.Exec(ctx, run); err != nil {
		t.Fatal(err)
	}
	res, err := run.Finish(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return res, log.String()
}

// TestHooksEndToEnd: builders and checks against the demo server, through
// the engine: counts, check failures with their messages, script errors
// with the script's file:line.
func TestHooksEndToEnd(t *testing.T) {
	res, log := runReal(t, `local msgs = { "alpha", "beta", "gamma" }
local t = target { name = "demo", url = demo.mcp { } }
local l = load { name = "hooks", target = t, rate = 50, duration = "1s", sessions = 2, mix = {
  { 1, function(n) return mcp.call("echo", { message = msgs[n % #msgs + 1] .. " " .. n }) end, name = "echo dyn",
    check = function(r)
      local text = r.result.content[1].text
      return text:match("^%a+ %d+$") ~= nil, "unexpected echo " .. text
    end },
  { 1, mcp.call("add", { a = 2, b = 3 }), check = function(r) return r.result.structuredContent.sum == 5 end },
  { 1, http.get("/health"), check = function(r) return r.status == 200 end },
  { 1, mcp.call("add", { a = 2, b = 2 }), name = "wrong sum",
    check = function(r) local s = r.result.structuredContent.sum return s == 5, "sum is " .. s end },
  { 1, function(n) if n % 2 == 1 then error("odd " .. n) end return mcp.ping() end, name = "flaky" },
} }
l:wait()
`)
	if len(res.Loads) != 1 {
		t.Fatalf("result: %+v", res)
	}
	byName := map[string]engine.RequestResult{}
	for _, r := range res.Loads[0].Requests {
		byName[r.Name] = r
	}
	for _, name := range []string{"echo dyn", "tools/call add", "GET /health"} {
		if r := byName[name]; r.Count == 0 || len(r.Errors) > 0 {
			t.Errorf("%s: %d requests, errors %v; want some and none", name, r.Count, r.Errors)
		}
	}
	if r := byName["wrong sum"]; r.Count == 0 || r.Errors[outcome.CheckFailed] != r.Count {
		t.Errorf("wrong sum: %d requests, errors %v; want every one check_failed", r.Count, r.Errors)
	}
	if r := byName["flaky"]; r.Errors[outcome.ScriptError] == 0 || r.Errors[outcome.ScriptError] == r.Count {
		t.Errorf("flaky: %d requests, errors %v; want some script errors", r.Count, r.Errors)
	}
	for _, want := range []string{
		`load "hooks": scenario.lua:12: check failed: sum is 4`,
		`load "hooks": scenario.lua:13: odd `,
	} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
}

// TestHookEndlessLoopInRun: the request timeout stops a builder that
// never returns; the request is a script error and the run goes on.
func TestHookEndlessLoopInRun(t *testing.T) {
	res, log := runReal(t, `-- n = 0 returns, so that the check's trial run passes.
local t = target { name = "demo", url = demo.mcp { }, timeout = "50ms" }
local l = load { name = "spin", target = t, rate = 20, duration = "300ms", sessions = 1, mix = {
  { 1, function(n) while n > 0 do end return mcp.ping() end, name = "spin" },
  { 1, mcp.ping() },
} }
l:wait()
`)
	var spin, ping engine.RequestResult
	for _, r := range res.Loads[0].Requests {
		if r.Name == "spin" {
			spin = r
		} else {
			ping = r
		}
	}
	if spin.Count < 2 || spin.Errors[outcome.ScriptError] != spin.Count-1 || ping.Count == 0 || len(ping.Errors) > 0 {
		t.Errorf("spin %d %v, ping %d %v", spin.Count, spin.Errors, ping.Count, ping.Errors)
	}
	if !strings.Contains(log, "scenario.lua:4: the builder was stopped: context deadline exceeded") {
		t.Errorf("log:\n%s", log)
	}
}

// BenchmarkHookBuild measures one Build of a typical builder: mcp.call
// with a small argument table made from n.
func BenchmarkHookBuild(b *testing.B) {
	s := newBenchScript(b, hookPreamble+`local words = { "alpha", "beta", "gamma", "delta" }
load { name = "bench", target = t, rate = 1, duration = "1s", mix = {
  { 1, function(n) return mcp.call("echo", { message = words[n % #words + 1], n = n }) end, name = "echo dyn" },
} }
`)
	_, h := hooksOfScript(b, s, "bench")
	w := newWorker(b, h)
	ctx := context.Background()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := w.Build(ctx, 0, int64(i)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHookCheck measures one Check that reads a field of an MCP
// result.
func BenchmarkHookCheck(b *testing.B) {
	s := newBenchScript(b, hookPreamble+`load { name = "bench", target = t, rate = 1, duration = "1s", mix = {
  { 1, mcp.call("add", { a = 2, b = 3 }), check = function(r) return r.result.structuredContent.sum == 5 end },
} }
`)
	_, h := hooksOfScript(b, s, "bench")
	w := newWorker(b, h)
	ctx := context.Background()
	r := engine.Reply{Kind: outcome.OK, Status: 200,
		Body: []byte(`{"content":[{"type":"text","text":"5"}],"structuredContent":{"sum":5}}`)}
	b.ReportAllocs()
	for b.Loop() {
		if err := w.Check(ctx, 0, r); err != nil {
			b.Fatal(err)
		}
	}
}

// newBenchScript writes src as scenario.lua in a temporary directory and
// loads it.
func newBenchScript(b *testing.B, src string) *Script {
	b.Helper()
	path := b.TempDir() + "/scenario.lua"
	writeFile(b, path, src)
	s, err := Load(path, Options{})
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// TestCheckSeesEveryReply: a check is called on every reply, not only on
// 2xx, against a real HTTP server answering 404 and 500: true accepts a
// failed reply (an expected 404 counts as a success); false, nothing or
// an error keep its kind; only a check that failed to run is logged.
func TestCheckSeesEveryReply(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "fine") })
	mux.HandleFunc("/broken", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "down", http.StatusInternalServerError) })
	srv := httptest.NewServer(mux) // every other path: 404
	defer srv.Close()
	res, log := runReal(t, strings.ReplaceAll(`local t = target { name = "web", url = "URL/" }
load { name = "checks", target = t, rate = 60, duration = "1s", mix = {
  { 1, http.get("/missing"), name = "expected 404", check = function(r) return r.status == 404 and r.kind == "http_4xx" end },
  { 1, http.get("/missing"), name = "unexpected 404", check = function(r) return r.status == 200, "got " .. r.status end },
  { 1, http.get("/broken"), name = "silent", check = function(r) end },
  { 1, http.get("/broken"), name = "buggy", check = function(r) error("oops " .. r.status) end },
  { 1, http.get("/ok"), name = "ok", check = function(r) return r.kind == "ok" and r.body == "fine" end },
  { 1, http.get("/ok"), name = "ok but rejected", check = function(r) return false, "no" end },
} }:wait()
`, "URL", srv.URL))
	if len(res.Loads) != 1 || len(res.Loads[0].Requests) != 6 {
		t.Fatalf("result: %+v", res)
	}
	want := map[string]outcome.Kind{"expected 404": outcome.OK, "unexpected 404": "http_4xx", "silent": "http_5xx",
		"buggy": "http_5xx", "ok": outcome.OK, "ok but rejected": outcome.CheckFailed}
	for _, r := range res.Loads[0].Requests {
		k := want[r.Name]
		switch {
		case r.Count == 0:
			t.Errorf("%s: no requests", r.Name)
		case k == outcome.OK && len(r.Errors) > 0:
			t.Errorf("%s: errors %v, want none", r.Name, r.Errors)
		case k != outcome.OK && (len(r.Errors) != 1 || r.Errors[k] != r.Count):
			t.Errorf("%s: %d requests, errors %v; want every one %s", r.Name, r.Count, r.Errors, k)
		}
	}
	for _, r := range res.Loads[0].Requests {
		if r.Name != "ok but rejected" {
			continue
		}
		// The check's rejection says what came back, and why it was refused.
		if len(r.Samples) == 0 || r.Samples[0].Status != 200 || r.Samples[0].Body != "fine" || r.Samples[0].Error != "scenario.lua:8: check failed: no" {
			t.Errorf("samples of a rejected 200: %+v", r.Samples)
		}
	}
	if !strings.Contains(log, "scenario.lua:6: oops 500") {
		t.Errorf("the check that failed to run is not logged:\n%s", log)
	}
	for _, quiet := range []string{"got 404", "not accepted"} {
		if strings.Contains(log, quiet) {
			t.Errorf("a check's plain no on a failed reply is logged (%q):\n%s", quiet, log)
		}
	}
	if !strings.Contains(log, "scenario.lua:8: check failed: no") {
		t.Errorf("a rejected 200 is not logged:\n%s", log)
	}
}
