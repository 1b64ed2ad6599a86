# lib.sh: what the benchmark suite scripts share (sourced, POSIX sh): paths
# and knobs from the environment, entering a private network namespace,
# starting rtcd and Janus with bounded lifetimes and killing them (and every
# other process recorded with bench_track) on exit, and one client run that
# appends a tagged JSON line to the suite's raw results.
#   . "$S/bench/lib.sh"; bench_init SUITE "$0"
# Environment: RTCD_BUILDDIR (default: cwd), RTCD_SRCDIR, BENCH_OUT
# (default: $S/bench/results), BENCH_RUNS (5), BENCH_SECS (8).

bench_init() {
	SUITE=$1
	B=${RTCD_BUILDDIR:-$(pwd)}
	S=${RTCD_SRCDIR:-$(cd "$(dirname "$2")/../.." && pwd)}
	B=$(cd "$B" && pwd)
	RUNS=${BENCH_RUNS:-5}
	SECS=${BENCH_SECS:-8}
	OUT=${BENCH_OUT:-$S/bench/results}
	if [ "${RTCD_IN_NETNS:-}" != 1 ]; then
		exec unshare -n env RTCD_IN_NETNS=1 RTCD_BUILDDIR="$B" RTCD_SRCDIR="$S" \
			sh -c 'ip link set lo up && exec sh "$0"' "$2"
	fi
	[ -x "$B/supervisor/rtcd" ] && [ -x "$B/bench/dcbench" ] ||
		{ echo "$SUITE: build first (make, then make -C bench dcbench), in $B" >&2; exit 1; }
	[ -d "$S/web-demo/node_modules/node-datachannel" ] ||
		{ echo "$SUITE: web-demo/node_modules is missing (make runs npm ci)" >&2; exit 1; }
	mkdir -p "$OUT"
	TMP=$(mktemp -d)
	RAW="$TMP/raw.jsonl"
	: > "$RAW"
	BENCH_PIDS=""
	trap bench_cleanup EXIT
	trap 'exit 130' INT TERM
	NDC="node $S/bench/ndc/client.mjs"
	DCB="$B/bench/dcbench"
}

bench_track() { BENCH_PIDS="$BENCH_PIDS $1"; }

bench_cleanup() {
	for p in $BENCH_PIDS; do
		kill "$p" 2>/dev/null || true
	done
	wait 2>/dev/null || true
	[ -z "${TMP:-}" ] || rm -rf "$TMP"
}

# bench_rtcd NAME UDP HTTP LIFE_S: rtcd with its own state, sets RTCD_PID
# (the rtcd process itself, not `timeout`) and RTCD_DIR; waits for HTTP.
bench_rtcd() {
	d="$TMP/$1"
	mkdir -p "$d"
	cat > "$d/rtcd.conf" <<CONF
{"udp": ["$2"], "http": "$3", "run_dir": "$d/run", "state_dir": "$d/state",
 "log_level": "warn", "limits": {"pool_size": 16, "new_flows_burst": 10000,
 "new_flows_per_ip": 10000}}
CONF
	timeout "$4" "$B/supervisor/rtcd" -c "$d/rtcd.conf" 2>"$d/rtcd.log" &
	bench_track $!
	tp=$!
	i=0
	until python3 -c 'import sys, urllib.request
urllib.request.urlopen("http://%s/v1/info" % sys.argv[1], timeout=1)' "$3" 2>/dev/null; do
		i=$((i + 1))
		if [ $i -ge 100 ]; then
			echo "$SUITE: rtcd did not start" >&2
			cat "$d/rtcd.log" >&2
			exit 1
		fi
		sleep 0.1
	done
	RTCD_PID=$(pgrep -P "$tp" rtcd || echo "$tp")
	RTCD_DIR=$d
	sleep 0.5   # the worker pool fills
}

# bench_janus NAME [ICE_IP] [HTTP_IP] [PORTS]: sets JANUS_PID; killed at exit.
bench_janus() {
	JANUS_PID=$(sh "$S/bench/janus/start.sh" "$TMP/$1" "${2:-127.0.0.2}" "${3:-127.0.0.1}" 8088 \
		"${4:-20000-40000}") || exit 1
	bench_track "$JANUS_PID"
}

bench_stop() {
	kill "$1" 2>/dev/null || true
	i=0
	while kill -0 "$1" 2>/dev/null && [ $i -lt 50 ]; do i=$((i + 1)); sleep 0.1; done
	kill -9 "$1" 2>/dev/null || true
}

# bench_run FIGURE SCENARIO SERVER CLIENT RUN LIMIT_S CMD...: runs a client
# (bounded by timeout) and appends {"figure","scenario","server","client",
# "run","res": <its last JSON line>} to the raw results.
bench_run() {
	fig=$1 scen=$2 srv=$3 cli=$4 run=$5 lim=$6
	shift 6
	line=$(timeout "$lim" "$@" 2>>"$TMP/clients.log" | tail -1)
	case "$line" in
	"{"*) ;;
	*) line='{"ok":false,"error":"no result (crashed or timed out)"}' ;;
	esac
	printf '{"figure":%s,"scenario":"%s","server":"%s","client":"%s","run":%s,"res":%s}\n' \
		"$fig" "$scen" "$srv" "$cli" "$run" "$line" >> "$RAW"
	echo "  $scen $srv $cli run $run: $(echo "$line" | cut -c1-160)" >&2
}

# bench_finish TITLE NOTE: CSV + Markdown from the raw results (kept too).
bench_finish() {
	cp "$RAW" "$OUT/$SUITE.jsonl"
	python3 "$S/bench/dc/summarize.py" "$RAW" "$OUT/$SUITE.csv" "$OUT/$SUITE.md" "$1" "$2"
	cat "$OUT/$SUITE.md"
}
