#!/bin/sh
# dc/tput: issue 7 figure 1, data-channel echo throughput on one connection
# (reliable ordered channel "echo", binary messages of 16384 and 65535
# bytes; Janus echoes nothing larger), rtcd vs the Janus echotest with the
# same client, for both clients: our C client (dcbench over rtcclient) and
# node-datachannel (ndc/client.mjs). At most 4 MiB sent and not yet echoed;
# echoed MB/s over seconds 2..BENCH_SECS; server CPU of rtcd = supervisor +
# its workers. BENCH_RUNS runs, the server order alternating per run.
# Writes bench/results/dc-tput.{csv,md,jsonl}. Own network namespace (root).
set -eu
. "$(cd "$(dirname "$0")/.." && pwd)/lib.sh"
bench_init dc-tput "$0"
bench_rtcd rtcd 127.0.0.1:9000 127.0.0.1:8080 $((RUNS * 8 * (SECS + 30) + 120))
bench_janus janus
RT=http://127.0.0.1:8080 JN=http://127.0.0.1:8088/janus
LIM=$((SECS + 40))

one() {   # one SERVER CLIENT SIZE RUN
	case $1/$2 in
	rtcd/rtcclient) bench_run 1 "dc-echo-$3" rtcd rtcclient "$4" $LIM \
		"$DCB" tput "$RT" --size "$3" --secs "$SECS" --cpu-pid "$RTCD_PID" ;;
	janus/rtcclient) bench_run 1 "dc-echo-$3" janus rtcclient "$4" $LIM \
		"$DCB" tput "janus:$JN" --bind 127.0.0.2 --size "$3" --secs "$SECS" --cpu-pid "$JANUS_PID" ;;
	rtcd/ndc) bench_run 1 "dc-echo-$3" rtcd ndc "$4" $LIM \
		$NDC tput "rtcd:$RT" --size "$3" --secs "$SECS" --cpu-pid "$RTCD_PID" ;;
	janus/ndc) bench_run 1 "dc-echo-$3" janus ndc "$4" $LIM \
		$NDC tput "janus:$JN" --bind 127.0.0.2 --size "$3" --secs "$SECS" --cpu-pid "$JANUS_PID" ;;
	esac
}

for r in $(seq 1 "$RUNS"); do
	order="rtcd janus"
	[ $((r % 2)) = 1 ] || order="janus rtcd"
	for size in 16384 65535; do
		for cl in rtcclient ndc; do
			for srv in $order; do
				one "$srv" "$cl" "$size" "$r"
			done
		done
	done
done
"$B/supervisor/rtcctl" --socket "$RTCD_DIR/run/control.sock" status > "$TMP/rtcd-status.txt" 2>&1 || true
bench_finish "Figure 1: data-channel echo throughput, one connection (rtcd vs Janus echotest)" \
"Reliable ordered channel, binary messages, at most 4 MiB sent and not yet echoed, echoed MB/s
over seconds 2..$SECS of a $SECS s run ($RUNS runs, server order alternating). Clients:
rtcclient = bench/dcbench (our C client, rtcd's engines in the client role), ndc =
node-datachannel $(node -p 'require(process.argv[1]).version' "$S/web-demo/node_modules/node-datachannel/package.json") native API. Janus on 127.0.0.2 (veth), rtcd on 127.0.0.1, both
on this machine's 2 cores with the client. Server CPU: rtcd = supervisor + workers.
rtcd counters after the runs: $(grep -i -E 'drop|datagram' "$TMP/rtcd-status.txt" | tr -s ' \n' ' ' | cut -c1-400)"
