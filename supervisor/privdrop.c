/* privdrop: what the supervisor keeps after binding its sockets.
 * Model (DESIGN.md §1, docs/architecture.md "Security model"): by default the
 * supervisor stays uid 0, like OpenSSH's monitor, but keeps only the
 * capabilities needed to spawn sandboxed workers: CAP_SETUID, CAP_SETGID,
 * CAP_SYS_CHROOT (workers chroot and drop to the worker user themselves),
 * CAP_KILL (workers run as another uid) and CAP_NET_BIND_SERVICE (to re-open a
 * privileged listener). Every other capability leaves the bounding set too.
 * With --user NAME it runs as that user and carries the same set as ambient
 * capabilities so the exec'd workers still can chroot and change ids. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cap-ng.h>

#include "common/log.h"
#include "sup.h"

static const int kept_caps[] = { CAP_SETUID, CAP_SETGID, CAP_SYS_CHROOT, CAP_KILL,
	CAP_NET_BIND_SERVICE };

int
privdrop_resolve_worker_user(struct sup *s, char *err, size_t errlen)
{
	struct passwd *pw;

	if (geteuid() != 0) {
		/* Unprivileged run (development): workers keep our uid. */
		s->worker_uid = geteuid();
		s->worker_gid = getegid();
		log_warn("not started as root: workers run as uid %u without chroot or id change; "
		    "run as root for the full sandbox", (unsigned)s->worker_uid);
		return 0;
	}
	pw = getpwnam(s->cfg.worker_user);
	if (pw == NULL) {
		snprintf(err, errlen,
		    "worker user '%s' does not exist: create it with "
		    "'systemd-sysusers etc/rtcd.sysusers' or "
		    "'useradd --system --no-create-home --shell /usr/sbin/nologin %s' "
		    "(scripts/install-deps.sh does this), or choose another with --worker-user",
		    s->cfg.worker_user, s->cfg.worker_user);
		return -1;
	}
	if (pw->pw_uid == 0) {
		snprintf(err, errlen, "worker user '%s' is root: workers never run as root",
		    s->cfg.worker_user);
		return -1;
	}
	s->worker_uid = pw->pw_uid;
	s->worker_gid = pw->pw_gid;
	return 0;
}

/* The chroot must be an empty directory that only root can change (the
 * check OpenBSD's ntpd makes before it chroots). Created if missing. */
int
privdrop_prepare_chroot(struct sup *s, char *err, size_t errlen)
{
	const char *dir = s->cfg.chroot_dir;
	struct stat st;

	if (geteuid() != 0)
		return 0;
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "chroot_dir %s: cannot create: %s", dir, strerror(errno));
		return -1;
	}
	if (lstat(dir, &st) < 0) {
		snprintf(err, errlen, "chroot_dir %s: %s", dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode) || st.st_uid != 0 || (st.st_mode & 022)) {
		snprintf(err, errlen, "chroot_dir %s must be a directory owned by root and not "
		    "writable by group or others", dir);
		return -1;
	}
	if (st.st_nlink > 2) {
		snprintf(err, errlen, "chroot_dir %s must be empty", dir);
		return -1;
	}
	return 0;
}

static int
keep_caps(int types)
{
	for (size_t i = 0; i < sizeof(kept_caps) / sizeof(kept_caps[0]); i++)
		if (capng_update(CAPNG_ADD, types, (unsigned)kept_caps[i]) < 0)
			return -1;
	return 0;
}

/* Did a parent (systemd's CapabilityBoundingSet=) already shrink the
 * bounding set to what rtcd keeps? Then nothing is left to drop, and
 * dropping would need CAP_SETPCAP, which such a parent took away. */
static int
bounding_already_reduced(void)
{
	for (int c = 0; c < 64; c++) {
		int keep = 0;
		for (size_t i = 0; i < sizeof(kept_caps) / sizeof(kept_caps[0]); i++)
			keep |= kept_caps[i] == c;
		if (!keep && prctl(PR_CAPBSET_READ, (unsigned long)c, 0, 0, 0) > 0)
			return 0;
	}
	return 1;
}

int
privdrop_supervisor(struct sup *s, char *err, size_t errlen)
{
	struct passwd *pw;

	if (geteuid() != 0)
		return 0;
	if (s->cfg.user[0] == '\0') {
		capng_clear(CAPNG_SELECT_BOTH);
		if (keep_caps(CAPNG_EFFECTIVE | CAPNG_PERMITTED | CAPNG_BOUNDING_SET) < 0 ||
		    capng_apply(CAPNG_SELECT_BOTH) < 0) {
			snprintf(err, errlen, "cannot reduce capabilities (libcap-ng)");
			return -1;
		}
		log_info("privileges: uid 0 with capabilities setuid, setgid, sys_chroot, kill, "
		    "net_bind_service only");
		return 0;
	}
	pw = getpwnam(s->cfg.user);
	if (pw == NULL || pw->pw_uid == 0) {
		snprintf(err, errlen, "user '%s' does not exist or is root", s->cfg.user);
		return -1;
	}
	if (pw->pw_uid == s->worker_uid) {
		snprintf(err, errlen, "--user and --worker-user must differ, so workers cannot "
		    "signal or trace the supervisor");
		return -1;
	}
	capng_clear(CAPNG_SELECT_ALL);
	if (keep_caps(CAPNG_EFFECTIVE | CAPNG_PERMITTED | CAPNG_INHERITABLE | CAPNG_BOUNDING_SET) < 0 ||
	    capng_change_id((int)pw->pw_uid, (int)pw->pw_gid, CAPNG_DROP_SUPP_GRP |
	    (bounding_already_reduced() ? 0 : CAPNG_CLEAR_BOUNDING)) < 0) {
		snprintf(err, errlen, "cannot switch to user '%s' keeping capabilities", s->cfg.user);
		return -1;
	}
	/* Ambient: so that rtcd-worker, exec'd by a non-root process, still
	 * holds what it needs to chroot and drop to the worker user. */
	for (size_t i = 0; i < sizeof(kept_caps) / sizeof(kept_caps[0]); i++) {
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, (unsigned long)kept_caps[i], 0, 0) < 0) {
			snprintf(err, errlen, "cannot raise ambient capabilities: %s", strerror(errno));
			return -1;
		}
	}
	log_info("privileges: running as %s with ambient capabilities setuid, setgid, "
	    "sys_chroot, kill, net_bind_service", s->cfg.user);
	return 0;
}
