-- want: sla: check 2: unknown metric "erorr_rate" (did you mean "error_rate"?)
sla {
  { "p95", "< 250ms" },
  { "erorr_rate", "< 1%" },
}
