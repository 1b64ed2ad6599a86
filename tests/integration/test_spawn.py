"""Workers forked from the worker template ("worker_spawn": "template", the
default): every worker is the supervisor's own child (CLONE_PARENT) and
serves connections; killing the template costs no connection and no refusal
(workers are exec'd meanwhile) and the template comes back; "exec" mode
works without a template; a bad worker_spawn value is a config error."""
import os
import signal
import subprocess

from rtcdtest import RTCD, Daemon, StunClient, expect_success, fail, log, main, wait_for


def ppid(pid):
    with open("/proc/%d/stat" % pid) as f:
        return int(f.read().rsplit(")", 1)[1].split()[1])


def named_workers(d):
    return wait_for(lambda: (lambda l: l if l and all(w["pid"] for w in l) else None)(d.workers()),
                    what="every worker's pid")


def test_template_workers_are_supervisor_children():
    with Daemon(config={"limits": {"pool_size": 4}}) as d:
        sp = d.status()["spawner"]
        if sp["mode"] != "template" or sp["state"] != "up" or sp["pid"] <= 0:
            fail("spawner status: %r" % sp)
        if ppid(sp["pid"]) != d.proc.pid:
            fail("the template is not the supervisor's child")
        for w in named_workers(d):
            if ppid(w["pid"]) != d.proc.pid:
                fail("worker %d has parent %d, not the supervisor %d" % (w["pid"], ppid(w["pid"]),
                                                                         d.proc.pid))
        clients = [StunClient(d.udp[0]) for _ in range(6)]
        for c in clients:
            expect_success(c.check(), c)
        sp = wait_for(lambda: (lambda s: s if s["spawned"] >= 4 + 6 else None)(
            d.status()["spawner"]), what="the template naming every worker it forked")
        if sp["failed"] or sp["restarts"]:
            fail("spawner counters: %r" % sp)
        log("template pid %d forked %d workers" % (sp["pid"], sp["spawned"]))
        d.stop()


def test_template_killed_costs_nothing():
    with Daemon() as d:
        old = d.status()["spawner"]["pid"]
        live = StunClient(d.udp[0])
        expect_success(live.check(), live)
        os.kill(old, signal.SIGKILL)
        wait_for(lambda: "worker template pid %d died from signal 9" % old in d.log(),
                 what="the template's death logged")
        # New connections are served meanwhile (exec'd workers), the live one stays.
        for _ in range(5):
            c = StunClient(d.udp[0])
            expect_success(c.check(), c)
        expect_success(live.check(), live)
        sp = wait_for(lambda: (lambda s: s if s["state"] == "up" and s["pid"] not in (0, old)
                               else None)(d.status()["spawner"]), what="the template restarted")
        if sp["restarts"] < 1:
            fail("restart not counted: %r" % sp)
        before = sp["spawned"]
        for _ in range(3):
            c = StunClient(d.udp[0])
            expect_success(c.check(), c)
        wait_for(lambda: d.status()["spawner"]["spawned"] >= before + 3,
                 what="the new template forking workers")
        st = d.status()
        if st["workers"]["crashed_total"] or st["workers"]["start_failures_total"]:
            fail("workers failed around the template's death: %r" % st["workers"])
        log("template %d killed, %d restarted; %d workers since" % (old, sp["pid"],
                                                                   d.status()["spawner"]["spawned"]))
        d.stop()


def test_exec_mode():
    with Daemon(config={"worker_spawn": "exec"}) as d:
        sp = d.status()["spawner"]
        if sp["mode"] != "exec" or sp["pid"] != 0 or sp["state"] != "off":
            fail("exec mode spawner: %r" % sp)
        for w in d.workers():
            if w["pid"] <= 0 or ppid(w["pid"]) != d.proc.pid:
                fail("exec'd worker %r" % w)
        c = StunClient(d.udp[0])
        expect_success(c.check(), c)
        d.stop()


def test_bad_value_refused():
    d = Daemon(config={"worker_spawn": "fork"})
    p = subprocess.run([RTCD, "-c", d.config_path, "--check-config"], capture_output=True,
                       text=True, timeout=10)
    if p.returncode != 2 or "worker_spawn" not in p.stderr:
        fail("worker_spawn \"fork\": exit %d %r" % (p.returncode, p.stderr))


if __name__ == "__main__":
    main([test_template_workers_are_supervisor_children, test_template_killed_costs_nothing,
          test_exec_mode, test_bad_value_refused])
