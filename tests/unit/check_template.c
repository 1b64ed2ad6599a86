/* check_template: the supervisor <-> worker template messages (round trip,
 * every truncation, bad magic/type/reserved rejected) and the template's
 * request loop run for real in a forked process: a SPAWN with a channel
 * yields a worker that is a child of the *requester* (CLONE_PARENT), holds
 * the passed channel on the template's fd number and carries the request's
 * parameters; malformed requests are refused with FAILED/EINVAL and the loop
 * goes on; EOF retires the template with status 0. */
#include <errno.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/spawnmsg.h"
#include "worker/template.h"
#include "testutil.h"

START_TEST(codec_round_trip_and_rejects)
{
	struct spawnmsg m = { SPAWNMSG_SPAWNED, 3, 0xdeadbeef, 12345 }, d;
	uint8_t b[SPAWNMSG_LEN + 1];

	spawnmsg_encode(&m, b);
	ck_assert_int_eq(spawnmsg_decode(b, SPAWNMSG_LEN, &d), 0);
	ck_assert_uint_eq(d.type, SPAWNMSG_SPAWNED);
	ck_assert_uint_eq(d.log_level, 3);
	ck_assert_uint_eq(d.serial, 0xdeadbeef);
	ck_assert_uint_eq(d.value, 12345);
	for (size_t n = 0; n <= SPAWNMSG_LEN + 1; n++)
		if (n != SPAWNMSG_LEN)
			ck_assert_int_eq(spawnmsg_decode(b, n, &d), -1);
	b[0] ^= 1;                                   /* magic */
	ck_assert_int_eq(spawnmsg_decode(b, SPAWNMSG_LEN, &d), -1);
	b[0] ^= 1;
	b[SPAWNMSG_LEN - 1] = 1;                     /* reserved */
	ck_assert_int_eq(spawnmsg_decode(b, SPAWNMSG_LEN, &d), -1);
	b[SPAWNMSG_LEN - 1] = 0;
	for (int t = 0; t < 256; t++) {
		b[2] = (uint8_t)t;
		ck_assert_int_eq(spawnmsg_decode(b, SPAWNMSG_LEN, &d),
		    t >= SPAWNMSG_SPAWN && t <= SPAWNMSG_FAILED ? 0 : -1);
	}
}
END_TEST

/* The template under test: serves on tmpl; each worker it makes reports
 * "<ppid> <log level> <memory>" on its channel and exits 7. */
static pid_t
start_template(int tmpl, int ours)
{
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct template_child tc;
		int r;

		close(ours);   /* or the template would never see EOF */
		r = template_serve(tmpl, &tc);
		if (r == 1) {
			char line[64];
			int n = snprintf(line, sizeof(line), "%d %d %u", (int)getppid(), tc.log_level,
			    tc.memory_mb);
			_exit(write(tmpl, line, (size_t)n) == n ? 7 : 8);
		}
		_exit(r == 0 ? 0 : 9);
	}
	return pid;
}

static void
send_request(int s, const struct spawnmsg *m, size_t len, int fd)
{
	uint8_t out[SPAWNMSG_LEN];
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int))];
	} cb;
	struct iovec iov = { out, len };
	struct msghdr mh = { 0 };

	spawnmsg_encode(m, out);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (fd >= 0) {
		struct cmsghdr *c;
		memset(&cb, 0, sizeof(cb));
		mh.msg_control = cb.b;
		mh.msg_controllen = sizeof(cb.b);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	ck_assert_int_eq(sendmsg(s, &mh, 0), (ssize_t)len);
}

static struct spawnmsg
read_answer(int s)
{
	uint8_t b[SPAWNMSG_LEN + 1];
	struct spawnmsg m;
	ssize_t n = recv(s, b, sizeof(b), 0);

	ck_assert_int_eq(spawnmsg_decode(b, (size_t)n, &m), 0);
	return m;
}

START_TEST(template_forks_siblings)
{
	int t[2], w[2], status;
	struct spawnmsg req = { SPAWNMSG_SPAWN, 2, 41, 64 }, a;
	char line[64] = "";
	pid_t tp, wp;
	ssize_t n;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, t), 0);
	tp = start_template(t[1], t[0]);
	close(t[1]);
	/* A request without a channel, then a short one: refused, loop goes on. */
	send_request(t[0], &req, SPAWNMSG_LEN, -1);
	a = read_answer(t[0]);
	ck_assert_uint_eq(a.type, SPAWNMSG_FAILED);
	ck_assert_uint_eq(a.value, EINVAL);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, w), 0);
	send_request(t[0], &req, SPAWNMSG_LEN - 1, w[1]);
	a = read_answer(t[0]);
	ck_assert_uint_eq(a.type, SPAWNMSG_FAILED);
	/* A good one: the worker is our child and talks on the passed channel. */
	send_request(t[0], &req, SPAWNMSG_LEN, w[1]);
	close(w[1]);
	a = read_answer(t[0]);
	ck_assert_uint_eq(a.type, SPAWNMSG_SPAWNED);
	ck_assert_uint_eq(a.serial, 41);
	wp = (pid_t)a.value;
	n = recv(w[0], line, sizeof(line) - 1, 0);
	ck_assert_int_gt(n, 0);
	line[n] = 0;
	{
		char want[64];
		snprintf(want, sizeof(want), "%d 2 64", (int)getpid());
		ck_assert_str_eq(line, want);
	}
	ck_assert_int_eq(waitpid(wp, &status, 0), wp);   /* ours to reap, not the template's */
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 7);
	/* EOF retires the template cleanly. */
	close(t[0]);
	ck_assert_int_eq(waitpid(tp, &status, 0), tp);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(w[0]);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("template");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, codec_round_trip_and_rejects);
	tcase_add_test(tc, template_forks_siblings);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
