#!/bin/sh
# dc/setup: issue 7 figure 4 (offer half), setup latency from the SDP offer
# to the data channel "echo" being open (then one echo, not timed), 30
# sequential connections per run after one warm-up, p50 and p99 per run,
# rtcd vs the Janus echotest, with our C client (dcbench; timer from the
# offer POST, after Janus's create/attach; also the phases) and
# node-datachannel (timer from offer creation, after create/attach).
# BENCH_RUNS runs, server order alternating. Writes
# bench/results/dc-setup.{csv,md,jsonl}. Own network namespace (root).
set -eu
. "$(cd "$(dirname "$0")/.." && pwd)/lib.sh"
bench_init dc-setup "$0"
N=${BENCH_SETUP_N:-30}
bench_rtcd rtcd 127.0.0.1:9000 127.0.0.1:8080 $((RUNS * 4 * (N * 2 + 30) + 120))
bench_janus janus
RT=http://127.0.0.1:8080 JN=http://127.0.0.1:8088/janus
LIM=$((N * 12 + 30))

for r in $(seq 1 "$RUNS"); do
	order="rtcd janus"
	[ $((r % 2)) = 1 ] || order="janus rtcd"
	for srv in $order; do
		if [ "$srv" = rtcd ]; then
			bench_run 4 dc-setup rtcd rtcclient "$r" $LIM "$DCB" setup "$RT" --n "$N"
			bench_run 4 dc-setup rtcd ndc "$r" $LIM $NDC setup "rtcd:$RT" --n "$N"
		else
			bench_run 4 dc-setup janus rtcclient "$r" $LIM "$DCB" setup "janus:$JN" --n "$N" --bind 127.0.0.2
			bench_run 4 dc-setup janus ndc "$r" $LIM $NDC setup "janus:$JN" --n "$N" --bind 127.0.0.2
		fi
	done
done
bench_finish "Figure 4 (offer): setup latency, offer -> data channel open (rtcd vs Janus echotest)" \
"$N sequential connections per run after one warm-up, p50 and p99 of each run, then the median
[min-max] of those over $RUNS runs. Timer: from the offer (rtcclient: when the offer request is
sent; ndc: before the offer is created), after Janus's create + attach, to the channel's open.
Phases (rtcclient, p50): answer = offer -> SDP answer; ice = answer -> first verified STUN
answer; dtls = -> DTLS up; sctp = -> SCTP up."
