"""summarize.py: turns the libp2p bench's raw results (one JSON line per
bench.mjs run, tagged with run and server by run.sh) into the shared CSV
(figure,scenario,server,client,metric,unit,median,min,max,n; ratio rows have
server=ratio and are rtcd / js-libp2p per run, so > 1 means rtcd is higher)
and a Markdown fragment.
  python3 summarize.py RAW.jsonl OUT.csv OUT.md   (machine/versions from env)"""
import json
import os
import statistics
import sys
import time

CLIENT = "js-libp2p-node"
SERVERS = ("rtcd", "js-libp2p")
# (figure, scenario, metric, unit, mode, how to read it from a result, anchor)
METRICS = [
    (2, "p2p-stream", "upload", "MB/s", "tput", lambda d: d["upload_mbs"], "35.5"),
    (2, "p2p-stream", "download", "MB/s", "tput", lambda d: d["download_mbs"], "44.0"),
    (2, "p2p-stream", "server-cpu", "%", "tput",
     lambda d: 100.0 * d["server_cpu_s"] * 1000.0 / (d["upload_ms"] + d["download_ms"]), ""),
    (4, "p2p-setup", "dial-ready-p50", "ms", "setup", lambda d: d["ready_ms"]["p50"], "92.4"),
    (4, "p2p-setup", "dial-ready-p99", "ms", "setup", lambda d: d["ready_ms"]["p99"], "161.5"),
    (4, "p2p-setup", "dial-first-ping-p50", "ms", "setup", lambda d: d["first_ping_ms"]["p50"], "114.4"),
    (4, "p2p-setup", "dial-first-ping-p99", "ms", "setup", lambda d: d["first_ping_ms"]["p99"], "209"),
    (4, "p2p-ping", "rtt-p50", "ms", "ping", lambda d: d["rtt_ms"]["p50"], "0.73"),
    (4, "p2p-ping", "rtt-p99", "ms", "ping", lambda d: d["rtt_ms"]["p99"], "6.2"),
]


def fmt(x):
    return "%.3g" % x if abs(x) < 10 else "%.1f" % x


def main(raw, out_csv, out_md):
    results = [json.loads(l) for l in open(raw) if l.strip()]
    rows, md_rows, errors = [], [], []
    for d in results:
        if "error" in d:
            errors.append("run %s %s %s: %s" % (d.get("run"), d.get("server"), d.get("mode"), d["error"]))
    for fig, scen, metric, unit, mode, get, anchor in METRICS:
        per = {}
        for srv in SERVERS:
            per[srv] = {d["run"]: get(d) for d in results
                        if d.get("server") == srv and d.get("mode") == mode and "error" not in d}
        ratios = [per["rtcd"][r] / per["js-libp2p"][r] for r in per["rtcd"]
                  if r in per["js-libp2p"] and per["js-libp2p"][r] > 0]
        cells = []
        for srv, vals in list((s, list(per[s].values())) for s in SERVERS) + [("ratio", ratios)]:
            if not vals:
                cells.append("n/a")
                continue
            med = statistics.median(vals)
            rows.append("%d,%s,%s,%s,%s,%s,%.4g,%.4g,%.4g,%d" % (
                fig, scen, srv, CLIENT, metric, unit if srv != "ratio" else "x",
                med, min(vals), max(vals), len(vals)))
            cells.append("%s [%s-%s] (%d)" % (fmt(med), fmt(min(vals)), fmt(max(vals)), len(vals)))
        md_rows.append("| %d | %s %s (%s) | %s | %s |" % (fig, scen, metric, unit, " | ".join(cells),
                                                         anchor or "-"))
    with open(out_csv, "w") as f:
        f.write("figure,scenario,server,client,metric,unit,median,min,max,n\n")
        f.write("\n".join(rows) + "\n")
    with open(out_md, "w") as f:
        f.write("## libp2p WebRTC Direct: rtcd vs the js-libp2p Node listener (%s)\n\n"
                % time.strftime("%Y-%m-%d", time.gmtime()))
        f.write("Machine: %s. Versions: %s.\n" % (os.environ.get("BENCH_MACHINE", "?"),
                                                  os.environ.get("BENCH_VERSIONS", "?")))
        f.write("Same dialer for both listeners (js-libp2p in Node over node-datachannel), same run, "
                "order alternating per run; %s. /perf/1.0.0 with 64 KiB writes paced on "
                "writeBufferLength <= 4 MiB. Cells: median [min-max] (runs); ratio = rtcd / js-libp2p "
                "per run (> 1: rtcd higher, which is better for MB/s and worse for ms and CPU). "
                "Server CPU = the listener's CPU time (rtcd: supervisor + the connection's worker) "
                "over the transfer time. Baseline: js-libp2p listener measured earlier on this "
                "machine (anchor-baselines.md L1-L4).\n\n" % os.environ.get("BENCH_SETUP", ""))
        f.write("| fig | metric | rtcd | js-libp2p | ratio rtcd/js | baseline |\n")
        f.write("|---|---|---|---|---|---|\n")
        f.write("\n".join(md_rows) + "\n")
        if errors:
            f.write("\nFailed runs (not counted): " + "; ".join(errors) + "\n")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
