"""etc/rtcd.service checked with systemd's own tools, and rtcd run under the
unit's sandbox:
- `systemd-analyze verify` accepts the unit (its programs and man pages
  pointed at this build) without a warning;
- `systemd-analyze security --offline=true` scores it (the README lists the
  score; this test fails if the exposure grows past 3.0);
- systemd-sysusers and systemd-tmpfiles (into a scratch --root) create the
  users, groups and directories the unit and rtcd.conf expect;
- rtcd runs under the unit's NoNewPrivileges=, CapabilityBoundingSet=,
  SystemCallFilter= (through integration/sysfilter, which applies the
  filter as systemd does) and UMask=: workers still sandbox themselves and
  an aiortc peer connects, echoes, survives a reload and sees a clean close.
Skips (exit 77) when systemd-analyze is not installed (Debian package
systemd, installed by scripts/install-deps.sh): without it neither the unit
nor the syscall groups can be checked here."""
import asyncio
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile

from aiopeer import Peer
from rtcdtest import BUILD, SRC, Daemon, StunClient, expect_success, fail, log, main, wait_for

ANALYZE = shutil.which("systemd-analyze")
UNIT = os.path.join(BUILD, "etc", "rtcd.service")
MAX_EXPOSURE = 3.0
CAP_BITS = {"CAP_SETGID": 6, "CAP_SETUID": 7, "CAP_KILL": 5, "CAP_NET_BIND_SERVICE": 10,
            "CAP_SYS_CHROOT": 18}


def settings(text):
    """[Service] key -> list of values, in order (keys may repeat)."""
    out, section = {}, None
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            section = line
            continue
        k, _, v = line.partition("=")
        out.setdefault((section, k), []).append(v)
    return out


def unit_for_this_build(tmp):
    """The built unit with its programs pointed at this build tree, plus a
    MANPATH where man finds rtcd(8), rtcd.conf(5), rtcctl(8)."""
    text = open(UNIT).read()
    text = re.sub(r"(Exec\w+=)\S*/rtcd ", r"\1%s/supervisor/rtcd " % BUILD, text)
    text = re.sub(r"(Exec\w+=)\S*/rtcctl ", r"\1%s/supervisor/rtcctl " % BUILD, text)
    path = os.path.join(tmp, "rtcd.service")
    with open(path, "w") as f:
        f.write(text)
    for page, sec in (("rtcd.8", "8"), ("rtcctl.8", "8"), ("rtcd.conf.5", "5")):
        os.makedirs(os.path.join(tmp, "man", "man" + sec), exist_ok=True)
        shutil.copy(os.path.join(SRC, "man", page), os.path.join(tmp, "man", "man" + sec, page))
    return path, dict(os.environ, MANPATH=os.path.join(tmp, "man"))


def test_verify_and_security_score():
    tmp = tempfile.mkdtemp(prefix="rtcd-unit-")
    path, env = unit_for_this_build(tmp)
    p = subprocess.run([ANALYZE, "verify", path], capture_output=True, text=True, env=env, timeout=60)
    if p.returncode != 0 or p.stdout.strip() or p.stderr.strip():
        fail("systemd-analyze verify: exit %d\n%s%s" % (p.returncode, p.stdout, p.stderr))
    p = subprocess.run([ANALYZE, "security", "--offline=true", path], capture_output=True,
                       text=True, timeout=60)
    m = re.search(r"Overall exposure level for rtcd.service: (\d+\.\d+) (\w+)", p.stdout)
    if m is None:
        fail("no exposure level in:\n%s%s" % (p.stdout, p.stderr))
    score = float(m.group(1))
    left = [ln.split()[1] for ln in p.stdout.splitlines() if ln.startswith("\u2717")]
    log("systemd-analyze security: exposure %.1f %s; open items: %s" %
        (score, m.group(2), " ".join(left)))
    if score > MAX_EXPOSURE:
        fail("exposure %.1f > %.1f: a hardening directive was lost" % (score, MAX_EXPOSURE))
    shutil.rmtree(tmp)


def test_sysusers_and_tmpfiles_snippets():
    root = tempfile.mkdtemp(prefix="rtcd-root-")
    os.makedirs(os.path.join(root, "etc"))
    p = subprocess.run(["systemd-sysusers", "--root=" + root, os.path.join(SRC, "etc", "rtcd.sysusers")],
                       capture_output=True, text=True, timeout=30)
    if p.returncode != 0:
        fail("systemd-sysusers: %s" % p.stderr)
    passwd = open(os.path.join(root, "etc", "passwd")).read()
    group = open(os.path.join(root, "etc", "group")).read()
    for user in ("rtcd-worker", "rtcd"):
        m = re.search(r"^%s:x:(\d+):(\d+):[^:]*:[^:]*:/usr/sbin/nologin$" % re.escape(user), passwd, re.M)
        if m is None or int(m.group(1)) == 0:
            fail("sysusers did not create %s:\n%s" % (user, passwd))
    if not re.search(r"^rtcd:x:\d+:", group, re.M):
        fail("no group rtcd (control_group, SupplementaryGroups=)")
    p = subprocess.run(["systemd-tmpfiles", "--root=" + root, "--create",
                        os.path.join(SRC, "etc", "rtcd.tmpfiles")], capture_output=True, text=True,
                       timeout=30)
    if p.returncode != 0:
        fail("systemd-tmpfiles: %s" % p.stderr)
    for d, mode in (("run/rtcd", 0o755), ("run/rtcd/empty", 0o755), ("var/lib/rtcd", 0o700)):
        st = os.stat(os.path.join(root, d))
        if st.st_mode & 0o7777 != mode or st.st_uid != 0:
            fail("%s: mode %o uid %d" % (d, st.st_mode & 0o7777, st.st_uid))
    shutil.rmtree(root)


def syscall_groups():
    out = subprocess.run([ANALYZE, "syscall-filter"], capture_output=True, text=True,
                         timeout=30).stdout
    groups, cur = {}, None
    for line in out.splitlines():
        t = line.strip()
        if line.startswith("@"):
            cur = groups.setdefault(t.split()[0], set())
        elif t and not t.startswith("#") and cur is not None:
            cur.update(t.split())
    return groups


def expand(groups, name, seen=None):
    seen = set() if seen is None else seen
    if not name.startswith("@"):
        return {name}
    if name in seen:
        return set()
    seen.add(name)
    out = set()
    for x in groups.get(name, ()):
        out |= expand(groups, x, seen)
    return out


def sandbox_prefix(unit):
    """The wrapper that applies the unit's process sandbox to rtcd."""
    s = settings(unit)
    svc = "[Service]"
    if s.get((svc, "NoNewPrivileges")) != ["yes"]:
        fail("unit lacks NoNewPrivileges=yes")
    caps = s[(svc, "CapabilityBoundingSet")][0].split()
    allowed, groups = set(), syscall_groups()
    for entry in s[(svc, "SystemCallFilter")]:
        if entry.startswith("~"):
            for name in entry[1:].split():
                allowed -= expand(groups, name)
        else:
            for name in entry.split():
                allowed |= expand(groups, name)
    err = {"EPERM": 1}[s[(svc, "SystemCallErrorNumber")][0]]
    umask = s[(svc, "UMask")][0]
    bounding = "-all," + ",".join("+" + c[4:].lower() for c in caps)
    prefix = ["sh", "-c", 'umask %s && exec "$@"' % umask, "sh",
              "setpriv", "--no-new-privs", "--bounding-set=" + bounding,
              os.path.join(BUILD, "tests", "integration", "sysfilter"), str(err)] + \
        sorted(allowed) + ["--"]
    return prefix, caps, len(allowed)


def proc_status(pid):
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            out[k] = v.strip()
    return out


def test_rtcd_under_the_unit_sandbox():
    prefix, caps, nsys = sandbox_prefix(open(UNIT).read())
    want = sum(1 << CAP_BITS[c] for c in caps)
    # In a sanitizer build, LeakSanitizer's exit check stops the world with
    # ptrace, which the unit's SystemCallFilter= forbids (as it should).
    asan = (os.environ.get("ASAN_OPTIONS", "") + ":detect_leaks=0").lstrip(":")
    with Daemon(prefix=prefix, env={"ASAN_OPTIONS": asan}) as d:
        st = proc_status(d.proc.pid)
        if st["NoNewPrivs"] != "1" or st["Seccomp"] != "2" or int(st["CapBnd"], 16) != want:
            fail("supervisor not sandboxed as the unit says: %r" % st)
        c = StunClient(d.udp[0])
        expect_success(c.check(), c)

        async def run():
            p = await Peer(d.http).connect(timeout=20)
            for i in range(20):
                if await p.echo("m%d" % i) != "m%d" % i:
                    fail("echo under the unit sandbox")
            w = [x for x in d.connections() if x["mode"] == "webrtc"][0]
            ws = proc_status(w["pid"])
            if ws["Seccomp"] != "2" or int(ws["CapEff"], 16) != 0 or ws["Uid"].split()[0] == "0":
                fail("worker not sandboxed: %r" % ws)
            d.proc.send_signal(signal.SIGHUP)
            wait_for(lambda: "reloaded" in d.log(), what="reload under the sandbox")
            if await p.echo("after reload") != "after reload":
                fail("echo after reload")
            d.proc.send_signal(signal.SIGTERM)
            for _ in range(100):
                if p.channels["echo"].readyState == "closed":
                    break
                await asyncio.sleep(0.02)
            state = p.channels["echo"].readyState
            await p.close()
            return state
        state = asyncio.run(asyncio.wait_for(run(), 60))
        code = d.proc.wait(timeout=10)
        if state != "closed" or code != 0:
            fail("SIGTERM under the sandbox: channel %s, exit %d" % (state, code))
        bad = [ln for ln in d.log().splitlines() if "Operation not permitted" in ln or "[error]" in ln]
        if bad:
            fail("errors under the unit sandbox: %r" % bad[:5])
        log("rtcd under NoNewPrivileges, %d capabilities, %d allowed system calls: ok" %
            (len(caps), nsys))


if __name__ == "__main__":
    if ANALYZE is None:
        print("SKIP: systemd-analyze not installed (Debian package systemd; scripts/install-deps.sh "
              "installs it): the unit and its system call groups cannot be checked")
        sys.exit(77)
    main([test_verify_and_security_score, test_sysusers_and_tmpfiles_snippets,
          test_rtcd_under_the_unit_sandbox])
