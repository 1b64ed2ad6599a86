"""summarize.py: the concurrency bench's raw results (one JSON line per run,
from collect.py) into the shared CSV (figure,scenario,server,client,metric,
unit,median,min,max,n; figure 6, server rtcd) and a Markdown fragment with
the memory breakdown of one worker.
  python3 summarize.py RAW.jsonl OUT.csv OUT.md   (machine/versions from env)"""
import json
import os
import statistics
import sys
import time

# (metric, unit, how to read it from a run, decimals)
METRICS = [
    ("connections-open", "count", lambda d: d["open"]),
    ("connections-failed", "count", lambda d: d["load"]["failed"]),
    ("msg-latency-p50", "ms", lambda d: d["load"]["steady"]["p50"]),
    ("msg-latency-p99", "ms", lambda d: d["load"]["steady"]["p99"]),
    ("msg-latency-max", "ms", lambda d: d["load"]["steady"]["max"]),
    ("msgs", "count", lambda d: d["load"]["steady"]["n"]),
    ("msgs-late", "count", lambda d: d["load"]["steady"]["late"]),
    ("setup-p50", "ms", lambda d: d["load"]["phases_ms"]["setup"]["p50"]),
    ("setup-p99", "ms", lambda d: d["load"]["phases_ms"]["setup"]["p99"]),
    ("mem-per-conn", "KiB", lambda d: d["mem_per_conn_kib"]),
    ("worker-pss", "KiB", lambda d: d["worker_pss_kib"]),
    ("worker-private-dirty", "KiB", lambda d: d["worker_priv_dirty_kib"]),
    ("supervisor-growth-per-conn", "KiB", lambda d: d["sup_growth_per_conn_kib"]),
    ("cpu-workers", "%", lambda d: d["cpu_workers_pct"]),
    ("cpu-supervisor", "%", lambda d: d["cpu_supervisor_pct"]),
    ("cpu-client", "%", lambda d: d["cpu_client_pct"]),
    ("cpu-machine", "%", lambda d: d["cpu_machine_pct"]),
    ("rtcd-cpu-per-held-conn", "ms/s", lambda d: d["cpu_rtcd_per_held_ms_s"]),
    ("rtcd-cpu-per-conn-setup", "ms", lambda d: d["cpu_rtcd_per_conn_ms"]),
]


def fmt(x):
    return "%.0f" % x if abs(x) >= 100 else "%.3g" % x


def value(get, d):
    try:
        return float(get(d))
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return None


def main(raw, out_csv, out_md):
    runs = [json.loads(l) for l in open(raw) if l.strip()]
    scens = []
    for d in runs:
        if d["scenario"] not in scens:
            scens.append(d["scenario"])
    rows, table = [], {}
    for scen in scens:
        rs = [d for d in runs if d["scenario"] == scen]
        client = "rtcload-" + rs[0]["mode"]
        for metric, unit, get in METRICS:
            vals = [v for v in (value(get, d) for d in rs) if v is not None]
            if not vals:
                continue
            med = statistics.median(vals)
            rows.append("6,%s,rtcd,%s,%s,%s,%.4g,%.4g,%.4g,%d" % (
                scen, client, metric, unit, med, min(vals), max(vals), len(vals)))
            table[(scen, metric)] = "%s [%s-%s]" % (fmt(med), fmt(min(vals)), fmt(max(vals))) \
                if len(vals) > 1 else fmt(med)
    with open(out_csv, "w") as f:
        f.write("figure,scenario,server,client,metric,unit,median,min,max,n\n")
        f.write("\n".join(rows) + "\n")
    with open(out_md, "w") as f:
        f.write("## Concurrent connections and memory per connection (%s)\n\n"
                % time.strftime("%Y-%m-%d", time.gmtime()))
        f.write("Machine: %s. %s. Client: bench/rtcload (rtcd's engines in the client role, one "
                "process), %s; offer = plain WebRTC (HTTP offer, DTLS, SCTP, \"echo\" channel, "
                "32-byte echoes), libp2p = WebRTC Direct (Noise, /ipfs/ping/1.0.0). Memory 2 s "
                "after the last connection came up: (sum of the connection workers' PSS + "
                "supervisor RSS growth) / connections open. CPU in %% of one core, sampled in the "
                "steady window after the memory reading (cpu-machine: every process on the box, "
                "other users' too; 200 %% = both cores busy); cpu-workers: the connection workers alive through "
                "the whole sample; rtcd-cpu-per-held-conn: those workers + the supervisor, "
                "per such worker; rtcd-cpu-per-conn-setup: rtcd's "
                "CPU from its idle start to the memory reading / connections attempted (spawn, "
                "handshake, 2 s held). Cells: median [min-max] over runs. Janus (bench/dc, its own run): "
                "compare with its mem-per-conn row; earlier baseline +316 KiB/connection.\n\n"
                % (os.environ.get("BENCH_MACHINE", "?"), os.environ.get("BENCH_VERSIONS", "?"),
                   os.environ.get("BENCH_SETUP", "")))
        f.write("| metric | " + " | ".join("%s (%d run%s)" % (
            s, sum(1 for d in runs if d["scenario"] == s),
            "" if sum(1 for d in runs if d["scenario"] == s) == 1 else "s") for s in scens) + " |\n")
        f.write("|---|" + "---|" * len(scens) + "\n")
        for metric, unit, _ in METRICS:
            f.write("| %s (%s) | %s |\n" % (metric, unit, " | ".join(
                table.get((s, metric), "-") for s in scens)))
        big = [d for d in runs if d.get("breakdown_kib")]
        if big:
            d = big[-1]
            f.write("\nPrivate dirty memory of one connection worker (%s, KiB): %s.\n" % (
                d["scenario"], ", ".join("%s %d" % (k, v) for k, v in
                                         sorted(d["breakdown_kib"].items(), key=lambda kv: -kv[1]))))
        for d in runs:
            errs = d["load"].get("errors") or {}
            lim = {k: v for k, v in d.get("rtcd_counters", {}).items()
                   if "limited" in k or "dropped" in k}
            if errs or d["load"].get("error"):
                f.write("\n%s run %d: client errors %s; rtcd %s.\n" % (
                    d["scenario"], d["run"], json.dumps(errs or d["load"].get("error")),
                    json.dumps(lim)))


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
