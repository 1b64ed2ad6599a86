#!/bin/sh
# dc/conc: issue 7 figure 5, new connections per second: BENCH_CONC_N
# connections (default 50), each offer + data channel open + first echo of
# 1000 bytes, then closed; one at a time and 10 at a time; rate = completed
# connections / time to the last first echo. rtcd (a sandboxed worker per
# connection) vs the Janus echotest, with both clients (dcbench, ndc).
# BENCH_RUNS runs, server order alternating. Writes
# bench/results/dc-conc.{csv,md,jsonl}. Own network namespace (root).
set -eu
. "$(cd "$(dirname "$0")/.." && pwd)/lib.sh"
bench_init dc-conc "$0"
N=${BENCH_CONC_N:-50}
bench_rtcd rtcd 127.0.0.1:9000 127.0.0.1:8080 $((RUNS * 8 * (N + 30) + 120))
bench_janus janus
RT=http://127.0.0.1:8080 JN=http://127.0.0.1:8088/janus
LIM=$((N * 2 + 60))

for r in $(seq 1 "$RUNS"); do
	order="rtcd janus"
	[ $((r % 2)) = 1 ] || order="janus rtcd"
	for par in 1 10; do
		for srv in $order; do
			if [ "$srv" = rtcd ]; then
				bench_run 5 "dc-conc-par$par" rtcd rtcclient "$r" $LIM \
					"$DCB" conc "$RT" --n "$N" --par $par --cpu-pid "$RTCD_PID"
				bench_run 5 "dc-conc-par$par" rtcd ndc "$r" $LIM \
					$NDC conc "rtcd:$RT" --n "$N" --par $par --cpu-pid "$RTCD_PID"
			else
				bench_run 5 "dc-conc-par$par" janus rtcclient "$r" $LIM \
					"$DCB" conc "janus:$JN" --n "$N" --par $par --bind 127.0.0.2 --cpu-pid "$JANUS_PID"
				bench_run 5 "dc-conc-par$par" janus ndc "$r" $LIM \
					$NDC conc "janus:$JN" --n "$N" --par $par --bind 127.0.0.2 --cpu-pid "$JANUS_PID"
			fi
		done
	done
done
bench_finish "Figure 5: new connections per second (rtcd vs Janus echotest)" \
"$N connections per run, each: offer, channel open, first 1000-byte echo, close; 1 or 10 in
flight (dc-conc-par1, dc-conc-par10). Rate = completed connections / time from the first offer
to the last first echo. rtcd: one sandboxed worker process per connection (pool_size 16,
per-IP flow budget lifted since every connection comes from 127.0.0.1). Janus: one session +
echotest handle per connection (ndc destroys the session, rtcclient leaves it to Janus's
60 s session timeout)."
