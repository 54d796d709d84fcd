#!/usr/bin/env bash
# bench/sessions.sh: peak RSS of reslua holding SESSIONS concurrent MCP
# sessions, each with a connection of its own, at one request per second
# each (issue 3's bar: 10,000 sessions within 256 MiB).
#
#   cd bench && ./sessions.sh      # SESSIONS=10000 DURATION=30s
set -euo pipefail
cd "$(dirname "$0")"
HERE=$PWD
BIN=$HERE/.bin
SESSIONS=${SESSIONS:-10000}
DURATION=${DURATION:-30s}
PORT=${PORT:-18082}
BASE=http://127.0.0.1:$PORT
OUT=$HERE/results/sessions-$(date +%Y%m%d-%H%M%S)
mkdir -p "$BIN" "$OUT"
ulimit -n "$(ulimit -Hn)" # one descriptor per session's connection, per side

GOFLAGS=-mod=mod go build -o "$BIN/" ./target ./tools/cpurun
(cd .. && go build -o "$BIN/reslua" ./cmd/reslua)
PIN_TARGET=() PIN_GEN=()
if command -v taskset >/dev/null && (($(nproc) >= 2)); then PIN_TARGET=(taskset -c 0) PIN_GEN=(taskset -c 1); fi
"${PIN_TARGET[@]}" "$BIN/target" -addr "127.0.0.1:$PORT" -ready "$OUT/ready" 2>"$OUT/target.log" &
TARGET_PID=$!
trap 'kill $TARGET_PID 2>/dev/null || true' EXIT
for _ in $(seq 100); do [[ -s $OUT/ready ]] && break; sleep 0.05; done

echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$OUT/notes.txt"
"$BIN/cpurun" -o "$OUT/run.cpu" -- "${PIN_GEN[@]}" "$BIN/reslua" "$HERE/scenarios/sessions.lua" \
	-e TARGET=$BASE -e SESSIONS=$SESSIONS -e DURATION=$DURATION >"$OUT/run.out" 2>&1 || true
rss=$(sed -n 's/.*maxrss_kb=\([0-9]*\).*/\1/p' "$OUT/run.cpu")
grep -E '^ +req |achieved|sessions \(|verdict' "$OUT/run.out" | tee -a "$OUT/table.txt"
echo "peak RSS: $((rss / 1024)) MiB for $SESSIONS sessions ($((rss * 1024 / SESSIONS)) bytes per session, all included)" | tee -a "$OUT/table.txt"
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/notes.txt"
