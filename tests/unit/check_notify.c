/* check_notify: the sd_notify datagram protocol against real sockets: path
 * and abstract (@) addresses with their exact lengths, bad values refused,
 * the variable removed from the environment, READY/RELOADING (with a
 * current MONOTONIC_USEC)/STOPPING/STATUS datagrams as systemd reads them,
 * STATUS not repeated when unchanged, and nothing sent without NOTIFY_SOCKET. */
#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "supervisor/notify.h"
#include "testutil.h"

static int
listen_dgram(const char *value)
{
	struct sockaddr_un sun;
	socklen_t len;
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(notify_parse_addr(value, &sun, &len), 0);
	if (value[0] == '/')
		unlink(value);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sun, len), 0);
	return fd;
}

/* Next datagram as a string, "" when none arrives within 200 ms. */
static const char *
next(int fd)
{
	static char buf[NOTIFY_MAX_MSG + 1];
	struct timeval tv = { 0, 200000 };
	ssize_t n;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	n = recv(fd, buf, sizeof(buf) - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

START_TEST(parse_addresses)
{
	struct sockaddr_un sun;
	socklen_t len;
	char longpath[sizeof(sun.sun_path) + 8];

	ck_assert_int_eq(notify_parse_addr("/run/systemd/notify", &sun, &len), 0);
	ck_assert_str_eq(sun.sun_path, "/run/systemd/notify");
	ck_assert_uint_eq(len, offsetof(struct sockaddr_un, sun_path) + 20);
	ck_assert_int_eq(notify_parse_addr("@abc", &sun, &len), 0);
	ck_assert_int_eq(sun.sun_path[0], '\0');
	ck_assert_int_eq(memcmp(sun.sun_path + 1, "abc", 3), 0);
	ck_assert_uint_eq(len, offsetof(struct sockaddr_un, sun_path) + 4);
	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[0] = '/';
	longpath[sizeof(longpath) - 1] = '\0';
	ck_assert_int_eq(notify_parse_addr(longpath, &sun, &len), -1);
	ck_assert_int_eq(notify_parse_addr("relative/sock", &sun, &len), -1);
	ck_assert_int_eq(notify_parse_addr("", &sun, &len), -1);
	ck_assert_int_eq(notify_parse_addr("@", &sun, &len), -1);
	ck_assert_int_eq(notify_parse_addr(NULL, &sun, &len), -1);
}
END_TEST

static void
protocol(const char *value)
{
	int fd = listen_dgram(value);
	const char *m;
	unsigned long long usec;

	setenv("NOTIFY_SOCKET", value, 1);
	ck_assert_int_eq(notify_open(), 0);
	ck_assert_ptr_null(getenv("NOTIFY_SOCKET"));
	ck_assert(notify_enabled());
	notify_ready("serving: 0 connection(s)");
	ck_assert_str_eq(next(fd), "READY=1\nSTATUS=serving: 0 connection(s)");
	notify_status("serving: 0 connection(s)");     /* unchanged: not sent */
	notify_status("serving: 1 connection(s)");
	ck_assert_str_eq(next(fd), "STATUS=serving: 1 connection(s)");
	notify_reloading();
	m = next(fd);
	ck_assert_msg(sscanf(m, "RELOADING=1\nMONOTONIC_USEC=%llu\n", &usec) == 1, "%s", m);
	ck_assert(usec <= now_us() && usec + 5000000 > now_us());
	notify_stopping("stopping");
	ck_assert_str_eq(next(fd), "STOPPING=1\nSTATUS=stopping");
	notify_close();
	ck_assert(!notify_enabled());
	close(fd);
	if (value[0] == '/')
		unlink(value);
}

START_TEST(path_socket)
{
	char path[] = "/tmp/rtcd-notify-XXXXXX";
	int tfd = mkstemp(path);

	ck_assert_int_ge(tfd, 0);
	close(tfd);
	protocol(path);
}
END_TEST

START_TEST(abstract_socket)
{
	char name[64];

	snprintf(name, sizeof(name), "@rtcd-check-notify-%d", (int)getpid());
	protocol(name);
}
END_TEST

START_TEST(absent_or_unusable)
{
	unsetenv("NOTIFY_SOCKET");
	ck_assert_int_eq(notify_open(), 0);
	ck_assert(!notify_enabled());
	notify_ready("x");   /* no-op */
	ck_assert_int_eq(notify_send("READY=1"), 0);
	setenv("NOTIFY_SOCKET", "not-absolute", 1);
	ck_assert_int_eq(notify_open(), -1);
	ck_assert_ptr_null(getenv("NOTIFY_SOCKET"));
	setenv("NOTIFY_SOCKET", "/nonexistent/notify.sock", 1);
	ck_assert_int_eq(notify_open(), -1);
	ck_assert(!notify_enabled());
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("notify");
	TCase *tc = tcase_create("core");

	log_init("test", LOG_LVL_ERROR);
	tcase_add_test(tc, parse_addresses);
	tcase_add_test(tc, path_socket);
	tcase_add_test(tc, abstract_socket);
	tcase_add_test(tc, absent_or_unusable);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
