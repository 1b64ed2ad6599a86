#!/bin/sh
# conc/run.sh: figure 6 of issue 7, concurrency and memory. bench/rtcload
# opens N connections to rtcd at a fixed rate and holds all of them open for
# a steady window in which each sends one message a second (offer mode: a
# 32-byte echo on the "echo" data channel; direct mode: a libp2p ping) and
# times the round trip; p50/p99 of the window. 2 s after the last
# connection came up, memory per connection = (sum of the connection
# workers' PSS from /proc/PID/smaps_rollup + supervisor RSS growth since the
# idle start) / N, and CPU is sampled over the rest of the window but 1 s. Runs: N = BENCH_CONC_N
# (default 2000) once in offer mode, and N = 50 BENCH_SETUP_RUNS times
# (default 3) in offer and in direct mode (the memory comparison with
# Janus's +316 KiB/connection, measured by bench/dc in its own run). Writes
# bench/results/conc.csv and conc.md. Runs inside its own network namespace
# (root); everything is bounded by `timeout` and killed on exit.
#   sh bench/conc/run.sh    (from the build dir, or RTCD_BUILDDIR/RTCD_SRCDIR)
set -eu
B=${RTCD_BUILDDIR:-$(pwd)}
S=${RTCD_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
N=${BENCH_CONC_N:-2000}
RATE=${BENCH_CONC_RATE:-40}
STEADY=${BENCH_CONC_STEADY:-10}   # >= 7: memory at +2 s, CPU over the rest
SMALL_RUNS=${BENCH_SETUP_RUNS:-3}
OUT=${BENCH_OUT:-$S/bench/results}
C="$S/bench/conc"
if [ "${RTCD_IN_NETNS:-}" != 1 ]; then
	exec unshare -n env RTCD_IN_NETNS=1 RTCD_BUILDDIR="$B" RTCD_SRCDIR="$S" \
		sh -c 'ip link set lo up && exec sh "$0"' "$0"
fi
[ -x "$B/bench/rtcload" ] || make -C "$B/bench" rtcload >/dev/null
mkdir -p "$OUT"
# One socket per connection in the client, one channel per worker in the
# supervisor: make sure the descriptor limit is not what stops us.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
tmp=$(mktemp -d)
RP= LP=
cleanup() {
	[ -z "$LP" ] || kill "$LP" 2>/dev/null || true
	[ -z "$RP" ] || kill "$RP" 2>/dev/null || true
	wait 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start_rtcd N: a fresh rtcd sized for N connections; sets RP, CTL, HTTP, MA.
start_rtcd() {
	rm -rf "$tmp/run" "$tmp/state"
	cat > "$tmp/rtcd.conf" <<CONF
{"udp": ["127.0.0.1:0"], "http": "127.0.0.1:0", "run_dir": "$tmp/run", "state_dir": "$tmp/state",
 "worker_spawn": "${BENCH_WORKER_SPAWN:-template}",
 "log_level": "warn", "limits": {"max_workers": $(($1 + 100)), "pool_size": 32,
 "max_pending": 512, "max_pending_per_ip": 512, "max_pending_offers": 512,
 "new_flows_per_ip": 100000, "new_flows_burst": 100000, "handshake_timeout_s": 30,
 "consent_timeout_s": 60, "http_timeout_s": 30}}
CONF
	timeout 600 "$B/supervisor/rtcd" -c "$tmp/rtcd.conf" 2>"$tmp/rtcd.log" &
	RP=$!
	CTL="$tmp/run/control.sock"
	i=0
	while ! "$B/supervisor/rtcctl" --socket "$CTL" --json status >"$tmp/st.json" 2>/dev/null ||
	    [ "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["workers"]["idle"])' "$tmp/st.json")" -lt 32 ]; do
		i=$((i + 1))
		[ $i -lt 300 ] || { cat "$tmp/rtcd.log" >&2; exit 1; }
		sleep 0.1
	done
	RP=$(pgrep -P "$RP" -x rtcd || echo "$RP")   # the supervisor under timeout
	HTTP=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["http"])' "$tmp/st.json")
	MA=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["multiaddrs"][0])' "$tmp/st.json")
}

stop_rtcd() {
	kill "$RP" 2>/dev/null || true
	wait 2>/dev/null || true
	RP=
}

# one SCENARIO MODE N RUN STEADY: one rtcload run against a fresh rtcd,
# holding all N for STEADY s; appends a JSON line (rtcload's result + memory
# + CPU sampled over STEADY - 5 s) to raw.jsonl.
one() {
	scen=$1 mode=$2 n=$3 run=$4 steady=$5
	start_rtcd "$n"
	python3 "$C/procstat.py" "$RP" > "$tmp/before.json"
	[ "$mode" = offer ] && target="http://$HTTP" || target="$MA"
	: > "$tmp/load.err"
	timeout $((n / RATE + steady + 120)) "$B/bench/rtcload" "$mode" "$target" --conns "$n" \
		--rate "$RATE" --steady "$steady" --every 1000 --echo-bytes 32 --timeout 30 \
		> "$tmp/load.out" 2>"$tmp/load.err" &
	LP=$!
	sleep 0.2
	LPID=$(pgrep -P "$LP" -x rtcload || echo "$LP")   # rtcload under timeout
	i=0
	while ! grep -q '^steady open=' "$tmp/load.err" && kill -0 "$LP" 2>/dev/null; do
		i=$((i + 1)); [ $i -lt 6000 ] || break; sleep 0.1
	done
	sleep 2
	"$B/supervisor/rtcctl" --socket "$CTL" --json connections > "$tmp/conns.json" 2>/dev/null || echo '[]' > "$tmp/conns.json"
	python3 "$C/procstat.py" "$RP" "$LPID" > "$tmp/m0.json"
	python3 "$C/memsum.py" "$tmp/conns.json" > "$tmp/mem.json"
	sleep $((steady - 5))
	python3 "$C/procstat.py" "$RP" "$LPID" > "$tmp/m1.json"
	"$B/supervisor/rtcctl" --socket "$CTL" --json status > "$tmp/st2.json" 2>/dev/null || echo '{}' > "$tmp/st2.json"
	wait "$LP" || true
	LP=
	stop_rtcd
	python3 "$C/collect.py" "$scen" "$mode" "$n" "$run" "$tmp" >> "$tmp/raw.jsonl"
	printf 'conc: %s run %s: %s\n' "$scen" "$run" "$(tail -1 "$tmp/raw.jsonl" | cut -c1-300)"
}

: > "$tmp/raw.jsonl"
for r in $(seq 1 "$SMALL_RUNS"); do
	one conc-50 offer 50 "$r" 7
	one conc-50-libp2p direct 50 "$r" 7
done
one "conc-$N" offer "$N" 1 "$STEADY"
cp "$tmp/raw.jsonl" "$OUT/conc.raw.jsonl.tmp"
BENCH_MACHINE="$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), kernel $(uname -r), $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)" \
BENCH_VERSIONS="$("$B/supervisor/rtcd" --version)" \
BENCH_SETUP="arrival $RATE/s, steady window ${STEADY} s, one message per connection per second" \
	python3 "$C/summarize.py" "$tmp/raw.jsonl" "$OUT/conc.csv" "$OUT/conc.md"
cat "$OUT/conc.md"
