"""report.py: the benchmark results page. Reads every bench/results/*.csv
written by the suites (header figure,scenario,server,client,metric,unit,
median,min,max,n; server is rtcd, the peer (janus, js-libp2p, plain) or
ratio = rtcd / peer per run) and writes bench/results/README.md: the machine
(cores, CPU model, kernel, RAM), the versions of everything measured, and
one table of issue 7's figures 1-7 (rtcd, peer, ratio, goal, met or not),
"not measured" for a figure no suite reported. CPU, per-phase and failure
metrics stay in each suite's own Markdown fragment (linked). Python 3
standard library only.
  python3 bench/report.py [RESULTS_DIR] [SRC_DIR]"""
import csv
import glob
import json
import os
import platform
import re
import subprocess
import sys
import time

HEADER = ["figure", "scenario", "server", "client", "metric", "unit", "median", "min", "max", "n"]
PEERS = ("janus", "js-libp2p", "plain")
FIGURES = {
    1: "Data-channel echo throughput, one connection",
    2: "WebRTC Direct stream throughput, one stream",
    3: "Throughput at 20 ms RTT",
    4: "Setup latency",
    5: "New connections per second",
    6: "Concurrent connections and memory per connection",
    7: "Supervisor hop",
}
# Kept out of the summary table (they are in the suites' fragments). RSS
# sums count shared pages once per process; PSS is the memory figure.
DETAIL = re.compile(r"cpu|slowest|^(answer|ice|dtls|sctp)-|failed|-mbit$|^rss")


def run(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=20).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def first_line(text):
    return text.splitlines()[0] if text else ""


def machine():
    model, ram = "?", "?"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal:"):
                ram = "%.1f GiB" % (int(line.split()[1]) / 1024 / 1024)
                break
    except OSError:
        pass
    distro = ""
    try:
        distro = open("/etc/debian_version").read().strip()
    except OSError:
        pass
    return [("cores (nproc)", str(os.cpu_count())), ("CPU", model),
            ("kernel", platform.release()), ("RAM", ram),
            ("OS", "Debian " + distro if distro else platform.platform())]


def npm_version(src, pkg):
    try:
        return json.load(open(os.path.join(src, "web-demo", "node_modules", pkg, "package.json")))["version"]
    except (OSError, ValueError, KeyError):
        return "not installed"


def deb_version(pkg):
    return run(["dpkg-query", "-W", "-f=${Version}", pkg]) or "not installed"


def versions(src):
    janus = re.search(r"\(([0-9.]+)\)", run(["janus", "--version"]) or "")
    return [
        ("rtcd", run(["git", "-C", src, "describe", "--always", "--dirty", "--tags"]) or "?"),
        ("janus", (janus.group(1) if janus else "?") + " (Debian " + deb_version("janus") + ")"),
        ("node", run(["node", "--version"]) or "?"),
        ("node-datachannel", npm_version(src, "node-datachannel")),
        ("libp2p (js)", npm_version(src, "libp2p") + ", @libp2p/webrtc " + npm_version(src, "@libp2p/webrtc")),
        ("usrsctp", deb_version("libusrsctp2")),
        ("openssl", first_line(run(["openssl", "version"])) or "?"),
        ("libsrtp2", deb_version("libsrtp2-1")),
        ("gcc", first_line(run(["gcc", "--version"])) or "?"),
    ]


def load(results):
    rows, files, bad = [], [], []
    for path in sorted(glob.glob(os.path.join(results, "*.csv"))):
        with open(path, newline="") as f:
            r = csv.DictReader(f)
            if r.fieldnames != HEADER:
                bad.append(os.path.basename(path))
                continue
            files.append(os.path.basename(path))
            for row in r:
                try:
                    row["figure"] = int(row["figure"])
                    for k in ("median", "min", "max"):
                        row[k] = float(row[k])
                    row["n"] = int(row["n"])
                except (ValueError, KeyError):
                    continue
                row["suite"] = os.path.basename(path)[:-4]
                rows.append(row)
    return rows, files, bad


def fmt(x):
    if abs(x) >= 1000:
        return "%.0f" % x
    if abs(x) >= 10:
        return "%.1f" % x
    return "%.3g" % x


def cell(r):
    if r is None:
        return "-"
    s = "%s [%s-%s]" % (fmt(r["median"]), fmt(r["min"]), fmt(r["max"]))
    return s if r["n"] == 5 else s + " n=%d" % r["n"]


def goal(fig, scen, client, metric, unit, rtcd, ratio):
    """(goal text, True/False/None) for one table line, from issue 7."""
    med = rtcd["median"] if rtcd else None
    rat = ratio["median"] if ratio else None

    def check(*conds):
        if any(c is None for c in conds):
            return None
        return all(conds)
    if fig == 1 and metric == "echoed":
        if client == "rtcclient":
            return (">= 1.5x Janus and >= 50 MB/s",
                    check(rat is not None and rat >= 1.5 if rat is not None else None,
                          med >= 50 if med is not None else None))
        return ">= 1.5x Janus", check(rat >= 1.5 if rat is not None else None)
    if fig == 2 and unit == "MB/s":
        return ">= 1.5x js-libp2p", check(rat >= 1.5 if rat is not None else None)
    if fig == 3 and metric == "echoed":
        return ">= 300 Mbit/s = 37.5 MB/s each way", check(med >= 37.5 if med is not None else None)
    if fig == 4 and unit == "ms" and re.match(r"(open|dial)", metric):
        if "p50" in metric:
            return "p50 <= 10 ms", check(med <= 10 if med is not None else None)
        if "p99" in metric:
            return "p99 <= 30 ms", check(med <= 30 if med is not None else None)
    if fig == 5 and unit == "1/s":
        return ">= 200/s", check(med >= 200 if med is not None else None)
    if fig == 6:
        if unit.startswith("KiB"):
            return "<= 640 KiB/conn (2x Janus)", check(med <= 640 if med is not None else None)
        if unit == "ms" and "p99" in metric:
            return "p99 < 10 ms", check(med < 10 if med is not None else None)
        if unit.startswith("conn") and "fail" not in metric:
            return ">= 2000 held", check(med >= 2000 if med is not None else None)
    if fig == 7:
        if metric == "responses":
            return ">= 0.6x plain", check(rat >= 0.6 if rat is not None else None)
        if metric.startswith("added") and "p50" in metric:
            return "<= 30 us", check(med <= 30 if med is not None else None)
    return "-", None


def table(rows):
    groups = {}
    for r in rows:
        if DETAIL.search(r["metric"]):
            continue
        key = (r["figure"], r["scenario"], r["client"], r["metric"])
        g = groups.setdefault(key, {"suite": r["suite"]})
        if r["server"] == "ratio":
            g["ratio"] = r
        else:
            g[r["server"]] = r
            if r["server"] != "rtcd":
                g["peer"] = r
            g["unit"] = r["unit"]
    out = ["| fig | scenario | client | metric | rtcd | peer | ratio rtcd/peer | goal | met |",
           "|---|---|---|---|---|---|---|---|---|"]
    met_count = {}
    for fig in sorted(FIGURES):
        keys = sorted(k for k in groups if k[0] == fig)
        if not keys:
            out.append("| %d | %s | | | not measured | | | | |" % (fig, FIGURES[fig]))
            continue
        for k in keys:
            g = groups[k]
            unit = g.get("unit", "x")
            rtcd, peer, ratio = g.get("rtcd"), g.get("peer"), g.get("ratio")
            text, ok = goal(fig, k[1], k[2], k[3], unit, rtcd, ratio)
            mark = "-" if ok is None else ("**met**" if ok else "not met")
            if ok is not None:
                met_count.setdefault(ok, 0)
                met_count[ok] += 1
            out.append("| %d | %s | %s | %s (%s) | %s | %s | %s | %s | %s |" % (
                fig, k[1], k[2], k[3], unit, cell(rtcd),
                (peer["server"] + " " + cell(peer)) if peer else "-", cell(ratio), text, mark))
    return out, met_count


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    results = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "results")
    src = sys.argv[2] if len(sys.argv) > 2 else os.path.dirname(here)
    rows, files, bad = load(results)
    lines, met = table(rows)
    md = ["# rtcd benchmark results", "",
          "Generated by `bench/report.py` on %s from %s (`make bench`: `bench/run-all.sh`)." % (
              time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
              ", ".join("[%s](%s)" % (f, f) for f in files) or "no suite results"), "",
          "Every figure compares rtcd with what users would pick instead (Janus echotest, the "
          "js-libp2p Node listener, a plain single-process responder), measured with the same "
          "client in the same run on the same machine, server order alternating between runs. "
          "Client, server and load generator share the machine's cores, so absolute figures are "
          "client-bound and noisy; the ratios are the comparison. Cells: median [min-max] over the "
          "runs (n=5 unless noted); ratio = rtcd / peer per run, then median [min-max].", "",
          "## Machine", ""]
    md += ["- %s: %s" % kv for kv in machine()]
    md += ["", "## Versions", ""]
    md += ["- %s: %s" % kv for kv in versions(src)]
    md += ["", "## Figures (issue 7)", ""]
    md += ["Goals met: %d, not met: %d (lines without a goal are context)." % (
        met.get(True, 0), met.get(False, 0)), ""]
    md += lines
    md += ["", "Details (CPU use, setup phases, failures, per-run notes) are in each suite's "
           "fragment: " + ", ".join("[%s](%s)" % (f[:-4] + ".md", f[:-4] + ".md") for f in files
                                   if os.path.exists(os.path.join(results, f[:-4] + ".md"))) + "."]
    if bad:
        md += ["", "Skipped (not the common CSV header): " + ", ".join(bad) + "."]
    with open(os.path.join(results, "README.md"), "w") as f:
        f.write("\n".join(md) + "\n")
    print("\n".join(md))


if __name__ == "__main__":
    main()
