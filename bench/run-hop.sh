#!/bin/sh
# run-hop: the price of privilege separation. The same STUN Binding load is
# answered (a) by rtcd: UDP -> supervisor -> worker -> supervisor -> UDP, and
# (b) by plain_responder, one process doing the same STUN work, on the same
# machine in the same run, alternating 5 times. Prints rates, their ratio,
# round-trip latency (window 1) and memory; writes bench/results/hop.{md,csv}.
# Runs inside a private network namespace (needs root).
set -eu
B=${RTCD_BUILDDIR:-$(pwd)}
S=${RTCD_SRCDIR:-$(pwd)}
RUNS=${HOP_RUNS:-5}
SECS=${HOP_SECS:-5}
FLOWS=${HOP_FLOWS:-8}
WINDOW=${HOP_WINDOW:-32}
OUT="$S/bench/results"
mkdir -p "$OUT"
if [ "${RTCD_IN_NETNS:-}" != 1 ]; then
	exec unshare -n env RTCD_IN_NETNS=1 RTCD_BUILDDIR="$B" RTCD_SRCDIR="$S" sh -c 'ip link set lo up && exec sh "$0"' "$0"
fi
tmp=$(mktemp -d)
trap 'kill $RP 2>/dev/null; rm -rf "$tmp"' EXIT
cat > "$tmp/rtcd.conf" <<CONF
{"udp": ["127.0.0.1:0"], "http": null, "run_dir": "$tmp/run", "state_dir": "$tmp/state",
 "log_level": "warn", "limits": {"pool_size": $((FLOWS + 2)), "handshake_timeout_s": 600,
 "consent_timeout_s": 600, "new_flows_burst": 1000}}
CONF
"$B/supervisor/rtcd" -c "$tmp/rtcd.conf" 2>"$tmp/rtcd.log" &
RP=$!
i=0
while ! "$B/supervisor/rtcctl" --socket "$tmp/run/control.sock" --json status >"$tmp/st.json" 2>/dev/null; do
	i=$((i + 1)); [ $i -lt 100 ] || { cat "$tmp/rtcd.log"; exit 1; }; sleep 0.1
done
sleep 1
RTCD_ADDR=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["udp"][0])' "$tmp/st.json")
PLAIN_ADDR=127.0.0.1:9555

get() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
median() { sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.0f", m}'; }
minmax() { sort -n | awk 'NR==1{lo=$1} {hi=$1} END {printf "%.0f-%.0f", lo, hi}'; }

echo "run,target,rate,p50_us,p99_us" > "$OUT/hop.csv"
for r in $(seq 1 "$RUNS"); do
	res=$("$B/bench/stun_load" "$RTCD_ADDR" "$FLOWS" "$WINDOW" "$SECS")
	echo "$r,rtcd,$(get "$res" rate),$(get "$res" p50_us),$(get "$res" p99_us)" >> "$OUT/hop.csv"
	"$B/bench/plain_responder" "$PLAIN_ADDR" $((SECS + 2)) & PP=$!
	sleep 0.3
	res=$("$B/bench/stun_load" "$PLAIN_ADDR" "$FLOWS" "$WINDOW" "$SECS")
	wait $PP
	echo "$r,plain,$(get "$res" rate),$(get "$res" p50_us),$(get "$res" p99_us)" >> "$OUT/hop.csv"
done
# Latency: one flow, one request in flight.
lat_r=$("$B/bench/stun_load" "$RTCD_ADDR" 1 1 3)
"$B/bench/plain_responder" "$PLAIN_ADDR" 5 & PP=$!
sleep 0.3
lat_p=$("$B/bench/stun_load" "$PLAIN_ADDR" 1 1 3)
wait $PP
sup_rss=$(awk '/VmRSS/{print $2}' /proc/$RP/status)
wpid=$("$B/supervisor/rtcctl" --socket "$tmp/run/control.sock" --json connections | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["pid"])')
w_rss=$(awk '/VmRSS/{print $2}' /proc/$wpid/status)
w_pss=$(awk '/^Pss:/{print $2}' /proc/$wpid/smaps_rollup)

r_med=$(grep ',rtcd,' "$OUT/hop.csv" | cut -d, -f3 | median)
p_med=$(grep ',plain,' "$OUT/hop.csv" | cut -d, -f3 | median)
r_mm=$(grep ',rtcd,' "$OUT/hop.csv" | cut -d, -f3 | minmax)
p_mm=$(grep ',plain,' "$OUT/hop.csv" | cut -d, -f3 | minmax)
ratio=$(awk -v a="$r_med" -v b="$p_med" 'BEGIN {printf "%.2f", a / b}')
{
	echo "# Supervisor hop benchmark ($(date -u +%Y-%m-%d))"
	echo
	echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), kernel $(uname -r)."
	echo "Load: $FLOWS flows x $WINDOW STUN Binding requests in flight, ${SECS}s per run, $RUNS runs alternating."
	echo
	echo "| path | responses/s median [min-max] | RTT p50 / p99 (window 1) |"
	echo "|---|---|---|"
	echo "| rtcd: UDP -> supervisor -> worker -> supervisor -> UDP | $r_med [$r_mm] | $(get "$lat_r" p50_us) / $(get "$lat_r" p99_us) us |"
	echo "| plain single-process responder (same STUN work) | $p_med [$p_mm] | $(get "$lat_p" p50_us) / $(get "$lat_p" p99_us) us |"
	echo
	echo "**Ratio rtcd / plain: $ratio** (goal >= 0.5). Memory: supervisor RSS $sup_rss KiB; one worker RSS $w_rss KiB, PSS $w_pss KiB."
} > "$OUT/hop.md"
cat "$OUT/hop.md"
