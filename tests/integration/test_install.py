"""rtcd installed: `make install DESTDIR=...` from the build tree puts every
file where the configured directories say (programs, worker in libexecdir,
web demo and examples in datadir, man pages, config in SYSCONFDIR/rtcd,
systemd unit, sysusers and tmpfiles snippets), the installed rtcd runs from
the DESTDIR (it finds its worker and web demo there), answers rtcctl and a
STUN check, serves the demo, and `make uninstall` removes everything but an
edited config."""
import http.client
import os
import shutil
import stat
import subprocess
import tempfile

from rtcdtest import BUILD, Daemon, StunClient, expect_success, fail, log, main

# A make of our own, not a sub-make of `make check` (no jobserver, no
# "Entering directory" lines in the output).
MAKE_ENV = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
DIRS = ("prefix", "sbindir", "bindir", "libexecdir", "pkgdatadir", "mandir", "sysconfdir",
        "systemdsystemunitdir", "sysusersdir", "tmpfilesdir")


def make_vars():
    """The installation directories as make expands them."""
    rule = "print-dirs:\n\t@echo " + " ".join("$(%s)" % v for v in DIRS) + "\n"
    p = subprocess.run(["make", "-s", "--no-print-directory", "-C", os.path.join(BUILD, "etc"),
                        "-f", "Makefile", "-f", "-", "print-dirs"],
                       input=rule, capture_output=True, text=True, timeout=60, env=MAKE_ENV)
    if p.returncode != 0:
        fail("cannot read the install dirs: %s" % p.stderr)
    return dict(zip(DIRS, p.stdout.split()))


def make(target, dest):
    p = subprocess.run(["make", "-C", BUILD, target, "DESTDIR=" + dest], capture_output=True,
                       text=True, timeout=600, env=MAKE_ENV)
    if p.returncode != 0:
        fail("make %s failed:\n%s" % (target, (p.stdout + p.stderr)[-3000:]))


def files_under(root):
    out = []
    for d, _, fs in os.walk(root):
        out += [os.path.relpath(os.path.join(d, f), root) for f in fs]
    return sorted(out)


def get(addr, path):
    c = http.client.HTTPConnection(addr[0], addr[1], timeout=5)
    c.request("GET", path)
    r = c.getresponse()
    body = r.read()
    c.close()
    return r.status, r.getheader("Content-Type"), body


def test_install_run_uninstall():
    v = make_vars()
    dest = tempfile.mkdtemp(prefix="rtcd-destdir-")
    try:
        make("install", dest)
        at = lambda d, *p: os.path.join(dest + v[d], *p)   # noqa: E731
        expect = [at("sbindir", "rtcd"), at("bindir", "rtcctl"), at("libexecdir", "rtcd-worker"),
                  at("pkgdatadir", "web-demo", "index.html"), at("pkgdatadir", "web-demo", "app.js"),
                  at("pkgdatadir", "web-demo", "dist", "p2p.js"),
                  at("pkgdatadir", "examples", "rtcd.conf.example"),
                  at("mandir", "man8", "rtcd.8"), at("mandir", "man8", "rtcctl.8"),
                  at("mandir", "man5", "rtcd.conf.5"), at("sysconfdir", "rtcd", "rtcd.conf"),
                  at("systemdsystemunitdir", "rtcd.service"), at("sysusersdir", "rtcd.conf"),
                  at("tmpfilesdir", "rtcd.conf")]
        for f in expect:
            if not os.path.isfile(f):
                fail("not installed: %s\ninstalled: %s" % (f, files_under(dest)))
        for f in expect[:3]:
            if not os.stat(f).st_mode & stat.S_IXUSR:
                fail("%s is not executable" % f)
        unit = open(at("systemdsystemunitdir", "rtcd.service")).read()
        if "ExecStart=%s/rtcd -c %s/rtcd/rtcd.conf" % (v["sbindir"], v["sysconfdir"]) not in unit or \
                "ExecReload=%s/rtcctl " % v["bindir"] not in unit or "@" + "sbindir@" in unit:
            fail("unit paths not substituted:\n%s" % unit)
        for page in ("man8/rtcd.8", "man8/rtcctl.8", "man5/rtcd.conf.5"):
            p = subprocess.run(["man", "--warnings=all", "-l", at("mandir", page)], capture_output=True,
                               text=True, timeout=30, env=dict(MAKE_ENV, LC_ALL="C.UTF-8", MANWIDTH="80"))
            if p.returncode != 0 or p.stderr.strip() or "SEE ALSO" not in p.stdout:
                fail("man %s: %s" % (page, p.stderr))
        rtcd = at("sbindir", "rtcd")
        p = subprocess.run([rtcd, "-c", at("sysconfdir", "rtcd", "rtcd.conf"), "--check-config"],
                           capture_output=True, text=True, timeout=10)
        if p.returncode != 0 or '"run_dir": "/run/rtcd"' not in p.stdout:
            fail("installed config does not check: %s" % p.stderr)
        with Daemon(rtcd=rtcd) as d:
            if "worker binary %s" % at("libexecdir", "rtcd-worker") not in d.log() or \
                    "web demo %s" % at("pkgdatadir", "web-demo") not in d.log():
                fail("the installed rtcd did not use the installed worker/web demo:\n%s" % d.log())
            p = subprocess.run([at("bindir", "rtcctl"), "--socket", d.control_path, "status"],
                               capture_output=True, text=True, timeout=10)
            if p.returncode != 0 or "workers" not in p.stdout:
                fail("installed rtcctl status: %r" % p.stderr)
            c = StunClient(d.udp[0])
            expect_success(c.check(), c)
            st, ct, body = get(d.http, "/")
            st2, ct2, body2 = get(d.http, "/dist/p2p.js")
            if st != 200 or b"<html" not in body.lower() or st2 != 200 or \
                    not ct2.startswith("text/javascript") or len(body2) < 10000:
                fail("installed web demo: %d %d %s" % (st, st2, ct2))
            d.stop()
        log("installed %d files under %s" % (len(files_under(dest)), dest))
        # an operator's edited config survives uninstall; everything else goes
        with open(at("sysconfdir", "rtcd", "rtcd.conf"), "a") as f:
            f.write("\n")
        make("uninstall", dest)
        left = files_under(dest)
        if left != [os.path.relpath(at("sysconfdir", "rtcd", "rtcd.conf"), dest)]:
            fail("uninstall left %r" % left)
    finally:
        shutil.rmtree(dest, ignore_errors=True)


if __name__ == "__main__":
    main([test_install_run_uninstall])
