#!/bin/sh
# rtt/run: issue 7 figure 3, data-channel throughput at 20 ms RTT. This
# kernel has no sch_netem (tc knows only pfifo/bfifo/htb/tbf here), so the
# delay comes from bench/udpdelay, a batching UDP relay that holds every
# datagram BENCH_RTT_DELAY_MS (10) in each direction: the client sends to
# the relay (dcbench --via: the answer's candidate IP replaced, port kept),
# the relay to the server. One relay per server: 127.0.0.3:9000 -> rtcd
# 127.0.0.1:9000; 127.0.0.4:20000-20063 -> Janus 127.0.0.2 (its ICE ports
# limited to that range). Our C client (dcbench; add ndc with
# BENCH_RTT_CLIENTS="rtcclient ndc"), one connection, 65535-byte binary
# echo, at most 4 MiB sent and not echoed (> the bandwidth-delay product of
# 300 Mbit/s at 20 ms), rate per direction over seconds 2..BENCH_SECS.
# BENCH_RUNS runs, server order alternating. Writes
# bench/results/rtt.{csv,md,jsonl}. Own network namespace (root).
set -eu
. "$(cd "$(dirname "$0")/.." && pwd)/lib.sh"
bench_init rtt "$0"
CLIENTS=${BENCH_RTT_CLIENTS:-rtcclient}
DELAY_MS=${BENCH_RTT_DELAY_MS:-10}
SIZE=65535
LIFE=$((RUNS * 4 * (SECS + 40) + 120))
[ -x "$B/bench/udpdelay" ] || { echo "rtt: build bench/udpdelay first" >&2; exit 1; }

bench_rtcd rtcd 127.0.0.1:9000 127.0.0.1:8080 "$LIFE"
bench_janus janus 127.0.0.2 127.0.0.1 20000-20063
"$B/bench/udpdelay" 127.0.0.3 9000-9000 127.0.0.1 127.0.0.1 "$DELAY_MS" "$LIFE" > "$TMP/relay-rtcd.log" &
bench_track $!
"$B/bench/udpdelay" 127.0.0.4 20000-20063 127.0.0.2 127.0.0.2 "$DELAY_MS" "$LIFE" > "$TMP/relay-janus.log" &
bench_track $!

# The round trip through a relay, measured: a UDP echo behind a third one.
"$B/bench/udpdelay" 127.0.0.5 9999-9999 127.0.0.1 127.0.0.1 "$DELAY_MS" 10 > /dev/null &
bench_track $!
RTT=$(timeout 10 python3 - <<'PY'
import socket, statistics, threading, time
srv = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
srv.bind(("127.0.0.1", 9999))
def echo():
    while True:
        d, a = srv.recvfrom(2048)
        srv.sendto(d, a)
threading.Thread(target=echo, daemon=True).start()
time.sleep(0.3)
c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
c.settimeout(1)
rtt = []
for i in range(10):
    t = time.monotonic()
    c.sendto(b"x" * 100, ("127.0.0.5", 9999))
    c.recvfrom(2048)
    rtt.append((time.monotonic() - t) * 1000)
print("%.1f" % statistics.median(rtt))
PY
) || RTT="?"
echo "rtt: measured RTT through the relay: $RTT ms" >&2

RT=http://127.0.0.1:8080 JN=http://127.0.0.1:8088/janus
LIM=$((SECS + 40))
for r in $(seq 1 "$RUNS"); do
	order="rtcd janus"
	[ $((r % 2)) = 1 ] || order="janus rtcd"
	for cl in $CLIENTS; do
		for srv in $order; do
			case $srv/$cl in
			rtcd/rtcclient) bench_run 3 rtt20-echo-$SIZE rtcd rtcclient "$r" $LIM \
				"$DCB" tput "$RT" --via 127.0.0.3 --size $SIZE --secs "$SECS" --cpu-pid "$RTCD_PID" ;;
			janus/rtcclient) bench_run 3 rtt20-echo-$SIZE janus rtcclient "$r" $LIM \
				"$DCB" tput "janus:$JN" --via 127.0.0.4 --bind 127.0.0.2 --size $SIZE \
				--secs "$SECS" --cpu-pid "$JANUS_PID" ;;
			rtcd/ndc) bench_run 3 rtt20-echo-$SIZE rtcd ndc "$r" $LIM \
				$NDC tput "rtcd:$RT" --via 127.0.0.3 --size $SIZE --secs "$SECS" --cpu-pid "$RTCD_PID" ;;
			janus/ndc) bench_run 3 rtt20-echo-$SIZE janus ndc "$r" $LIM \
				$NDC tput "janus:$JN" --via 127.0.0.4 --bind 127.0.0.2 --size $SIZE \
				--secs "$SECS" --cpu-pid "$JANUS_PID" ;;
			esac
		done
	done
done
for p in $BENCH_PIDS; do kill "$p" 2>/dev/null || true; done
sleep 0.5
bench_finish "Figure 3: throughput at $RTT ms RTT (rtcd vs Janus echotest)" \
"The kernel here has no netem, so bench/udpdelay (a UDP relay holding each datagram $DELAY_MS ms
in each direction) makes the round trip: measured $RTT ms. One connection, $SIZE-byte binary
messages echoed, at most 4 MiB sent and not yet echoed; the echoed rate is the rate in each
direction ('echoed-mbit' is the one-way Mbit/s the goal speaks of). A window-limited sender
gets about window / RTT: 300 Mbit/s at 20 ms needs about 730 KiB in flight each way, so the
SCTP windows must be >= 1 MiB. Relay counters: rtcd $(tr '\n' ' ' < "$TMP/relay-rtcd.log");
Janus $(tr '\n' ' ' < "$TMP/relay-janus.log")."
