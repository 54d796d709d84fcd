-- want: sla_dynamics.lua:7: sla: check 1: load: time_to_detect is measured on the run's timeline, not on requests, so it takes no load scope
-- want: sla_dynamics.lua:7: sla: check 2: stable: applies to time_to_recover only, not to p95
-- want: sla_dynamics.lua:7: sla: check 3: steady_error_rate: expected a percentage between 0% and 100%, got "150%"
-- want: sla_dynamics.lua:7: sla: check 4: unknown key "steady_p59" (did you mean "steady_p95"?)
-- The dynamic metrics: detection is read on the timeline's events, and
-- the settings of time_to_recover belong to it alone.
sla {
  { "time_to_detect", "< 5s", load = "blue" },
  { "p95", "< 300ms", stable = "5s" },
  { "time_to_recover", "< 10s", steady_error_rate = "150%" },
  { "time_to_recover", "< 10s", steady_p59 = "50ms" },
}
