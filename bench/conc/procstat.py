"""procstat.py: one JSON line describing rtcd's processes right now, for the
concurrency bench: the supervisor (RSS, PSS, CPU) and its children, the
workers (count, summed PSS / private dirty / RSS from smaps_rollup; CPU of
the reaped ones plus the live ones in ticks, w_cpu, and in ns per live pid,
pids; the supervisor's in ticks, sup_cpu, and ns, sup_ns), plus any extra pids given (the load client, extraN_ns). CPU in clock ticks
(os.sysconf SC_CLK_TCK per second, "hz") and t, a monotonic time stamp in
seconds; memory in KiB.
  python3 procstat.py SUPERVISOR_PID [EXTRA_PID...]"""
import json
import os
import sys
import time


def stat(pid):
    """(ppid, utime + stime, cutime + cstime) from /proc/PID/stat, or None."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            s = f.read()
    except OSError:
        return None
    fields = s[s.rindex(")") + 2:].split()
    return int(fields[1]), int(fields[11]) + int(fields[12]), int(fields[13]) + int(fields[14])


def run_ns(pid):
    """CPU time of every thread of PID in ns (/proc/PID/task/*/schedstat),
    exact where clock ticks are too coarse for a worker's ~0.3 ms/s."""
    total = 0
    try:
        for tid in os.listdir("/proc/%d/task" % pid):
            with open("/proc/%d/task/%s/schedstat" % (pid, tid)) as f:
                total += int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        pass
    return total


def rollup(pid):
    out = {}
    try:
        with open("/proc/%d/smaps_rollup" % pid) as f:
            for line in f:
                k, _, v = line.partition(":")
                if k in ("Rss", "Pss", "Private_Dirty", "Pss_Anon", "Pss_File"):
                    out[k] = int(v.split()[0])
    except OSError:
        return None
    return out


def main():
    sup = int(sys.argv[1])
    extra = [int(p) for p in sys.argv[2:]]
    res = {"workers": 0, "w_pss": 0, "w_priv_dirty": 0, "w_rss": 0, "w_cpu": 0, "pids": {}}
    # The supervisor first: a worker reaped while we walk /proc is then in
    # neither its cutime nor the walk (counted short, never twice).
    sst = stat(sup)
    res["w_cpu"] = sst[2] if sst else 0
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        pid = int(name)
        st = stat(pid)
        if st is None or st[0] != sup:
            continue
        res["w_cpu"] += st[1]   # zombies too: their time moves to cutime when reaped
        res["pids"][pid] = run_ns(pid)
        r = rollup(pid)
        if r is None:
            continue
        res["workers"] += 1
        res["w_pss"] += r.get("Pss", 0)
        res["w_priv_dirty"] += r.get("Private_Dirty", 0)
        res["w_rss"] += r.get("Rss", 0)
    r = rollup(sup) or {}
    res.update(sup_rss=r.get("Rss", 0), sup_pss=r.get("Pss", 0), sup_cpu=sst[1] if sst else 0,
               sup_ns=run_ns(sup))
    for i, pid in enumerate(extra):
        ns = run_ns(pid)
        if ns:
            res["extra%d_ns" % i] = ns
    # The whole machine (all processes, ours and others'), from /proc/stat.
    with open("/proc/stat") as f:
        cpu = [int(x) for x in f.readline().split()[1:]]
    res["machine_busy"] = sum(cpu) - cpu[3] - cpu[4]
    res["hz"] = os.sysconf("SC_CLK_TCK")
    res["t"] = time.monotonic()
    print(json.dumps(res))


if __name__ == "__main__":
    main()
