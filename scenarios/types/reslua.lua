---@meta
-- LuaLS definitions of the reslua DSL, so editors complete and check
-- scenarios. scenarios/.luarc.json points the language server here; copy
-- both into your own scenario repository. This file is never run.

---@class reslua.Target
local Target = {}
---@return string
function Target:name() end
---@return string
function Target:url() end

---@class reslua.Request

---@class reslua.Load
local Load = {}
---@return string
function Load:name() end
--- Blocks until the load has ended.
function Load:wait() end
--- Ends the load's arrivals; requests in flight finish.
function Load:stop() end
--- An open load's rate from now on (requests per second).
---@param rate number
function Load:set_rate(rate) end
--- An open load's rate ramps linearly from now on.
---@param rate number
---@param over string a duration such as "10s"
function Load:ramp_to(rate, over) end

---@class reslua.TargetSpec
---@field name string
---@field url string the MCP endpoint, e.g. "http://127.0.0.1:3001/mcp"
---@field timeout? string per request; default "10s"
---@field protocol_version? "auto"|"2025-03-26"|"2025-06-18"|"2025-11-25"|"2026-07-28"
---@field headers? table<string, string>
---@field breaker? reslua.BreakerSpec a client-side circuit breaker; refused calls count as "rejected"
---@field chaos? boolean put a fault proxy in front, for chaos.inject (automatic when the check run injects into it)

---@class reslua.BreakerSpec
---@field consecutive_failures? integer open after this many failures in a row (default 5 when no rule is set)
---@field failure_rate? number open when failures/calls over the window reach it (0..1], after min_calls
---@field slow_call_rate? number open when slow calls/calls reach it
---@field slow_call? string a call at least this long is slow, e.g. "500ms"
---@field failures_per_window? integer open when the window holds this many failures
---@field min_calls? integer calls the window needs before rates apply (default 10)
---@field window? integer|string the last N calls, or a duration such as "10s"
---@field window_buckets? integer buckets of a time window (default 10)
---@field open_for? string the (first) open period, e.g. "2s" (default: 60s doubling)
---@field backoff? "fixed"|"doubling"|"exponential"|"linear"
---@field max_open? string cap for exponential and linear backoffs
---@field half_open_permits? integer probe calls admitted when half-open
---@field success_threshold? integer successful probes that close it
---@field fallback? boolean a target's breaker only: refused calls count as "fallback" (served by the client), not as failures

---@param spec reslua.TargetSpec
---@return reslua.Target
function target(spec) end

---@class reslua.Router
local Router = {}
---@return string
function Router:name() end
---@return string
function Router:url() end
--- The weights in force, every route named.
---@return table<string, integer>
function Router:weights() end
--- Replaces the weights at once; routes left out get 0. Requests under way keep their route.
---@param weights table<string, integer>
function Router:set_weights(weights) end

---@class reslua.RouterSpec
---@field name string also the name of the target loads send to
---@field routes table<string, integer|reslua.RouteSpec> target names to weights, e.g. { blue = 100, green = 0 }
---@field breaker? reslua.BreakerSpec a server-side breaker per route: an open one ejects its route
---@field sticky? boolean keep each MCP session on the route that issued it
---@field balance? "round_robin"|"random" default "round_robin" (exact smooth weighted round-robin)
---@field seed? integer seeds the "random" balance
---@field timeout? string per request through the router; default the longest of the routes' targets

---@class reslua.RouteSpec
---@field weight integer
---@field breaker? reslua.BreakerSpec this route's own breaker

--- Starts a weighted router on 127.0.0.1 in front of targets; a load accepts it as its target.
---@param spec reslua.RouterSpec
---@return reslua.Router
function router(spec) end

---@class reslua.RolloutSpec
---@field router? reslua.Router carries and measures the traffic; required unless actions.set_weights moves it
---@field from? string the old route; default the one with the most weight
---@field to? string the new route; default the router's other route
---@field steps? integer[] the new route's shares in percent; default { 10, 25, 50, 75, 100 }
---@field hold? string each step's length at least; default "30s"
---@field analysis? reslua.Analysis
---@field health? reslua.HealthCheck|false blue-green checks health before and after (false: skip); canary only when given
---@field on_pause? fun(p: {step: integer, weight: integer, reason: string}): "continue"|"promote"|"rollback"|"hold"
---@field actions? reslua.RolloutActions your own deployment actions instead of the router's weights

---@class reslua.Analysis
---@field interval? string time between measurements; default the hold
---@field count? integer measurements per step; default hold/interval
---@field failure_limit? integer failed measurements tolerated (default 0)
---@field inconclusive_limit? integer inconclusive measurements tolerated (default 0)
---@field consecutive_success_limit? integer pass early after this many passes in a row
---@field consecutive_error_limit? integer measurements in a row that may fail to be taken
---@field min_requests? integer fewer requests on the new route since the last measurement: inconclusive (default 1)
---@field p50? string gate on the new route's latency at the router, e.g. "< 300ms"
---@field p90? string
---@field p95? string
---@field p99? string
---@field max? string
---@field avg? string
---@field error_rate? string e.g. "< 2%"
---@field rate? string requests per second, e.g. "> 10"
---@field requests? string requests on the new route, e.g. ">= 20"
---@field errors? string e.g. "== 0"

---@class reslua.HealthCheck
---@field path? string default "/health"
---@field expect? integer status; default 200
---@field successes? integer in a row; default 5
---@field interval? string between probes; default "10s"
---@field timeout? string for the whole check; default "5m"
---@field probe_timeout? string for one probe

---@class reslua.RolloutActions
---@field start? fun() start the new version; error() or return false, "why" rolls back
---@field set_weights? fun(weights: table<string, integer>) move the traffic on your balancer
---@field cleanup? fun(status: string) "promoted", "rolled_back" or "aborted"

---@class reslua.RolloutResult
---@field status "promoted"|"rolled_back"|"paused"|"aborted"|"planned"
---@field promoted boolean
---@field rolled_back boolean
---@field paused boolean
---@field reason string why it ended so
---@field error? string the cause of a rollback, with file:line for a script's action
---@field from string
---@field to string
---@field requests integer through the router during the rollout
---@field errors integer client-visible errors during the rollout (0: zero downtime)
---@field steps {number: integer, weight: integer, verdict: string, message: string, requests: integer, errors: integer, seconds: number}[]
---@field resume fun(decision: "continue"|"promote"|"rollback"|"hold"): reslua.RolloutResult

---@class reslua.FaultProxy
local FaultProxy = {}
---@return string
function FaultProxy:name() end
--- The address the dependency's clients connect to instead ("127.0.0.1:port").
---@return string
function FaultProxy:addr() end

---@class reslua.Fault
local Fault = {}
--- Ends the faults of this chaos.inject call at once.
function Fault:remove() end

---@class reslua.FaultProxySpec
---@field name string
---@field target string host:port of a TCP service, or an http:// URL
---@field scope "connection"|"request" TCP (decided per connection) or HTTP (per request)

---@class reslua.FaultSpec
---@field latency? string|{delay?: string, jitter?: string, response?: boolean, rate?: number}
---@field abort? integer|true|{status?: integer, body?: string, header?: table<string, string>, rate?: number}
---@field jsonrpc_error? true|{code?: integer, message?: string, rate?: number}
---@field reset? true|{rate?: number}
---@field blackhole? true|{rate?: number} accept and never answer (resource exhaustion)
---@field bandwidth? integer|{bytes_per_second: integer, direction?: "downstream"|"upstream"|"both", rate?: number}
---@field slow_close? string|{delay: string, rate?: number}
---@field cut? {bytes?: integer, after?: string, direction?: "downstream"|"upstream"|"both", rate?: number}
---@field probability? number 0..1, for every kind given (a kind's rate overrides it); default 1
---@field match? {path?: string, path_prefix?: string, method?: string, rpc_method?: string, tool?: string, header?: table<string, string>}
---@field first? integer only the first N matching requests (retry testing)
---@field every? integer only every N-th matching request
---@field start? string delay before the fault begins
---@field duration? string how long it lasts; default until removed or the run ends
---@field name? string its label on the timeline and in checks' during = "..."

chaos = {}
--- Injects faults into a target's traffic (or a chaos.proxy's); they end with their duration, remove(), or the run.
---@param into reslua.Target|reslua.FaultProxy
---@param spec reslua.FaultSpec
---@return reslua.Fault
function chaos.inject(into, spec) end
--- A fault proxy in front of a dependency; give its addr() to the dependency's clients.
---@param spec reslua.FaultProxySpec
---@return reslua.FaultProxy
function chaos.proxy(spec) end

---@class reslua.ExperimentSpec
---@field title string
---@field steady_state? reslua.LiveCheck[] the hypothesis: checked before, every second during, and after the method
---@field window? string how much of the recent past live checks look at; default "5s"
---@field method fun() injects the faults and waits
---@field safety? reslua.LiveCheck[] checked every second during the method; one failing aborts
---@field on_safety? "experiment"|"run" what a safety failure aborts; default "experiment"
---@field rollbacks? fun() always runs after the method
---@field control? reslua.Load the control group's load, compared in the summary
---@field experiment? reslua.Load the experiment group's load

---@class reslua.LiveCheck
---@field [1] string metric: p50 p90 p95 p99 p99.9 max min avg error_rate rate count errors lost_requests lost_rate
---@field [2] string threshold, e.g. "< 1%"
---@field request? string
---@field load? string
---@field tag? string

--- Runs a chaos experiment; blocks until it ends. A hypothesis that does not hold fails the run's verdict.
---@param spec reslua.ExperimentSpec
---@return {status: "held"|"deviated"|"aborted"|"not_started"|"failed"|"planned", held: boolean, reason: string, journal: string[]}
function chaos.experiment(spec) end

--- Runs fn at that time from the run's start, while the script waits (sleep, wait, a rollout) or its loads run.
---@param at string a duration such as "20s"
---@param fn fun()
function at(at, fn) end
--- Runs fn every period until the run's loads have ended; periods that pass while fn runs are skipped.
---@param period string a duration of at least "10ms"
---@param fn fun()
function every(period, fn) end

deploy = {}
--- Rolls `to` out beside `from` with health checks and gated steps; blocks until it ends.
---@param spec reslua.RolloutSpec
---@return reslua.RolloutResult
function deploy.blue_green(spec) end
--- Gives `to` a growing share in gated steps; blocks until it ends.
---@param spec reslua.RolloutSpec
---@return reslua.RolloutResult
function deploy.canary(spec) end

---@class reslua.Stage
---@field target number requests per second (open) or users (closed)
---@field duration string

---@class reslua.Reply
---@field status integer
---@field kind string the outcome: "ok", "http_4xx", "http_5xx", "jsonrpc_-32601", "mcp_is_error"
---@field body string
---@field result any the JSON-RPC result of an MCP request, decoded

---@alias reslua.Builder fun(n: integer): reslua.Request

---@class reslua.MixEntry
---@field [1] integer weight
---@field [2] reslua.Request|reslua.Builder a request, or a function building one per request
---@field name? string required for a builder
---@field check? fun(reply: reslua.Reply): boolean?, string? called on every reply, also a 4xx/5xx; true accepts it

---@class reslua.LoadSpec
---@field name? string default: the target's name
---@field target reslua.Target
---@field tags? table<string, string> labels, for checks scoped with tag = "name=value"
---@field rate? number open model: arrivals per second (the start rate with stages)
---@field vus? integer closed model: virtual users (the start count with stages; at most 100000)
---@field think_time? string closed model: pause after each reply
---@field duration? string or stages
---@field stages? reslua.Stage[]
---@field workers? integer open model: requests in flight at most (default 100, at most 100000)
---@field queue? integer open model: arrivals waiting for a worker (default 10000, at most 1000000)
---@field abort_if_behind? string abort the run when under 95 % of plan this long
---@field graceful_stop? string how long requests in flight at the load's end may still run before they are cut, counted as interrupted (default "30s", at most "1h"; "0s" cuts them at once)
---@field sessions? integer MCP sessions shared by the requests (default 4, at most 10000)
---@field share_connections? boolean sessions share connections
---@field keep_sessions? boolean no DELETE at the end
---@field fresh_sessions? boolean a session per request
---@field mix reslua.MixEntry[]

---@param spec reslua.LoadSpec
---@return reslua.Load
function load(spec) end

--- Waits on the run's clock.
---@param d string a duration such as "10s"
function sleep(d) end

---@class reslua.Check
---@field [1] "p50"|"p90"|"p95"|"p99"|"p99.9"|"max"|"min"|"avg"|"service_p50"|"service_p95"|"service_p99"|"error_rate"|"rate"|"count"|"errors"|"dropped"|"lost_requests"|"lost_rate"|"time_to_detect"|"time_to_recover"|"breaker_opens"
---@field [2] string a threshold such as "< 250ms", "< 1%", ">= 250", "== 0"; time_to_detect/time_to_recover that never came are "never", which fails "<"
---@field request? string only requests of this name
---@field load? string only this load
---@field tag? string only loads with this tag, "name=value"
---@field route? string only the requests a router sent to this route, as the router measured them (whole run)
---@field during? string only the seconds inside phases: "fault", "rollout", "step" (every phase of that kind) or one phase's name, e.g. "green 25%"
---@field from? string only the seconds from this offset of the run's start, e.g. "20s" (not with during)
---@field to? string only the seconds up to this offset, e.g. "35s"; default the run's end
---@field sustained? string whole seconds: fail only if the per-second value breaks the threshold that long in a row (for is a Lua keyword)
---@field stable? string time_to_recover: how long the traffic must stay at its steady state; default "5s"
---@field steady_p95? string time_to_recover: the steady state's p95; default 1.2 × the p95 before the first fault + 1ms
---@field steady_error_rate? string time_to_recover: the steady state's error rate, e.g. "1%"; default the rate before the first fault + 1 point
---@field abort_on_fail? boolean evaluate every second during the run and abort it (exit 99) when the check fails; declare the sla before waiting

---@param checks reslua.Check[]
function sla(checks) end

mcp = {}
--- tools/list; { all = true } follows nextCursor through every page as one request.
---@param opts? { all: boolean }
---@return reslua.Request
function mcp.tools_list(opts) end
--- tools/call; { progress = true } asks for progress notifications, counted in the summary.
---@param tool string
---@param args? table
---@param opts? { progress: boolean }
---@return reslua.Request
function mcp.call(tool, args, opts) end
---@return reslua.Request
function mcp.ping() end
---@return reslua.Request
function mcp.resources_list() end
---@param uri string
---@return reslua.Request
function mcp.read_resource(uri) end
---@return reslua.Request
function mcp.prompts_list() end
---@param name string
---@param args? table<string, string>
---@return reslua.Request
function mcp.get_prompt(name, args) end
---@param method string any JSON-RPC method, e.g. "resources/list"
---@param params? table
---@return reslua.Request
function mcp.request(method, params) end

http = {}
---@param path string
---@return reslua.Request
function http.get(path) end
---@param path string
---@param body string
---@return reslua.Request
function http.post(path, body) end

demo = {}
---@class reslua.DemoSpec
---@field name? string
---@field version? string
---@field stateless? boolean
---@field json? boolean JSON replies instead of SSE
---@field protocol_versions? string[]
---@field latency? string delay every MCP request by this much: a slow version, e.g. "200ms"
---@field error_rate? number answer this share of MCP requests 503 (0.2: every fifth): a failing version
---@field dependency? string host:port of a demo.kv() (or a chaos.proxy in front of one): adds the "lookup" tool

--- Starts an embedded demo MCP server on 127.0.0.1; returns its MCP URL.
---@param spec? reslua.DemoSpec
---@return string
function demo.mcp(spec) end
--- Starts a demo KV service (line-oriented TCP) on 127.0.0.1; returns its host:port.
---@return string
function demo.kv() end

json = {}
---@param v any
---@return string
function json.encode(v) end
---@param s string
---@return any
function json.decode(s) end

--- -e KEY=VALUE pairs and the environment; read-only.
---@type table<string, string>
env = {}
