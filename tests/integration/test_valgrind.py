"""valgrind memcheck through a full connection: the supervisor runs under
memcheck, and its workers too (through the test-only worker_wrapper, which
drops only the seccomp filter: valgrind's JIT needs executable memory). An
aiortc peer connects over an SDP offer, echoes messages and leaves; rtcd is
stopped. No invalid accesses and no definitely lost bytes in either."""
import asyncio
import re
import shutil
import sys

from aiopeer import Peer
from rtcdtest import Daemon, fail, log, main, sanitized_build, wait_for

VG = [shutil.which("valgrind") or "/usr/bin/valgrind", "--leak-check=full", "--errors-for-leak-kinds=definite", "--error-exitcode=99",
      "--show-leak-kinds=definite", "--num-callers=30"]


def reports(text):
    """(pid, definitely lost bytes, error count) for every valgrind summary."""
    out = {}
    for pid, n in re.findall(r"==(\d+)== ERROR SUMMARY: (\d+) errors", text):
        out.setdefault(pid, {})["errors"] = int(n)
    for pid, n in re.findall(r"==(\d+)==\s+definitely lost: ([\d,]+) bytes", text):
        out.setdefault(pid, {})["lost"] = int(n.replace(",", ""))
    return out


def test_memcheck_supervisor_and_worker():
    if shutil.which("valgrind") is None:
        fail("valgrind is not installed (scripts/install-deps.sh installs it)")
    cfg = {"debug_hooks": True, "worker_wrapper": " ".join(VG),
           "limits": {"pool_size": 1, "handshake_timeout_s": 60}}
    with Daemon(config=cfg, prefix=VG, udp=("127.0.0.1:0",)) as d:
        async def run():
            p = await Peer(d.http).connect(timeout=60)
            for i in range(20):
                if await p.echo("valgrind %d" % i, timeout=20) != "valgrind %d" % i:
                    fail("echo mismatch under valgrind")
            await p.close()
        asyncio.run(asyncio.wait_for(run(), 180))
        wait_for(lambda: not d.connections(), timeout=60, what="the connection's worker exited")
        d.stop(timeout=60)
    text = d.log()
    reps = reports(text)
    log("valgrind summaries: %r" % reps)
    if len(reps) < 2:
        fail("expected summaries for the supervisor and at least one worker:\n" + text[-3000:])
    bad = {pid: r for pid, r in reps.items() if r.get("errors", 0) or r.get("lost", 0)}
    if bad:
        fail("memcheck found problems %r:\n%s" % (bad, text[-6000:]))


if __name__ == "__main__":
    if sanitized_build():
        log("SKIP: sanitizer build (ASan and valgrind exclude each other)")
        sys.exit(77)
    main([test_memcheck_supervisor_and_worker])
