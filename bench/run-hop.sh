#!/bin/sh
# run-hop: the price of privilege separation. The same STUN Binding load is
# answered (a) by rtcd: UDP -> supervisor -> worker -> supervisor -> UDP, and
# (b) by plain_responder, one process doing the same STUN work, on the same
# machine in the same run, alternating 5 times. Prints rates, their ratio,
# round-trip latency (window 1, also alternating RUNS times) and memory;
# writes bench/results/hop.{md,csv} (issue 7 figure 7, the common CSV
# format: figure,scenario,server,client,metric,unit,median,min,max,n; the
# peer is server=plain, ratio rows rtcd / plain per run). Runs inside a
# private network namespace (needs root).
set -eu
B=${RTCD_BUILDDIR:-$(pwd)}
S=${RTCD_SRCDIR:-$(pwd)}
RUNS=${HOP_RUNS:-5}
SECS=${HOP_SECS:-5}
FLOWS=${HOP_FLOWS:-8}
WINDOW=${HOP_WINDOW:-32}
OUT=${BENCH_OUT:-$S/bench/results}
mkdir -p "$OUT"
if [ "${RTCD_IN_NETNS:-}" != 1 ]; then
	exec unshare -n env RTCD_IN_NETNS=1 RTCD_BUILDDIR="$B" RTCD_SRCDIR="$S" sh -c 'ip link set lo up && exec sh "$0"' "$0"
fi
tmp=$(mktemp -d)
RP= PP=
trap 'kill $RP $PP 2>/dev/null; rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
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

RAWF="$tmp/hop-raw.csv"
echo "run,target,rate,p50_us,p99_us" > "$RAWF"
for r in $(seq 1 "$RUNS"); do
	res=$("$B/bench/stun_load" "$RTCD_ADDR" "$FLOWS" "$WINDOW" "$SECS")
	echo "$r,rtcd,$(get "$res" rate),$(get "$res" p50_us),$(get "$res" p99_us)" >> "$RAWF"
	"$B/bench/plain_responder" "$PLAIN_ADDR" $((SECS + 2)) & PP=$!
	sleep 0.3
	res=$("$B/bench/stun_load" "$PLAIN_ADDR" "$FLOWS" "$WINDOW" "$SECS")
	wait $PP
	echo "$r,plain,$(get "$res" rate),$(get "$res" p50_us),$(get "$res" p99_us)" >> "$RAWF"
done
# Latency: one flow, one request in flight, alternating.
LAT_SECS=${HOP_LAT_SECS:-2}
for r in $(seq 1 "$RUNS"); do
	"$B/bench/stun_load" "$RTCD_ADDR" 1 1 "$LAT_SECS" > "$tmp/lat.txt" & PP=$!
	if [ "$r" = 1 ]; then
		# Memory while the flow is live (a closed client socket ends its
		# connection through the ICMP error rtcd's next reply provokes).
		sleep 1
		sup_rss=$(awk '/VmRSS/{print $2}' /proc/$RP/status)
		wpid=$("$B/supervisor/rtcctl" --socket "$tmp/run/control.sock" --json connections |
			python3 -c 'import json,sys; c=json.load(sys.stdin); print(c[0]["pid"] if c else "")')
		w_rss=$(awk '/VmRSS/{print $2}' /proc/$wpid/status 2>/dev/null || echo "?")
		w_pss=$(awk '/^Pss:/{print $2}' /proc/$wpid/smaps_rollup 2>/dev/null || echo "?")
	fi
	wait $PP
	res=$(cat "$tmp/lat.txt")
	echo "$r,rtcd-lat,$(get "$res" rate),$(get "$res" p50_us),$(get "$res" p99_us)" >> "$RAWF"
	"$B/bench/plain_responder" "$PLAIN_ADDR" $((LAT_SECS + 2)) & PP=$!
	sleep 0.3
	res=$("$B/bench/stun_load" "$PLAIN_ADDR" 1 1 "$LAT_SECS")
	wait $PP
	echo "$r,plain-lat,$(get "$res" rate),$(get "$res" p50_us),$(get "$res" p99_us)" >> "$RAWF"
done
PP=

python3 - "$RAWF" "$OUT/hop.csv" "$OUT/hop.md" <<PY
import csv, statistics, sys, time
rows = list(csv.DictReader(open(sys.argv[1])))
def col(target, key):
    return {int(r["run"]): float(r[key]) for r in rows if r["target"] == target and r[key]}
def st(v):
    v = list(v)
    return (statistics.median(v), min(v), max(v), len(v)) if v else None
out, cells = [], {}
def emit(scen, srv, metric, unit, vals):
    s = st(vals)
    if s:
        out.append("7,%s,%s,stun_load,%s,%s,%.6g,%.6g,%.6g,%d" % ((scen, srv, metric, unit) + s))
        cells[(srv, metric)] = "%.0f [%.0f-%.0f]" % s[:3] if unit != "x" else "%.2f [%.2f-%.2f]" % s[:3]
scen = "stun-$FLOWS-flows-x$WINDOW"
rt, pl = col("rtcd", "rate"), col("plain", "rate")
emit(scen, "rtcd", "responses", "1/s", rt.values())
emit(scen, "plain", "responses", "1/s", pl.values())
emit(scen, "ratio", "responses", "x", [rt[r] / pl[r] for r in rt if pl.get(r)])
lr, lp = col("rtcd-lat", "p50_us"), col("plain-lat", "p50_us")
lr99, lp99 = col("rtcd-lat", "p99_us"), col("plain-lat", "p99_us")
emit("stun-rtt-window1", "rtcd", "rtt-p50", "us", lr.values())
emit("stun-rtt-window1", "plain", "rtt-p50", "us", lp.values())
emit("stun-rtt-window1", "rtcd", "rtt-p99", "us", lr99.values())
emit("stun-rtt-window1", "plain", "rtt-p99", "us", lp99.values())
emit("stun-rtt-window1", "rtcd", "added-rtt-p50", "us", [lr[r] - lp[r] for r in lr if r in lp])
with open(sys.argv[2], "w") as f:
    f.write("figure,scenario,server,client,metric,unit,median,min,max,n\n")
    f.write("".join(x + "\n" for x in out))
g = lambda k: cells.get(k, "n/a")
with open(sys.argv[3], "w") as f:
    f.write("## Figure 7: supervisor hop (%s)\n\n" % time.strftime("%Y-%m-%d", time.gmtime()))
    f.write("Load: $FLOWS flows x $WINDOW STUN Binding requests in flight, ${SECS}s per run, $RUNS runs "
            "alternating; latency: one request in flight, ${LAT_SECS}s per run, $RUNS runs. "
            "Cells: median [min-max].\n\n")
    f.write("| path | responses/s | RTT p50 (us, window 1) | RTT p99 (us) |\n|---|---|---|---|\n")
    f.write("| rtcd: UDP -> supervisor -> worker -> supervisor -> UDP | %s | %s | %s |\n"
            % (g(("rtcd", "responses")), g(("rtcd", "rtt-p50")), g(("rtcd", "rtt-p99"))))
    f.write("| plain single-process responder (same STUN work) | %s | %s | %s |\n\n"
            % (g(("plain", "responses")), g(("plain", "rtt-p50")), g(("plain", "rtt-p99"))))
    f.write("**Ratio rtcd / plain: %s** (goal >= 0.6); added RTT p50: %s us (goal <= 30). "
            "Memory: supervisor RSS $sup_rss KiB; one worker RSS $w_rss KiB, PSS $w_pss KiB.\n"
            % (g(("ratio", "responses")), g(("rtcd", "added-rtt-p50"))))
PY
cat "$OUT/hop.md"
