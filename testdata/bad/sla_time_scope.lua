-- want: sla_time_scope.lua:9: sla: check 1: unknown key "durring" (did you mean "during"?)
-- want: sla_time_scope.lua:9: sla: check 2: for: for is a Lua keyword; a sustained check is written sustained = "10s"
-- want: sla_time_scope.lua:9: sla: check 3: during and from/to exclude each other
-- want: sla_time_scope.lua:9: sla: check 4: to: expected an offset after from (30s), got 10s
-- want: sla_time_scope.lua:9: sla: check 5: service_p95 has no per-second series
-- A check is scoped to phases of the timeline (during) or to offsets
-- (from/to), not both; `for` is a Lua keyword, so a sustained check says
-- sustained.
sla {
  { "p95", "< 300ms", durring = "fault" },
  { "p95", "< 300ms", ["for"] = "10s" },
  { "p95", "< 300ms", during = "fault", from = "20s" },
  { "error_rate", "< 1%", from = "30s", to = "10s" },
  { "service_p95", "< 300ms", during = "step" },
}
