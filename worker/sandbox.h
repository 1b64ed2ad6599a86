/* sandbox: the worker's self-confinement, entered after library init and
 * before the first byte from a peer or the supervisor is parsed:
 * chroot to an empty root-owned dir, drop groups/gid/uid to the worker user,
 * drop all capabilities, no_new_privs, not dumpable, rlimits (no core,
 * small NOFILE, NPROC 0), then a libseccomp allowlist applied to all
 * threads (TSYNC: usrsctp runs a thread even without its UDP threads) whose
 * default action kills the process. The only file with syscall lists. */
#ifndef RTCD_SANDBOX_H
#define RTCD_SANDBOX_H

#include <stddef.h>
#include <sys/types.h>

struct sandbox_cfg {
	uid_t uid;
	gid_t gid;
	const char *chroot_dir;     /* NULL: no chroot */
	int chan_fd;                /* the only socket the worker may use */
	int no_seccomp;             /* test-only (valgrind): everything but the filter */
	unsigned memory_mb;         /* RLIMIT_AS; 0 = none */
};

/* Close every fd >= 4 (inherited strays) before libraries open their own. */
void sandbox_close_stray_fds(void);
/* Returns 0, or -1 with err filled. Steps that need root are skipped (and
 * listed in *skipped) when not running as root. */
int sandbox_enter(const struct sandbox_cfg *cfg, char *err, size_t errlen,
    char *skipped, size_t skippedlen);

#endif
