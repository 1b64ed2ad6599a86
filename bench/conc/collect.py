"""collect.py: one concurrency run's files (written by run.sh into its temp
directory) into one JSON line: rtcload's result, connections open, memory
per connection (workers' PSS + supervisor RSS growth, / connections open),
CPU over the sample (the steady window after the memory reading), rtcd's
counters.
  python3 collect.py SCENARIO MODE N RUN DIR"""
import json
import os
import sys


def load(path, default=None):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return default if default is not None else {}


def main():
    scen, mode, n, run, d = sys.argv[1:6]
    out = {"scenario": scen, "mode": mode, "n": int(n), "run": int(run)}
    lines = []
    try:
        with open(os.path.join(d, "load.out")) as f:
            lines = [l for l in f if l.startswith("{")]
    except OSError:
        pass
    load_res = json.loads(lines[-1]) if lines else {"error": "rtcload printed no result"}
    out["load"] = load_res
    before = load(os.path.join(d, "before.json"))
    m0, m1 = load(os.path.join(d, "m0.json")), load(os.path.join(d, "m1.json"))
    mem = load(os.path.join(d, "mem.json"))
    st = load(os.path.join(d, "st2.json"))
    k = mem.get("n", 0)
    out["open"] = k
    if k > 0:
        growth = m0.get("sup_rss", 0) - before.get("sup_rss", 0)
        out["mem_per_conn_kib"] = (mem["pss"] + growth) / k
        out["worker_pss_kib"] = mem["pss"] / k
        out["worker_priv_dirty_kib"] = mem["priv_dirty"] / k
        out["worker_rss_kib"] = mem["rss"] / k
        out["sup_growth_per_conn_kib"] = growth / k
        out["sup_rss_before_kib"] = before.get("sup_rss", 0)
        out["sup_rss_kib"] = m0.get("sup_rss", 0)
        out["breakdown_kib"] = mem.get("breakdown", {})
    hz = float(m0.get("hz", 100)) or 100.0
    secs = m1.get("t", 0) - m0.get("t", 0)
    if m0 and m1 and secs > 0:
        out["cpu_sample_s"] = secs
        # Connection workers alive in both samples: the held connections (a
        # worker that starts or ends in between would count its whole life or
        # nothing; idle pool workers are not connections).
        conns = load(os.path.join(d, "conns.json"), [])
        held = {str(c.get("pid")) for c in conns if isinstance(c, dict)}
        both = set(m0.get("pids", {})) & set(m1.get("pids", {})) & held
        out["cpu_workers_pct"] = 100.0 * sum(m1["pids"][p] - m0["pids"][p] for p in both) / 1e9 / secs
        out["cpu_workers_n"] = len(both)
        for key, name in (("sup_ns", "cpu_supervisor_pct"), ("extra0_ns", "cpu_client_pct")):
            if key in m0 and key in m1:
                out[name] = 100.0 * (m1[key] - m0[key]) / 1e9 / secs
        if "machine_busy" in m0 and "machine_busy" in m1:
            out["cpu_machine_pct"] = 100.0 * (m1["machine_busy"] - m0["machine_busy"]) / hz / secs
    if m0 and before and k > 0:
        # rtcd's CPU (workers + supervisor) from the idle start to the memory
        # reading, per connection attempted: spawn, handshake, 2 s held.
        used = (m0.get("w_cpu", 0) + m0.get("sup_cpu", 0) -
                before.get("w_cpu", 0) - before.get("sup_cpu", 0))
        out["cpu_rtcd_per_conn_ms"] = 1000.0 * used / hz / int(n)
    if "cpu_workers_pct" in out and "cpu_supervisor_pct" in out and out["cpu_workers_n"] > 0:
        # steady state: ms of CPU per second per held connection
        out["cpu_rtcd_per_held_ms_s"] = 10.0 * (out["cpu_workers_pct"] +
                                                out["cpu_supervisor_pct"]) / out["cpu_workers_n"]
    out["rtcd_counters"] = {k2: v for k2, v in st.get("counters", {}).items() if v}
    out["rtcd_workers"] = st.get("workers", {})
    print(json.dumps(out))


if __name__ == "__main__":
    main()
