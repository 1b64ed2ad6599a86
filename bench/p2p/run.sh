#!/bin/sh
# p2p/run.sh: the libp2p WebRTC Direct figures (issue 7, figures 2 and 4,
# libp2p half). One js-libp2p Node dialer (bench.mjs) measures rtcd and the
# js-libp2p Node listener (listener.mjs) in the same run, alternating which
# goes first: setup (30 sequential dials: dial -> ready, dial -> first ping;
# p50/p99) and ping RTT on one stream, BENCH_SETUP_RUNS times (default 3);
# stream throughput over /perf/1.0.0 (64 KiB writes, BENCH_SECS s upload then
# BENCH_SECS s download), BENCH_RUNS times (default 5). Server CPU seconds are
# read from /proc around each throughput run. Writes bench/results/p2p.csv
# and p2p.md (summarize.py). Runs inside its own network namespace (root);
# every process is bounded by `timeout` and killed on exit; nothing is
# downloaded (js-libp2p comes from web-demo/node_modules, installed by make).
#   sh bench/p2p/run.sh    (from the build dir, or RTCD_BUILDDIR/RTCD_SRCDIR)
set -eu
B=${RTCD_BUILDDIR:-$(pwd)}
S=${RTCD_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
RUNS=${BENCH_RUNS:-5}
SETUP_RUNS=${BENCH_SETUP_RUNS:-$((RUNS < 3 ? RUNS : 3))}
SECS=${BENCH_SECS:-10}
NDIALS=${BENCH_DIALS:-30}
NPINGS=${BENCH_PINGS:-1000}
OUT=${BENCH_OUT:-$S/bench/results}
P="$S/bench/p2p"
if [ "${RTCD_IN_NETNS:-}" != 1 ]; then
	exec unshare -n env RTCD_IN_NETNS=1 RTCD_BUILDDIR="$B" RTCD_SRCDIR="$S" \
		sh -c 'ip link set lo up && exec sh "$0"' "$0"
fi
[ -d "$S/web-demo/node_modules/libp2p" ] || { echo "p2p: run make first (npm ci in web-demo)" >&2; exit 1; }
mkdir -p "$OUT"
tmp=$(mktemp -d)
RP= LP=
cleanup() {
	[ -z "$RP" ] || kill "$RP" 2>/dev/null || true
	[ -z "$LP" ] || kill "$LP" 2>/dev/null || true
	wait 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
LIFE=$((SETUP_RUNS * 150 + RUNS * (2 * SECS + 40) + 120))

cat > "$tmp/rtcd.conf" <<CONF
{"udp": ["127.0.0.1:0"], "http": null, "run_dir": "$tmp/run", "state_dir": "$tmp/state",
 "log_level": "warn", "limits": {"pool_size": 4}}
CONF
timeout "$LIFE" "$B/supervisor/rtcd" -c "$tmp/rtcd.conf" 2>"$tmp/rtcd.log" &
RP=$!
timeout "$LIFE" node "$P/listener.mjs" 0 "$LIFE" >"$tmp/listener.log" 2>&1 &
LP=$!
i=0
while ! "$B/supervisor/rtcctl" --socket "$tmp/run/control.sock" --json status >"$tmp/st.json" 2>/dev/null ||
    ! grep -q READY "$tmp/listener.log"; do
	i=$((i + 1))
	[ $i -lt 150 ] || { cat "$tmp/rtcd.log" "$tmp/listener.log" >&2; exit 1; }
	sleep 0.1
done
MA_rtcd=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["multiaddrs"][0])' "$tmp/st.json")
MA_js=$(sed -n 's/^LISTEN //p' "$tmp/listener.log" | head -1)
PID_js=$(pgrep -P "$LP" node || echo "$LP")   # timeout's child
PID_rtcd=$(pgrep -P "$RP" rtcd || echo "$RP")
echo "p2p: rtcd $MA_rtcd"
echo "p2p: js-libp2p $MA_js"

# CPU seconds of a process and its reaped children (rtcd's workers).
cpu_s() { awk '{printf "%.2f", ($14 + $15 + $16 + $17) / 100}' "/proc/$1/stat"; }

# one RUN SERVER MODE ARGS...: one bench.mjs invocation, its RESULT line
# tagged with the run and the server, appended to raw.jsonl.
one() {
	run=$1 srv=$2 mode=$3
	shift 3
	eval "ma=\$MA_$srv pid=\$PID_$srv"
	[ "$srv" = js ] && name=js-libp2p || name=rtcd
	c0=$(cpu_s "$pid")
	res=$(timeout $((2 * SECS + 90)) node "$P/bench.mjs" "$mode" "$ma" "$@" 2>>"$tmp/bench.err" |
		sed -n 's/^RESULT //p' | tail -1)
	sleep 0.5   # let rtcd reap the worker so its CPU time is counted
	c1=$(cpu_s "$pid")
	[ -n "$res" ] || res='{"error":"no RESULT line"}'
	printf '%s\n' "$res" | python3 -c 'import json,sys; d=json.load(sys.stdin); d.update(run=int(sys.argv[1]), server=sys.argv[2], server_cpu_s=float(sys.argv[4])-float(sys.argv[3])); d.setdefault("mode", sys.argv[5]); print(json.dumps(d))' \
		"$run" "$name" "$c0" "$c1" "$mode" >> "$tmp/raw.jsonl"
	printf 'p2p: run %s %-9s %-5s %s\n' "$run" "$name" "$mode" "$(tail -1 "$tmp/raw.jsonl" | cut -c1-200)"
}
# both RUN MODE ARGS...: rtcd and js-libp2p, the order alternating by run.
both() {
	if [ $(($1 % 2)) = 1 ]; then
		one "$1" rtcd "$2" "$3" "$4"; one "$1" js "$2" "$3" "$4"
	else
		one "$1" js "$2" "$3" "$4"; one "$1" rtcd "$2" "$3" "$4"
	fi
}

: > "$tmp/raw.jsonl"
for r in $(seq 1 "$SETUP_RUNS"); do
	both "$r" setup --n "$NDIALS"
	both "$r" ping --n "$NPINGS"
done
for r in $(seq 1 "$RUNS"); do
	both "$r" tput --secs "$SECS"
done
cp "$tmp/raw.jsonl" "$OUT/p2p.raw.jsonl.tmp"
[ ! -s "$tmp/bench.err" ] || { echo "p2p: dialer stderr (tail):"; tail -5 "$tmp/bench.err"; }

ver() { sed -n 's/^  "version": "\(.*\)",$/\1/p' "$S/web-demo/node_modules/$1/package.json" | head -1; }
BENCH_MACHINE="$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), kernel $(uname -r)" \
BENCH_VERSIONS="$("$B/supervisor/rtcd" --version); node $(node --version); libp2p $(ver libp2p), @libp2p/webrtc $(ver @libp2p/webrtc), node-datachannel $(ver node-datachannel), @chainsafe/libp2p-noise $(ver @chainsafe/libp2p-noise)" \
BENCH_SETUP="$SETUP_RUNS runs x $NDIALS sequential dials and $NPINGS pings; $RUNS runs x ${SECS} s upload + ${SECS} s download" \
	python3 "$P/summarize.py" "$tmp/raw.jsonl" "$OUT/p2p.csv" "$OUT/p2p.md"
cat "$OUT/p2p.md"
