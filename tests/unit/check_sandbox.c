/* check_sandbox: a forked child enters the worker sandbox: forbidden system
 * calls kill it with SIGSYS, file probes get EACCES, executable memory is
 * refused, ordinary work goes on, and (as root) ids and caps are dropped. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "worker/sandbox.h"
#include "testutil.h"

enum probe { P_ALLOWED, P_PTRACE, P_SOCKET, P_OPEN, P_EXEC_MMAP, P_FORK, P_IDS, P_WRITE_FILE,
	P_EXEC, P_BIG_ALLOC };

static int
run_child(enum probe what)
{
	int sv[2], status;
	pid_t pid;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct sandbox_cfg cfg = { 65534, 65534, "/var/empty", sv[1], 0, 64 };
		char err[256], skipped[128];
		if (dup2(sv[1], 3) < 0)
			_exit(90);
		cfg.chan_fd = 3;
		if (access("/var/empty", F_OK) < 0)
			cfg.chroot_dir = "/";
		if (sandbox_enter(&cfg, err, sizeof(err), skipped, sizeof(skipped)) < 0)
			_exit(91);
		switch (what) {
		case P_ALLOWED: {
			char b = 'x';
			void *m = malloc(1 << 20);   /* mmap path */
			_exit(m && getpid() > 0 && send(3, &b, 1, 0) == 1 ? 0 : 1);
		}
		case P_PTRACE:
			(void)syscall(SYS_ptrace, 0, 0, 0, 0);
			_exit(0);
		case P_SOCKET:   /* refused politely: no network access at all */
			_exit(socket(AF_INET, SOCK_DGRAM, 0) < 0 && errno == EACCES ? 0 : 1);
		case P_EXEC: {
			char *argv[] = { "/bin/true", NULL };
			execve("/bin/true", argv, argv + 1);
			_exit(0);
		}
		case P_OPEN:
			_exit(open("/etc/passwd", O_RDONLY) < 0 && errno == EACCES ? 0 : 1);
		case P_EXEC_MMAP:
			(void)mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			_exit(0);
		case P_FORK:
			(void)fork();
			_exit(0);
		case P_BIG_ALLOC: {   /* over the 64 MiB address-space limit: refused */
			void *big = malloc(200u << 20);
			_exit(big == NULL ? 0 : 1);
		}
		case P_IDS: {
			/* Tell the parent we are in, wait for it to inspect us. */
			char b = 'r';
			if (send(3, &b, 1, 0) != 1 || recv(3, &b, 1, 0) != 1)
				_exit(1);
			_exit(0);
		}
		case P_WRITE_FILE:
			if (write(5, "x", 1) < 0)   /* only fd 2 may be written */
				_exit(0);
			_exit(0);
		}
		_exit(99);
	}
	close(sv[1]);
	if (what == P_IDS) {
		char b, path[64], line[256];
		int seen = 0;
		FILE *f;
		ck_assert_int_eq(recv(sv[0], &b, 1, 0), 1);
		snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
		f = fopen(path, "r");
		ck_assert_ptr_nonnull(f);
		while (fgets(line, sizeof(line), f)) {
			if (strncmp(line, "Uid:", 4) == 0)
				seen += strcmp(line, "Uid:\t65534\t65534\t65534\t65534\n") == 0;
			if (strncmp(line, "NoNewPrivs:", 11) == 0)
				seen += strcmp(line, "NoNewPrivs:\t1\n") == 0;
			if (strncmp(line, "Seccomp:", 8) == 0)
				seen += strcmp(line, "Seccomp:\t2\n") == 0;
			if (strncmp(line, "CapEff:", 7) == 0)
				seen += strcmp(line, "CapEff:\t0000000000000000\n") == 0;
		}
		fclose(f);
		ck_assert_int_eq(seen, 4);
		ck_assert_int_eq(send(sv[0], &b, 1, 0), 1);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	close(sv[0]);
	return status;
}

START_TEST(allowed_work_continues)
{
	int st = run_child(P_ALLOWED);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d", st);
	st = run_child(P_OPEN);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "open was not refused with EACCES");
	st = run_child(P_SOCKET);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "socket was not refused with EACCES");
#ifndef RTCD_SANITIZERS
	st = run_child(P_BIG_ALLOC);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "a 200 MiB allocation passed a 64 MiB limit");
#endif
}
END_TEST

START_TEST(forbidden_calls_kill)
{
	enum probe p[] = { P_PTRACE, P_EXEC_MMAP, P_FORK, P_WRITE_FILE, P_EXEC };

	for (size_t i = 0; i < sizeof(p) / sizeof(p[0]); i++) {
		int st = run_child(p[i]);
		ck_assert_msg(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS, "probe %d: status %d", p[i], st);
	}
}
END_TEST

START_TEST(ids_dropped_as_root)
{
	int st;

	if (geteuid() != 0)
		return;   /* the id drop needs root; the rest of the suite does not */
	st = run_child(P_IDS);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d", st);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("sandbox");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, allowed_work_continues);
	tcase_add_test(tc, forbidden_calls_kill);
	tcase_add_test(tc, ids_dropped_as_root);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
