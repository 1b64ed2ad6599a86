"""The daemon as an operator meets it: command line and config errors (exit
status 2, nothing started), --check-config, the HTTP listener serving the web
demo safely, rtcctl, SIGHUP reload without dropping a connection, drain, and
SIGTERM exiting promptly."""
import http.client
import json
import os
import re
import signal
import subprocess
import time

from rtcdtest import (RTCD, RTCCTL, SRC, Daemon, StunClient, expect_success, fail, log, main,
                      wait_for)


def run(args, timeout=10):
    p = subprocess.run([RTCD] + args, capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout + p.stderr


def test_config_errors_exit_2_and_start_nothing():
    d = Daemon()
    cases = [
        ({"udp": ["127.0.0.1:0"], "limits": {"max_workerz": 1}}, '"limits.max_workerz": unknown key'),
        ({"udp": "127.0.0.1:0"}, '"udp"'),
        ({"log_level": "chatty"}, '"log_level"'),
        ({"limits": {"pool_size": -1}}, '"limits.pool_size"'),
        ({"control_allow_uids": [-5]}, '"control_allow_uids[0]"'),
        ({"control_allow_uids": "root"}, '"control_allow_uids"'),
        ({"metrics_api": "yes"}, '"metrics_api"'),
        ({"limits": {"drain_deadline_s": 10 ** 9}}, '"limits.drain_deadline_s"'),
    ]
    for cfg, needle in cases:
        path = os.path.join(d.dir, "bad.conf")
        with open(path, "w") as f:
            json.dump(dict(cfg, control=os.path.join(d.dir, "c.sock"), run_dir=os.path.join(d.dir, "r")), f)
        code, out = run(["-c", path])
        if code != 2 or needle not in out:
            fail("config %r: exit %d, output %r" % (cfg, code, out))
        if os.path.exists(os.path.join(d.dir, "c.sock")) or os.path.exists(os.path.join(d.dir, "r")):
            fail("something was started despite the config error")
    with open(os.path.join(d.dir, "syntax.conf"), "w") as f:
        f.write('{"udp": [\n')
    code, out = run(["-c", os.path.join(d.dir, "syntax.conf")])
    if code != 2 or "syntax.conf:" not in out:
        fail("syntax error: exit %d %r" % (code, out))
    for args, needle in ((["--udp", "nowhere"], "--udp"), (["--bogus"], "usage"),
                         (["--log-level", "x"], "--log-level"), (["extra"], "unexpected")):
        code, out = run(args)
        if code != 2 or needle not in out:
            fail("%r: exit %d %r" % (args, code, out))
    code, out = run(["--worker-user", "no-such-user-here", "--control", os.path.join(d.dir, "x.sock")])
    if code != 2 or "no-such-user-here" not in out or "useradd" not in out:
        fail("missing worker user: exit %d %r" % (code, out))
    code, out = run(["--version"])
    if code != 0 or not out.startswith("rtcd "):
        fail("--version: %r" % out)


def test_check_config_prints_effective_config():
    d = Daemon(config={"limits": {"pool_size": 2}})
    code, out = run(["-c", d.config_path, "--udp", "127.0.0.1:9555", "--check-config"])
    if code != 0:
        fail("--check-config exit %d: %s" % (code, out))
    eff = json.loads(out)
    if eff["udp"] != ["127.0.0.1:9555"] or eff["limits"]["pool_size"] != 2 or eff["http"] != "127.0.0.1:0":
        fail("effective config wrong: %r" % eff)


def test_every_key_documented():
    """--check-config prints every key; rtcd.conf(5) must describe each."""
    d = Daemon(config={"control_allow_uids": [4242], "metrics_api": True,
                       "limits": {"drain_deadline_s": 60}})
    code, out = run(["-c", d.config_path, "--check-config"])
    if code != 0:
        fail("--check-config exit %d: %s" % (code, out))
    eff = json.loads(out)
    if eff["control_allow_uids"] != [4242] or eff["metrics_api"] is not True or \
            eff["limits"]["drain_deadline_s"] != 60 or eff["control_group"] != "":
        fail("new keys not in the effective config: %r" % eff)
    keys = [k for k in eff if k != "limits"] + list(eff["limits"])
    page = open(os.path.join(SRC, "man", "rtcd.conf.5")).read()
    missing = [k for k in keys if not re.search(r"^\.BR? %s\b" % re.escape(k), page, re.M) and
               not re.search(r'^\.BR? .*"?, "? %s\b' % re.escape(k), page, re.M)]
    if missing:
        fail("keys not documented in rtcd.conf(5): %s" % missing)
    example = json.load(open(os.path.join(SRC, "etc", "rtcd.conf.example")))
    if sorted(example) != sorted(eff.keys() - {"control", "chroot_dir", "user", "worker_path",
                                                "web_root", "debug_hooks", "worker_wrapper"}) or \
            sorted(example["limits"]) != sorted(eff["limits"]):
        fail("etc/rtcd.conf.example and the effective config differ: %s, limits %s" % (
            sorted(set(eff) ^ set(example)), sorted(set(eff["limits"]) ^ set(example["limits"]))))


def http_get(addr, path):
    c = http.client.HTTPConnection(addr[0], addr[1], timeout=5)
    c.request("GET", path)
    r = c.getresponse()
    body = r.read()
    c.close()
    return r.status, r.getheader("Content-Type"), body


def test_http_serves_web_demo_safely():
    with Daemon() as d:
        st, ct, body = http_get(d.http, "/")
        if st != 200 or not ct.startswith("text/html") or b"<" not in body:
            fail("GET / -> %s %s" % (st, ct))
        for bad in ("/../configure.ac", "/%2e%2e/configure.ac", "/..%2fconfigure.ac", "//etc/passwd",
                    "/.git/config", "/index.html/../../configure.ac", "/nope.html", "/a%20b", "/index.html%00.js"):
            st, _, body = http_get(d.http, bad)
            if st != 404 or b"AC_INIT" in body or b"root:" in body:
                fail("GET %s -> %d (must be 404)" % (bad, st))
        c = http.client.HTTPConnection(d.http[0], d.http[1], timeout=5)
        c.request("PUT", "/index.html", body=b"x")
        st = c.getresponse().status
        if st not in (405, 501):
            fail("PUT answered %d" % st)
        c.close()
        d.stop()


def test_rtcctl_cli():
    with Daemon() as d:
        env = dict(os.environ, RTCD_CONTROL=d.control_path)
        out = subprocess.run([RTCCTL, "--json", "status"], capture_output=True, text=True, env=env)
        st = json.loads(out.stdout)
        for k in ("version", "uptime_s", "pid", "udp", "http", "workers", "counters"):
            if k not in st:
                fail("status lacks %s" % k)
        for k in ("active", "idle", "crashed_total", "spawned_total"):
            if k not in st["workers"]:
                fail("status.workers lacks %s" % k)
        for k in ("dgrams_in", "dgrams_out", "dropped_unrouted", "dropped_limit", "peer_errors"):
            if k not in st["counters"]:
                fail("status.counters lacks %s" % k)
        c = StunClient(d.udp[0])
        expect_success(c.check(), c)
        out = subprocess.run([RTCCTL, "--socket", d.control_path, "connections"],
                             capture_output=True, text=True)
        if "webrtc-direct" not in out.stdout:
            fail("connections table: %r" % out.stdout)
        conns = json.loads(subprocess.run([RTCCTL, "--socket", d.control_path, "--json", "connections"],
                                          capture_output=True, text=True).stdout)
        for k in ("id", "pid", "mode", "remote", "state", "age_s", "bytes_in", "bytes_out"):
            if k not in conns[0]:
                fail("connection lacks %s" % k)
        r = subprocess.run([RTCCTL, "--socket", d.control_path, "kill", str(conns[0]["id"])],
                           capture_output=True, text=True)
        if r.returncode != 0:
            fail("kill failed: %s" % r.stderr)
        wait_for(lambda: not d.connections(), what="killed connection gone")
        r = subprocess.run([RTCCTL, "--socket", d.control_path, "kill", "4242"], capture_output=True, text=True)
        if r.returncode == 0 or "no such connection" not in r.stderr:
            fail("kill of unknown id: %r" % r.stderr)
        r = subprocess.run([RTCCTL, "--socket", "/nonexistent/x.sock", "status"], capture_output=True, text=True)
        if r.returncode == 0 or "does not exist" not in r.stderr:
            fail("missing socket message: %r" % r.stderr)
        d.stop()


def test_sighup_reload_keeps_connections():
    with Daemon() as d:
        c = StunClient(d.udp[0])
        expect_success(c.check(), c)
        cfg = dict(d.config)
        cfg["limits"] = dict(cfg["limits"], pool_size=5)
        cfg["log_level"] = "info"
        with open(d.config_path, "w") as f:
            json.dump(cfg, f)
        d.proc.send_signal(signal.SIGHUP)
        wait_for(lambda: d.status()["workers"]["idle"] >= 5, what="pool_size applied live")
        if "reloaded" not in d.log():
            fail("no reload log line")
        expect_success(c.check(), c)
        if len(d.connections()) != 1:
            fail("reload dropped the connection")
        # a bad file on reload keeps the running config
        with open(d.config_path, "w") as f:
            f.write("{ nope")
        d.proc.send_signal(signal.SIGHUP)
        wait_for(lambda: "reload failed" in d.log(), what="reload failure logged")
        expect_success(c.check(), c)
        d.stop()


def test_drain_and_sigterm():
    with Daemon() as d:
        c = StunClient(d.udp[0])
        expect_success(c.check(), c)
        r = d.control({"cmd": "drain"})
        if not r.get("draining") or r.get("connections") != 1:
            fail("drain: %r" % r)
        newc = StunClient(d.udp[0])
        if newc.check(retries=1, timeout=0.5) is not None:
            fail("a new connection was accepted while draining")
        expect_success(c.check(), c)          # existing one keeps working
        d.control({"cmd": "kill", "id": d.connections()[0]["id"]})
        code = d.proc.wait(timeout=10)
        if code != 0:
            fail("drained daemon exited %d" % code)
    with Daemon() as d:
        clients = [StunClient(d.udp[0]) for _ in range(5)]
        for c in clients:
            expect_success(c.check(), c)
        d.stop(timeout=8)
        log("SIGTERM with 5 connections: exit in %.2fs" % d.stop_seconds)
        if d.stop_seconds > 6:
            fail("slow shutdown")


if __name__ == "__main__":
    main([test_config_errors_exit_2_and_start_nothing, test_check_config_prints_effective_config,
          test_every_key_documented,
          test_http_serves_web_demo_safely, test_rtcctl_cli, test_sighup_reload_keeps_connections,
          test_drain_and_sigterm])
