#!/usr/bin/env bash
# bench/run.sh: compare reslua's generator CPU per request with wrk, k6 and
# plain Go loops against the same loopback target. Never part of `make test`.
#
#   cd bench && ./run.sh            # the root Makefile's `make bench`
#
# Settings (environment): DURATION=10s per run, ROUNDS=3, CONNS=50 (wrk
# -c, k6 VUs, reslua vus, Go loop goroutines), PORT=18080,
# SCENARIOS="get post", TOOLS="wrk k6 reslua reslua-mcp reslua-hook gonet
# httpc" (reslua-hook: the MCP request built by a Lua function per request;
# add wrk-hook for its peer, wrk with a Lua request() function).
# Results (raw outputs and the table) go to bench/results/<timestamp>/.
#
# The target is pinned to CPU 0 and every generator to CPU 1 (taskset), so
# the generator has one core and Go sees GOMAXPROCS=1. Generator CPU is
# user+system time of the generator process alone, from the kernel's
# accounting at its exit (tools/cpurun). Runs are interleaved (wrk, k6,
# reslua, ... then again), and the table shows medians over rounds.
set -euo pipefail
cd "$(dirname "$0")"
HERE=$PWD
BIN=$HERE/.bin
DURATION=${DURATION:-10s}
ROUNDS=${ROUNDS:-3}
CONNS=${CONNS:-50}
PORT=${PORT:-18080}
SCENARIOS=${SCENARIOS:-get post}
TOOLS=${TOOLS:-wrk k6 reslua reslua-mcp reslua-hook gonet httpc}
BASE=http://127.0.0.1:$PORT
OUT=$HERE/results/$(date +%Y%m%d-%H%M%S)
mkdir -p "$BIN" "$OUT"
say() { echo "bench: $*" >&2; }
note() { echo "$*" >>"$OUT/notes.txt"; say "$*"; }

# --- build ----------------------------------------------------------------
say "building target, Go loops and tools into $BIN"
GOFLAGS=-mod=mod go build -o "$BIN/" ./target ./gonet ./httpcloop ./tools/cpurun ./tools/report
(cd .. && go build -o "$BIN/reslua" ./cmd/reslua)

# --- peers ----------------------------------------------------------------
WRK=$(command -v wrk || true)
if [[ -z $WRK && $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
	say "installing wrk (apt-get install -y wrk)"
	apt-get install -y wrk >"$OUT/wrk-install.log" 2>&1 || apt-get update >>"$OUT/wrk-install.log" 2>&1 &&
		apt-get install -y wrk >>"$OUT/wrk-install.log" 2>&1 || true
	WRK=$(command -v wrk || true)
fi
K6=$(command -v k6 || true)
[[ -z $K6 && -x $BIN/k6 ]] && K6=$BIN/k6
if [[ -z $K6 ]]; then
	say "installing k6 (go install go.k6.io/k6@latest into $BIN; takes a few minutes once)"
	(cd / && GOBIN=$BIN GOFLAGS= go install go.k6.io/k6@latest) >"$OUT/k6-install.log" 2>&1 || true
	[[ -x $BIN/k6 ]] && K6=$BIN/k6
fi
have() {
	case $1 in
	wrk | wrk-hook) [[ -n $WRK ]] ;;
	k6) [[ -n $K6 ]] ;;
	*) true ;;
	esac
}
for t in $TOOLS; do have "$t" || note "$t: not installed, skipped"; done
[[ -n $WRK ]] && note "wrk: $($WRK -v 2>&1 | head -1 | awk '{print $1, $2}')"
[[ -n $K6 ]] && note "k6: $($K6 version 2>/dev/null | head -1)"
note "go: $(go version | awk '{print $3}'); cpus: $(nproc); load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"

# --- pinning --------------------------------------------------------------
if command -v taskset >/dev/null && (($(nproc) >= 2)); then
	PIN_TARGET=(taskset -c 0)
	PIN_GEN=(taskset -c 1)
	note "target pinned to CPU 0, generators to CPU 1"
else
	PIN_TARGET=()
	PIN_GEN=()
	note "taskset missing or fewer than 2 CPUs: nothing pinned, figures are rougher"
fi

# --- target ---------------------------------------------------------------
rm -f "$OUT/ready"
"${PIN_TARGET[@]}" "$BIN/target" -addr "127.0.0.1:$PORT" -ready "$OUT/ready" 2>"$OUT/target.log" &
TARGET_PID=$!
trap 'kill $TARGET_PID 2>/dev/null || true' EXIT
for _ in $(seq 100); do
	[[ -s $OUT/ready ]] && break
	kill -0 $TARGET_PID 2>/dev/null || {
		cat "$OUT/target.log" >&2
		exit 1
	}
	sleep 0.05
done
[[ -s $OUT/ready ]] || {
	say "target did not start"
	exit 1
}

# reslua's closed model (vus = N) if this build has it, else open model at
# a rate above what the target sustains.
MODEL=closed
if ! "$BIN/reslua" check "$HERE/scenarios/get.lua" -e TARGET=$BASE >"$OUT/reslua-check.log" 2>&1; then
	MODEL=open
	note "reslua: no closed model in this build (see reslua-check.log); measured open-model at rate 200000/s with $CONNS workers, queue 64"
fi

POST_BODY='{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"message":"hello"}}}'

# run_one SCENARIO TOOL ROUND
run_one() {
	local s=$1 tool=$2 round=$3
	local f=$OUT/${s}__${tool}__${round}
	local path=/get
	[[ $s == post ]] && path=/mcp
	local cmd
	case $tool in
	wrk)
		cmd=("$WRK" -c"$CONNS" -t1 -d"$DURATION")
		[[ $s == post ]] && cmd+=(-s "$HERE/wrk/post.lua")
		cmd+=("$BASE$path")
		;;
	wrk-hook) # each request built by a Lua request() function
		[[ $s == post ]] || return 0
		cmd=("$WRK" -c"$CONNS" -t1 -d"$DURATION" -s "$HERE/wrk/post_hook.lua" "$BASE$path")
		;;
	k6)
		cmd=("$K6" run --no-usage-report -q -e TARGET=$BASE -e SCENARIO=$s -e VUS=$CONNS
			-e DURATION=$DURATION -e SUMMARY="$f.k6.json" "$HERE/k6/bench.js")
		;;
	reslua)
		cmd=("$BIN/reslua" "$HERE/scenarios/$s.lua" -e TARGET=$BASE -e VUS=$CONNS -e DURATION=$DURATION -e MODEL=$MODEL)
		;;
	reslua-mcp | reslua-hook)
		[[ $s == post ]] || return 0 # the MCP sender only has the POST scenario
		cmd=("$BIN/reslua" "$HERE/scenarios/mcp.lua" -e TARGET=$BASE -e VUS=$CONNS -e DURATION=$DURATION -e MODEL=$MODEL)
		[[ $tool == reslua-hook ]] && cmd+=(-e HOOK=1)
		;;
	gonet | httpc)
		local bin=$BIN/gonet
		[[ $tool == httpc ]] && bin=$BIN/httpcloop
		cmd=("$bin" -url "$BASE$path" -c "$CONNS" -d "$DURATION")
		[[ $s == post ]] && cmd+=(-method POST -body "$POST_BODY"
			-header "Content-Type: application/json" -header "Accept: application/json, text/event-stream")
		;;
	esac
	curl -s -o /dev/null "$BASE/stats?reset=1" || true
	say "round $round: $s $tool"
	"$BIN/cpurun" -o "$f.cpu" -- "${PIN_GEN[@]}" "${cmd[@]}" >"$f.out" 2>&1 || say "  exit status $? (see $f.out)"
	curl -s -o "$f.stats" "$BASE/stats?reset=1" || true
}

for round in $(seq "$ROUNDS"); do
	for s in $SCENARIOS; do
		for tool in $TOOLS; do
			have "$tool" || continue
			run_one "$s" "$tool" "$round"
		done
	done
done
note "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"

echo
"$BIN/report" "$OUT" | tee "$OUT/table.txt"
echo
say "raw outputs and table: $OUT"
