#!/bin/sh
# dc/mem: issue 7 figure 6 (memory half, as anchor-baselines J5): memory of
# the server with 50 data-channel connections open (node-datachannel, each
# opened and echoed once, held), per connection: (with 50 open - idle) / 50,
# RSS and PSS (smaps_rollup) summed over the server process and its children
# (rtcd: supervisor + workers, idle pool included in both readings; Janus:
# one process). A fresh server per run. Writes
# bench/results/dc-mem.{csv,md,jsonl}. Own network namespace (root).
set -eu
. "$(cd "$(dirname "$0")/.." && pwd)/lib.sh"
bench_init dc-mem "$0"
N=${BENCH_MEM_N:-50}
RT=http://127.0.0.1:8080 JN=http://127.0.0.1:8088/janus
LIM=$((N * 10 + 60))

for r in $(seq 1 "$RUNS"); do
	bench_rtcd "rtcd$r" 127.0.0.1:9000 127.0.0.1:8080 $((LIM + 30))
	sleep 1
	bench_run 6 "dc-$N-open" rtcd ndc "$r" $LIM $NDC mem "rtcd:$RT" --n "$N" --mem-pid "$RTCD_PID"
	bench_stop "$RTCD_PID"
	bench_janus "janus$r"
	sleep 1
	bench_run 6 "dc-$N-open" janus ndc "$r" $LIM $NDC mem "janus:$JN" --n "$N" --bind 127.0.0.2 \
		--mem-pid "$JANUS_PID"
	bench_stop "$JANUS_PID"
done
bench_finish "Figure 6 (memory, data channels): server memory per open connection (rtcd vs Janus)" \
"$N node-datachannel connections opened one after the other (each echoed once) and held; per
connection = (reading 2 s after the last opened - reading before the first) / $N. rtcd: the
supervisor + every worker (PSS counts shared pages once); Janus: its one process. A fresh
server per run ($RUNS runs)."
