"""A live worker is sandboxed: non-root uid different from the supervisor's,
NoNewPrivs 1, Seccomp 2 (filter), no capabilities, root directory = the empty
chroot dir. A sandboxed worker that attempts a forbidden system call dies
with SIGSYS while the supervisor carries on and refills its pool."""
import os
import pwd

from rtcdtest import Daemon, StunClient, expect_success, fail, log, main, wait_for


def proc_status(pid):
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            out[k] = v.strip()
    return out


def check_workers_sandboxed(d, sup):
    chroot = os.path.realpath(os.path.join(d.config["run_dir"], "empty"))
    # pid 0: forked by the template, which has not named it yet
    ws = wait_for(lambda: (lambda l: l if all(w["pid"] for w in l) else None)(d.workers()),
                  what="every worker's pid")
    for w in ws:
        st = proc_status(w["pid"])
        uids = st["Uid"].split()
        if len(set(uids)) != 1 or uids[0] == "0" or uids[0] == sup["Uid"].split()[0]:
            fail("worker uids %s (supervisor %s)" % (uids, sup["Uid"]))
        if pwd.getpwuid(int(uids[0])).pw_name != "rtcd-worker":
            fail("worker does not run as rtcd-worker")
        if st["NoNewPrivs"] != "1" or st["Seccomp"] != "2":
            fail("NoNewPrivs %s Seccomp %s" % (st["NoNewPrivs"], st["Seccomp"]))
        root = os.readlink("/proc/%d/root" % w["pid"])
        if root != chroot or os.listdir(root):
            fail("worker root is %s, expected the empty %s" % (root, chroot))
        # every thread (usrsctp's iterator too) is filtered and holds no
        # capability: capset reaches only the thread that calls it
        for tid in os.listdir("/proc/%d/task" % w["pid"]):
            ts = proc_status_path("/proc/%d/task/%s/status" % (w["pid"], tid))
            if ts["Seccomp"] != "2":
                fail("thread %s of worker %d runs unfiltered" % (tid, w["pid"]))
            for k in ("CapEff", "CapPrm", "CapAmb"):
                if int(ts[k], 16):
                    fail("thread %s of worker %d keeps %s %s" % (tid, w["pid"], k, ts[k]))


def proc_status_path(path):
    out = {}
    with open(path) as f:
        for line in f:
            k, _, v = line.partition(":")
            out[k] = v.strip()
    return out


def test_live_worker_is_sandboxed():
    with Daemon() as d:
        sup = proc_status(d.proc.pid)
        check_workers_sandboxed(d, sup)
        # the supervisor kept only its small capability set
        cap = int(sup["CapBnd"], 16)
        if cap & ~((1 << 6) | (1 << 7) | (1 << 18) | (1 << 5) | (1 << 10)):
            fail("supervisor bounding set too wide: %s" % sup["CapBnd"])
        log("checked %d workers" % len(d.workers()))
        d.stop()


def test_user_mode_workers_are_sandboxed():
    """--user: the supervisor runs as an unprivileged user with ambient
    capabilities; its workers must still start and end up as sandboxed as
    under a root supervisor (every thread without capabilities)."""
    d = Daemon(args=("--user", "nobody"))
    os.chmod(d.dir, 0o755)      # the unprivileged workers must reach run/empty
    with d:
        sup = proc_status(d.proc.pid)
        if sup["Uid"].split()[0] != str(pwd.getpwnam("nobody").pw_uid):
            fail("supervisor uids %s, expected nobody" % sup["Uid"])
        if d.status()["workers"]["crashed_total"]:
            fail("workers crashed under --user: %r" % d.status()["workers"])
        check_workers_sandboxed(d, sup)
        c = StunClient(d.udp[0])           # a worker answers: the path works
        expect_success(c.check(), c)
        log("--user nobody: %d workers sandboxed" % len(d.workers()))
        d.stop()


def test_forbidden_syscall_kills_only_that_worker():
    with Daemon(config={"debug_hooks": True}) as d:
        c = StunClient(d.udp[0])
        expect_success(c.check(), c)
        # pid 0: a worker the template has not named yet
        victim = wait_for(lambda: [w for w in d.workers() if w["pid"]], what="a named worker")[-1]["pid"]
        r = d.control({"cmd": "debug", "pid": victim, "action": "forbidden-syscall"})
        if not r.get("ok"):
            fail("debug hook refused: %r" % r)
        wait_for(lambda: d.status()["workers"]["crashed_total"] == 1, what="SIGSYS crash counted")
        if "died from signal 31 (seccomp: forbidden system call)" not in d.log():
            fail("SIGSYS not logged")
        if "sandbox did not stop" in d.log():
            fail("the forbidden call went through")
        expect_success(c.check(), c)       # the other connection is untouched
        wait_for(lambda: d.status()["workers"]["idle"] >= 3, what="pool refilled")
        # debug hooks are refused unless configured
        d.stop()
    with Daemon() as d:
        r = d.control({"cmd": "debug", "pid": d.workers()[0]["pid"], "action": "crash"})
        if "error" not in r:
            fail("debug hook accepted without debug_hooks")
        d.stop()


if __name__ == "__main__":
    main([test_live_worker_is_sandboxed, test_user_mode_workers_are_sandboxed,
          test_forbidden_syscall_kills_only_that_worker])
