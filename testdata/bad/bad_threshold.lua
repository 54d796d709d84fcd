-- want: sla: check 1: p95: threshold "fast" must start with one of
sla { { "p95", "fast" } }
