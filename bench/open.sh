#!/usr/bin/env bash
# bench/open.sh: open-model accuracy at fixed arrival rates (issue 3's bars:
# achieved rate within 0.5 % of target, scheduler lag p99 under 1 ms,
# reported latency p99 within 10 % of what the target itself measured).
#
#   cd bench && ./open.sh        # RATES="5000 20000" DURATION=30s ROUNDS=2 DELAY_US=2000
#
# The target (CPU 0) answers GET /get?delay_us=N after N µs and records its
# own latency; reslua (CPU 1) sends at each rate in turn, rounds interleaved.
set -euo pipefail
cd "$(dirname "$0")"
HERE=$PWD
BIN=$HERE/.bin
RATES=${RATES:-5000 20000}
DURATION=${DURATION:-30s}
ROUNDS=${ROUNDS:-2}
DELAY_US=${DELAY_US:-2000}
PORT=${PORT:-18081}
BASE=http://127.0.0.1:$PORT
OUT=$HERE/results/open-$(date +%Y%m%d-%H%M%S)
mkdir -p "$BIN" "$OUT"
say() { echo "bench: $*" >&2; }

GOFLAGS=-mod=mod go build -o "$BIN/" ./target ./tools/cpurun
(cd .. && go build -o "$BIN/reslua" ./cmd/reslua)
PIN_TARGET=() PIN_GEN=()
if command -v taskset >/dev/null && (($(nproc) >= 2)); then PIN_TARGET=(taskset -c 0) PIN_GEN=(taskset -c 1); fi

rm -f "$OUT/ready"
"${PIN_TARGET[@]}" "$BIN/target" -addr "127.0.0.1:$PORT" -ready "$OUT/ready" 2>"$OUT/target.log" &
TARGET_PID=$!
trap 'kill $TARGET_PID 2>/dev/null || true' EXIT
for _ in $(seq 100); do [[ -s $OUT/ready ]] && break; sleep 0.05; done
[[ -s $OUT/ready ]] || { say "target did not start"; exit 1; }
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$OUT/notes.txt"

printf '%-6s %-6s %10s %10s %9s %10s %10s %10s %8s\n' rate round achieved "ach/plan" "lag p99" "p99" "target p99" "p99 ratio" "dropped" | tee "$OUT/table.txt"
for round in $(seq "$ROUNDS"); do
	for rate in $RATES; do
		f=$OUT/open__${rate}__$round
		curl -s -o /dev/null "$BASE/stats?reset=1"
		say "round $round: $rate/s for $DURATION"
		"$BIN/cpurun" -o "$f.cpu" -- "${PIN_GEN[@]}" "$BIN/reslua" "$HERE/scenarios/open.lua" \
			-e TARGET=$BASE -e RATE=$rate -e DURATION=$DURATION -e DELAY_US=$DELAY_US >"$f.out" 2>&1 || true
		curl -s -o "$f.stats" "$BASE/stats?reset=1"
		achieved=$(sed -n 's/.*achieved \([0-9.]*\)\/s over.*/\1/p' "$f.out" | head -1)
		lag=$(sed -n 's/.*scheduler lag p99 \([^ ]*\)$/\1/p' "$f.out" | head -1)
		p99=$(awk '$1=="req" {print $7}' "$f.out" | head -1)
		dropped=$(sed -n 's/.* \([0-9]*\) dropped (queue full).*/\1/p' "$f.out" | head -1)
		tp99=$(sed -n 's/.*"P99":\([0-9.e+]*\).*/\1/p' "$f.stats")
		python3 - "$rate" "$round" "${achieved:-0}" "${lag:-?}" "${p99:-?}" "${tp99:-0}" "${dropped:-?}" <<'PY' | tee -a "$OUT/table.txt"
import sys
rate, rnd, ach, lag, p99, tp99, dropped = sys.argv[1:]
def us(s):
    for suf, k in (("µs", 1), ("ms", 1e3), ("s", 1e6)):
        if s.endswith(suf):
            return float(s[:-len(suf)]) * k
    return float("nan")
ratio = us(p99) / float(tp99) if float(tp99) else float("nan")
print(f"{rate:<6} {rnd:<6} {float(ach):10.1f} {100*float(ach)/float(rate):9.2f}% {lag:>9} {p99:>10} {float(tp99)/1000:9.2f}ms {ratio:10.3f} {dropped:>8}")
PY
	done
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/notes.txt"
say "raw outputs: $OUT"
