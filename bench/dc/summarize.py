"""dc/summarize.py: turns a data-channel suite's raw results (one JSON line
per client run, written by bench_run in bench/lib.sh: figure, scenario,
server, client, run and the client's own JSON result as "res") into the
shared CSV (figure,scenario,server,client,metric,unit,median,min,max,n) and
a Markdown fragment. Ratio rows have server=ratio: rtcd / peer of the same
run index (runs alternate servers), so > 1 means rtcd's value is higher.
  python3 summarize.py RAW.jsonl OUT.csv OUT.md TITLE [NOTE]"""
import json
import statistics
import sys

PEERS = ("janus", "js-libp2p", "plain")
# mode -> [(metric, unit, result key, ratio row?)]
METRICS = {
    "tput": [("echoed", "MB/s", "echoed_MBps", True),
             ("echoed-mbit", "Mbit/s", "echoed_Mbitps", False),
             ("echoed-slowest-second", "MB/s", "min_second_MB", False),
             ("server-cpu", "%", "server_cpu_pct", False),
             ("client-cpu", "%", "client_cpu_pct", False)],
    "setup": [("open-p50", "ms", "open_p50_ms", True),
              ("open-p99", "ms", "open_p99_ms", True),
              ("answer-p50", "ms", "answer_p50_ms", False),
              ("ice-p50", "ms", "ice_p50_ms", False),
              ("dtls-p50", "ms", "dtls_p50_ms", False),
              ("sctp-p50", "ms", "sctp_p50_ms", False)],
    "conc": [("conn-per-s", "1/s", "conns_per_s", True),
             ("failed-conns", "conns", "failed", False),
             ("server-cpu", "%", "server_cpu_pct", False)],
    "mem": [("rss-per-conn", "KiB", "rss_per_conn_kib", True),
            ("pss-per-conn", "KiB", "pss_per_conn_kib", True)],
}


def fmt(x):
    return "%.3g" % x if abs(x) < 10 else "%.1f" % x


def cell(vals):
    if not vals:
        return "n/a"
    return "%s [%s-%s] (%d)" % (fmt(statistics.median(vals)), fmt(min(vals)), fmt(max(vals)),
                                len(vals))


def good(res):
    return isinstance(res, dict) and "error" not in res and res.get("ok") is not False


def main(raw, out_csv, out_md, title, note=""):
    lines = [json.loads(l) for l in open(raw) if l.strip()]
    groups = {}          # (figure, scenario, client, mode) -> server -> run -> res
    failures = []
    for d in lines:
        res = d.get("res") or {}
        key = (d["figure"], d["scenario"], d["client"], res.get("mode", "?"))
        if not good(res) and res.get("mode") != "conc":
            failures.append("%s %s %s run %s: %s" % (d["scenario"], d["server"], d["client"],
                                                     d["run"], res.get("error", res.get("errors"))))
            continue
        if res.get("mode") == "conc" and res.get("failed"):
            failures.append("%s %s %s run %s: %d of %d connections failed (%s)" % (
                d["scenario"], d["server"], d["client"], d["run"], res["failed"], res.get("n", 0),
                "; ".join(res.get("errors", [])[:2])))
        groups.setdefault(key, {}).setdefault(d["server"], {})[d["run"]] = res
    rows, md = [], []
    for (fig, scen, client, mode), per in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2])):
        peer = next((p for p in PEERS if p in per), None)
        for metric, unit, k, want_ratio in METRICS.get(mode, []):
            vals = {srv: {r: res[k] for r, res in runs.items() if isinstance(res.get(k), (int, float))}
                    for srv, runs in per.items()}
            if not any(vals.values()):
                continue
            for srv in ["rtcd"] + list(PEERS):
                v = list(vals.get(srv, {}).values())
                if v:
                    rows.append("%d,%s,%s,%s,%s,%s,%.6g,%.6g,%.6g,%d" % (
                        fig, scen, srv, client, metric, unit, statistics.median(v), min(v), max(v),
                        len(v)))
            ratios = []
            if want_ratio and peer:
                a, b = vals.get("rtcd", {}), vals.get(peer, {})
                ratios = [a[r] / b[r] for r in a if r in b and b[r] > 0]
                if ratios:
                    rows.append("%d,%s,ratio,%s,%s,x,%.6g,%.6g,%.6g,%d" % (
                        fig, scen, client, metric, statistics.median(ratios), min(ratios),
                        max(ratios), len(ratios)))
            md.append("| %d | %s | %s | %s (%s) | %s | %s | %s |" % (
                fig, scen, client, metric, unit, cell(list(vals.get("rtcd", {}).values())),
                cell(list(vals.get(peer, {}).values())) if peer else "-",
                cell(ratios) if want_ratio else ""))
    with open(out_csv, "w") as f:
        f.write("figure,scenario,server,client,metric,unit,median,min,max,n\n")
        f.write("".join(r + "\n" for r in rows))
    with open(out_md, "w") as f:
        f.write("## %s\n\n" % title)
        if note:
            f.write(note.strip() + "\n\n")
        f.write("Cells: median [min-max] (runs). Ratio: rtcd / Janus per run (> 1: rtcd higher, "
                "better for MB/s and conn/s, worse for ms and KiB).\n\n")
        f.write("| fig | scenario | client | metric | rtcd | janus | ratio |\n")
        f.write("|---|---|---|---|---|---|---|\n")
        f.write("".join(r + "\n" for r in md))
        if failures:
            f.write("\nFailures (failed runs are not counted):\n\n")
            f.write("".join("- %s\n" % x for x in failures))


if __name__ == "__main__":
    if len(sys.argv) not in (5, 6):
        sys.exit(__doc__)
    main(*sys.argv[1:])
