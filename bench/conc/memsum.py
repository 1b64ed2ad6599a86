"""memsum.py: memory of the workers that serve connections, for the
concurrency bench: reads `rtcctl --json connections` (a list with each
connection's worker pid), sums PSS / private dirty / RSS over those workers
from /proc/PID/smaps_rollup, and breaks one worker's private dirty memory
down by mapping kind from /proc/PID/smaps (heap, anonymous, stack, shared
libraries' relocated read-only data, their writable data, the rest). KiB.
  python3 memsum.py CONNECTIONS.json"""
import json
import re
import sys

MAP = re.compile(r"^[0-9a-f]+-[0-9a-f]+ (\S+) \S+ \S+ \S+\s*(.*)$")


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


def kind(perm, name):
    if name == "[heap]":
        return "heap"
    if name == "[stack]":
        return "stack"
    if name == "" or name.startswith("[anon"):
        return "anon (thread stacks, malloc arenas, mmap)"
    if ".so" in name and perm.startswith("r--"):
        return "libraries: relocated read-only data (RELRO)"
    if ".so" in name and perm.startswith("rw"):
        return "libraries: writable data/bss"
    return "other (%s)" % name.rsplit("/", 1)[-1][:30]


def breakdown(pid):
    out, cur = {}, None
    try:
        with open("/proc/%d/smaps" % pid) as f:
            for line in f:
                m = MAP.match(line)
                if m:
                    cur = kind(m.group(1), m.group(2).strip())
                    continue
                if line.startswith("Private_Dirty:") and cur is not None:
                    out[cur] = out.get(cur, 0) + int(line.split()[1])
    except OSError:
        return {}
    return {k: v for k, v in out.items() if v}


def main():
    conns = json.load(open(sys.argv[1]))
    if isinstance(conns, dict):
        conns = conns.get("connections", [])
    res = {"n": 0, "pss": 0, "priv_dirty": 0, "rss": 0, "pss_anon": 0, "pss_file": 0}
    first = None
    for c in conns:
        pid = c.get("pid")
        r = rollup(pid) if pid else None
        if r is None:
            continue
        first = first or pid
        res["n"] += 1
        res["pss"] += r.get("Pss", 0)
        res["priv_dirty"] += r.get("Private_Dirty", 0)
        res["rss"] += r.get("Rss", 0)
        res["pss_anon"] += r.get("Pss_Anon", 0)
        res["pss_file"] += r.get("Pss_File", 0)
    res["breakdown"] = breakdown(first) if first else {}
    print(json.dumps(res))


if __name__ == "__main__":
    main()
