-- want: sla_sustained.lua:7: sla: check 1: sustained: expected whole seconds such as "10s" (the series hold one value a second), got 2.5s
-- want: sla_sustained.lua:7: sla: check 2: sustained: expected a threshold with < <= > or >=
-- want: sla_sustained.lua:7: sla: check 3: sustained: time_to_recover has one value for the whole scope
-- want: sla_sustained.lua:7: sla: check 4: sustained: expected a duration such as "30s" or "250ms", got number 10; add a unit
-- The series hold one value a second; a sustained check needs an ordered
-- threshold and a per-second metric.
sla {
  { "p95", "< 300ms", sustained = "2.5s" },
  { "errors", "== 0", sustained = "5s" },
  { "time_to_recover", "< 10s", sustained = "5s" },
  { "rate", "> 100", sustained = 10 },
}
