/* sandbox: chroot, id drop, capabilities, prctl, rlimits and the seccomp
 * allowlist for rtcd-worker (order as in OpenSSH's privsep child). */
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/prctl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <cap-ng.h>
#include <seccomp.h>

void
sandbox_close_stray_fds(void)
{
	if (syscall(SYS_close_range, 4U, ~0U, 0U) < 0)
		for (int fd = 4; fd < 1024; fd++)
			close(fd);
}

static int
highest_fd(void)
{
	int hi = 3;

	for (int fd = 4; fd < 256; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			hi = fd;
	return hi;
}

#define RULE(action, name, ...) \
	do { \
		if (seccomp_rule_add(ctx, action, SCMP_SYS(name), __VA_ARGS__) < 0) \
			goto fail; \
	} while (0)

static int
load_seccomp(int chan_fd)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	const uint32_t allow = SCMP_ACT_ALLOW, eacces = SCMP_ACT_ERRNO(EACCES);
	static const int plain[] = {
		SCMP_SYS(epoll_wait), SCMP_SYS(epoll_pwait), SCMP_SYS(epoll_ctl),
		SCMP_SYS(clock_gettime), SCMP_SYS(clock_getres), SCMP_SYS(gettimeofday),
		SCMP_SYS(nanosleep), SCMP_SYS(clock_nanosleep), SCMP_SYS(sched_yield),
		SCMP_SYS(futex), SCMP_SYS(brk), SCMP_SYS(munmap), SCMP_SYS(mremap),
		SCMP_SYS(madvise), SCMP_SYS(getrandom), SCMP_SYS(getpid), SCMP_SYS(gettid),
		SCMP_SYS(rt_sigprocmask), SCMP_SYS(rt_sigreturn), SCMP_SYS(restart_syscall),
		SCMP_SYS(close), SCMP_SYS(exit), SCMP_SYS(exit_group), SCMP_SYS(getuid),
		SCMP_SYS(geteuid), SCMP_SYS(getgid), SCMP_SYS(getegid), SCMP_SYS(rseq),
		SCMP_SYS(set_robust_list), SCMP_SYS(fstat), SCMP_SYS(lseek), SCMP_SYS(sigaltstack),
	};
	static const int chan_only[] = {
		SCMP_SYS(recvmsg), SCMP_SYS(recvmmsg), SCMP_SYS(sendmsg), SCMP_SYS(sendmmsg),
		SCMP_SYS(sendto), SCMP_SYS(recvfrom),
	};
	static const int file_probes[] = {
		SCMP_SYS(open), SCMP_SYS(openat), SCMP_SYS(stat), SCMP_SYS(lstat),
		SCMP_SYS(newfstatat), SCMP_SYS(statx), SCMP_SYS(access), SCMP_SYS(faccessat),
		SCMP_SYS(readlink), SCMP_SYS(sysinfo),
		/* usrsctp probes interface MTUs through glibc's if_indextoname(),
		 * which opens a socket: refused, it falls back to its default. */
		SCMP_SYS(socket),
	};

	if (ctx == NULL)
		return -1;
	/* usrsctp's iterator thread exists already: filter it too. */
	if (seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1) < 0)
		goto fail;
	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
		if (seccomp_rule_add(ctx, allow, plain[i], 0) < 0)
			goto fail;
	for (size_t i = 0; i < sizeof(chan_only) / sizeof(chan_only[0]); i++)
		if (seccomp_rule_add(ctx, allow, chan_only[i], 1, SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)chan_fd)) < 0)
			goto fail;
	/* Libraries that probe files get a polite EACCES, not a kill. */
	for (size_t i = 0; i < sizeof(file_probes) / sizeof(file_probes[0]); i++)
		if (seccomp_rule_add(ctx, eacces, file_probes[i], 0) < 0)
			goto fail;
	RULE(allow, write, 1, SCMP_A0(SCMP_CMP_EQ, 2));
	RULE(allow, writev, 1, SCMP_A0(SCMP_CMP_EQ, 2));
	/* Memory, but never executable (W^X). */
	RULE(allow, mmap, 1, SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	RULE(allow, mprotect, 1, SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	/* abort()/raise() signal the process itself, nobody else. */
	RULE(allow, tgkill, 1, SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)getpid()));
	RULE(allow, kill, 1, SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)getpid()));
	/* glibc falls back from clone3 to clone; both stay forbidden below via
	 * the default action, but clone3 answers ENOSYS so a probe is harmless. */
	RULE(SCMP_ACT_ERRNO(ENOSYS), clone3, 0);
	if (seccomp_load(ctx) < 0)
		goto fail;
	seccomp_release(ctx);
	return 0;
fail:
	seccomp_release(ctx);
	return -1;
}

static int
set_limit(int res, rlim_t v)
{
	struct rlimit rl = { v, v };

	return setrlimit(res, &rl);
}

int
sandbox_enter(const struct sandbox_cfg *cfg, char *err, size_t errlen, char *skipped,
    size_t skippedlen)
{
	int root;

	capng_get_caps_process();
	root = geteuid() == 0 || (capng_have_capability(CAPNG_EFFECTIVE, CAP_SYS_CHROOT) &&
	    capng_have_capability(CAPNG_EFFECTIVE, CAP_SETUID));
	skipped[0] = '\0';
	if (root && cfg->chroot_dir) {
		if (chroot(cfg->chroot_dir) < 0 || chdir("/") < 0) {
			snprintf(err, errlen, "chroot %s: %s", cfg->chroot_dir, strerror(errno));
			return -1;
		}
	} else {
		snprintf(skipped + strlen(skipped), skippedlen - strlen(skipped), "chroot ");
	}
	if (root) {
		uid_t r, e, s;
		gid_t g = cfg->gid;
		if (cfg->uid == 0) {
			snprintf(err, errlen, "refusing to run a worker as root");
			return -1;
		}
		/* Under --user the worker starts as a non-root uid holding
		 * capabilities (ambient, from the supervisor). capset only
		 * reaches the calling thread, so usrsctp's iterator thread
		 * would keep them. Passing through uid 0 makes the kernel clear
		 * every thread's capabilities when glibc moves all threads to
		 * the worker uid just below. */
		if (getuid() != 0 && setresuid(0, 0, 0) < 0) {
			snprintf(err, errlen, "setresuid 0 (to shed capabilities): %s", strerror(errno));
			return -1;
		}
		if (setgroups(1, &g) < 0 || setresgid(g, g, g) < 0 || setresuid(cfg->uid, cfg->uid, cfg->uid) < 0) {
			snprintf(err, errlen, "dropping to uid %u gid %u: %s", (unsigned)cfg->uid,
			    (unsigned)cfg->gid, strerror(errno));
			return -1;
		}
		if (getresuid(&r, &e, &s) < 0 || r != cfg->uid || e != cfg->uid || s != cfg->uid) {
			snprintf(err, errlen, "uid drop did not stick");
			return -1;
		}
	} else {
		snprintf(skipped + strlen(skipped), skippedlen - strlen(skipped), "setuid ");
	}
	/* A non-root supervisor passes capabilities as ambient ones: shed all. */
	(void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	capng_clear(CAPNG_SELECT_CAPS);
	if (capng_apply(CAPNG_SELECT_CAPS) < 0) {
		snprintf(err, errlen, "cannot drop capabilities");
		return -1;
	}
	capng_get_caps_process();
	if (capng_have_capabilities(CAPNG_SELECT_CAPS) != CAPNG_NONE) {
		snprintf(err, errlen, "capabilities remain after the drop");
		return -1;
	}
	/* Checked last, once every capability is gone. glibc runs setuid in
	 * every thread and aborts if they disagree, so a thread still holding
	 * CAP_SETUID kills the worker here rather than going unnoticed. */
	if (root && setuid(0) == 0) {
		snprintf(err, errlen, "uid drop did not stick: setuid(0) succeeded");
		return -1;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) {
		snprintf(err, errlen, "prctl: %s", strerror(errno));
		return -1;
	}
	/* No RLIMIT_FSIZE 0: fd 2 may be a file (the supervisor's log) and the
	 * worker must be able to report there; seccomp already refuses every
	 * open, so no other file can be written. */
	if (set_limit(RLIMIT_CORE, 0) < 0 ||
	    /* valgrind (test wrapper) keeps fds of its own above ours */
	    (!cfg->no_seccomp && set_limit(RLIMIT_NOFILE, (rlim_t)highest_fd() + 1) < 0) ||
	    set_limit(RLIMIT_NPROC, 0) < 0) {
		snprintf(err, errlen, "setrlimit: %s", strerror(errno));
		return -1;
	}
#ifndef RTCD_SANITIZERS
	/* A backstop under the queues' own bounds: a peer that finds a way to
	 * make this worker grow kills only it. (Sanitizer builds reserve
	 * terabytes of address space for shadow memory: no limit there.) */
	if (cfg->memory_mb && !cfg->no_seccomp &&
	    set_limit(RLIMIT_AS, (rlim_t)cfg->memory_mb * 1024 * 1024) < 0) {
		snprintf(err, errlen, "setrlimit AS: %s", strerror(errno));
		return -1;
	}
#endif
	if (cfg->no_seccomp) {
		snprintf(skipped + strlen(skipped), skippedlen - strlen(skipped), "seccomp ");
		return 0;
	}
	if (load_seccomp(cfg->chan_fd) < 0) {
		snprintf(err, errlen, "seccomp filter could not be loaded");
		return -1;
	}
	return 0;
}
