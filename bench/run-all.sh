#!/bin/sh
# run-all: the `make bench` driver. Runs every benchmark suite whose script
# exists, each in its own private network namespace (unshare -n, lo up) and
# bounded by a timeout, one after the other, then bench/report.py, which
# writes bench/results/README.md from every suite's CSV. A failing suite is
# reported and the others still run; the exit status is 1 if any failed.
# Needs root (namespaces), a built tree (make) and nothing from the network.
# Environment:
#   BENCH_SUITES   names to run (comma or space separated; default all):
#                  hop dc-tput dc-setup dc-conc dc-mem rtt p2p conc
#   BENCH_RUNS     runs per measurement (default 5)
#   BENCH_SECS     seconds per throughput run (default 8; issue 7 says 15)
#   BENCH_SUITE_TIMEOUT  seconds one suite may take (default 900)
#   BENCH_OUT      results folder (default: SRC/bench/results)
#   RTCD_BUILDDIR, RTCD_SRCDIR (set by make)
set -u
B=${RTCD_BUILDDIR:-$(pwd)}
S=${RTCD_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
B=$(cd "$B" && pwd)
export RTCD_BUILDDIR="$B" RTCD_SRCDIR="$S"
export BENCH_RUNS=${BENCH_RUNS:-5}
export BENCH_SECS=${BENCH_SECS:-8}
export BENCH_OUT=${BENCH_OUT:-$S/bench/results}
export HOP_RUNS=${HOP_RUNS:-$BENCH_RUNS}
LIMIT=${BENCH_SUITE_TIMEOUT:-900}
WANT=$(echo "${BENCH_SUITES:-all}" | tr ',' ' ')

# name:script (relative to the source tree), in running order
SUITES="hop:bench/run-hop.sh dc-tput:bench/dc/tput.sh dc-setup:bench/dc/setup.sh
dc-conc:bench/dc/conc.sh dc-mem:bench/dc/mem.sh rtt:bench/rtt/run.sh p2p:bench/p2p/run.sh
conc:bench/conc/run.sh"

[ "$(id -u)" = 0 ] || { echo "run-all: needs root (network namespaces)" >&2; exit 1; }
mkdir -p "$BENCH_OUT"
# For the suites' own notes (bench/p2p/summarize.py reads these).
BENCH_MACHINE="$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), kernel $(uname -r)"
BENCH_VERSIONS="rtcd $(git -C "$S" describe --always --dirty 2>/dev/null || echo '?'), node $(node --version 2>/dev/null)"
export BENCH_MACHINE BENCH_VERSIONS

wanted() {
	[ "$WANT" = all ] && return 0
	for w in $WANT; do [ "$w" = "$1" ] && return 0; done
	return 1
}

CHILD=
trap '[ -z "$CHILD" ] || kill "$CHILD" 2>/dev/null; exit 130' INT TERM
failed= ran= t_all=$(date +%s)
for entry in $SUITES; do
	name=${entry%%:*} script=$S/${entry#*:}
	wanted "$name" || continue
	if [ ! -f "$script" ]; then
		echo "== $name: $script does not exist, skipped" >&2
		continue
	fi
	echo "== $name ($script)" >&2
	t0=$(date +%s)
	timeout -k 10 "$LIMIT" unshare -n env RTCD_IN_NETNS=1 \
		sh -c 'ip link set lo up && exec sh "$0"' "$script" &
	CHILD=$!
	if wait "$CHILD"; then
		echo "== $name: done in $(($(date +%s) - t0)) s" >&2
		ran="$ran $name"
	else
		echo "== $name: FAILED (status $?) after $(($(date +%s) - t0)) s" >&2
		failed="$failed $name"
	fi
	CHILD=
done
python3 "$S/bench/report.py" "$BENCH_OUT" "$S" > /dev/null || failed="$failed report"
echo "== bench: ran:${ran:- none}; failed:${failed:- none}; $(($(date +%s) - t_all)) s; see $BENCH_OUT/README.md" >&2
[ -z "$failed" ]
