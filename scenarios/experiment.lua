-- scenarios/experiment.lua: a chaos experiment with a control group.
--
-- Two copies of the same app (the demo MCP server), each with its own KV
-- dependency behind its own fault proxy, get the same load. The
-- experiment stalls the experiment group's dependency for 5 s and states
-- its hypothesis: tools that do not need the dependency (echo) stay fast
-- and error-free meanwhile. The steady state is verified before the
-- method, every second during it and after it; a safety condition stops
-- the experiment early if lookups fail wholesale; the rollback always
-- runs. The summary compares the two groups over the experiment.
--
--   reslua scenarios/experiment.lua

local function app(name)
  local dep = chaos.proxy { name = name .. " kv", target = demo.kv(), scope = "connection" }
  local t = target {
    name = name, timeout = "3s",
    url = demo.mcp { name = name, stateless = true, json = true, dependency = dep:addr() },
  }
  return t, dep
end

local control_app = app("control")
local experiment_app, experiment_dep = app("experiment")

local function traffic(name, t)
  return load {
    name = name, target = t, rate = 50, duration = env.DURATION or "25s", tags = { group = name },
    mix = { { 1, mcp.call("lookup", { key = "user-42" }), name = "lookup" }, { 1, mcp.call("echo", { message = "hi" }), name = "echo" } },
  }
end
local control = traffic("control", control_app)
local experiment = traffic("experiment", experiment_app)

sleep("8s") -- a steady state to verify first

local result = chaos.experiment {
  title = "echo does not depend on the KV service",
  steady_state = {
    { "error_rate", "< 1%", load = "experiment", request = "echo" },
    { "p95", "< 100ms", load = "experiment", request = "echo" },
  },
  window = "3s",
  method = function()
    chaos.inject(experiment_dep, { blackhole = true, name = "kv stalls" })
    sleep("5s")
  end,
  safety = { { "error_rate", "< 50%", load = "experiment", request = "echo" } },
  rollbacks = function() print("rollback: nothing to undo; the experiment's faults end with it") end,
  control = control, experiment = experiment,
}
print("experiment: " .. result.status .. " (" .. result.reason .. ")")

control:wait()
experiment:wait()
