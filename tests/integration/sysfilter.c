/* sysfilter: apply a system call allowlist the way systemd applies a unit's
 * SystemCallFilter= (allowlist, every other call fails with the errno of
 * SystemCallErrorNumber=), then exec a command. test_systemd.py uses it to
 * run rtcd under the filter of etc/rtcd.service where systemd itself is not
 * the init system:
 *   sysfilter ERRNO NAME... -- COMMAND [ARGS]
 * no_new_privs must already be set (setpriv --no-new-privs). Names this
 * architecture does not know are skipped, as systemd does. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <seccomp.h>

/* What systemd.exec(5) allows implicitly with any allowlist. */
static const char *implicit[] = { "execve", "exit", "exit_group", "getrlimit", "rt_sigreturn",
	"sigreturn", "clock_gettime", "clock_getres", "clock_nanosleep", "gettimeofday", "nanosleep",
	"time" };

static int
allow(scmp_filter_ctx ctx, const char *name)
{
	int nr = seccomp_syscall_resolve_name(name);

	if (nr == __NR_SCMP_ERROR)
		return 0;
	return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0) < 0 ? -1 : 0;
}

int
main(int argc, char **argv)
{
	scmp_filter_ctx ctx;
	int i, err;

	if (argc < 4 || (err = atoi(argv[1])) <= 0) {
		fprintf(stderr, "usage: sysfilter ERRNO NAME... -- COMMAND [ARGS]\n");
		return 2;
	}
	ctx = seccomp_init(SCMP_ACT_ERRNO((unsigned)err));
	if (ctx == NULL)
		return 1;
	for (i = 0; i < (int)(sizeof(implicit) / sizeof(implicit[0])); i++)
		if (allow(ctx, implicit[i]) < 0)
			return 1;
	for (i = 2; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (allow(ctx, argv[i]) < 0) {
			fprintf(stderr, "sysfilter: cannot allow %s\n", argv[i]);
			return 1;
		}
	if (i + 1 >= argc) {
		fprintf(stderr, "sysfilter: no command after --\n");
		return 2;
	}
	if (seccomp_load(ctx) < 0) {
		fprintf(stderr, "sysfilter: cannot load the filter (no_new_privs not set?)\n");
		return 1;
	}
	seccomp_release(ctx);
	execv(argv[i + 1], argv + i + 1);
	fprintf(stderr, "sysfilter: exec %s: %s\n", argv[i + 1], strerror(errno));
	return 127;
}
