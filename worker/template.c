/* template: the worker template's request loop (see template.h). The
 * template never sees a peer byte: its only input is the supervisor's
 * fixed-size SPAWN messages. It stays single-threaded (usrsctp, which starts
 * threads, is initialised by each worker after the fork), so fork() copies a
 * consistent process. */
#include "template.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/log.h"
#include "common/spawnmsg.h"

/* Receive one request and the fd that comes with it (-1 if none). Returns
 * the byte count, 0 on EOF, -1 on error. */
static ssize_t
recv_request(int chan, uint8_t *buf, size_t cap, int *fd)
{
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int) * 4)];
	} cb;
	struct iovec iov = { buf, cap };
	struct msghdr mh = { 0 };
	struct cmsghdr *c;
	ssize_t n;

	*fd = -1;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cb.b;
	mh.msg_controllen = sizeof(cb.b);
	do
		n = recvmsg(chan, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	for (c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		/* Keep the first fd, close any others. */
		for (size_t i = 0; i < (c->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++) {
			int f;
			memcpy(&f, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (*fd < 0)
				*fd = f;
			else
				close(f);
		}
	}
	if (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC))
		return (ssize_t)cap + 1;   /* refused by the length check */
	return n;
}

static int
reply(int chan, uint8_t type, uint32_t serial, uint32_t value)
{
	struct spawnmsg m = { type, 0, serial, value };
	uint8_t out[SPAWNMSG_LEN];
	ssize_t n;

	spawnmsg_encode(&m, out);
	do
		n = send(chan, out, sizeof(out), MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)sizeof(out) ? 0 : -1;
}

/* fork() whose child has the supervisor as its parent. Raw clone: the child
 * runs on a copy of this stack like after fork(); glibc keeps no pid cache
 * and OpenSSL's random generators reseed when they see a new pid. */
static pid_t
fork_as_sibling(void)
{
	return (pid_t)syscall(SYS_clone, (unsigned long)(CLONE_PARENT | SIGCHLD), 0UL, 0UL, 0UL, 0UL);
}

/* In the new worker: its channel becomes chan_fd (replacing the
 * template's), it gets its own session and dies with the supervisor. */
static int
become_worker(int chan_fd, int fd, pid_t supervisor)
{
	if (dup2(fd, chan_fd) < 0)
		return -1;
	close(fd);
	(void)setsid();
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != supervisor)
		return -1;
	return 0;
}

int
template_serve(int chan_fd, struct template_child *out)
{
	pid_t supervisor = getppid();
	uint8_t buf[SPAWNMSG_LEN + 1];
	struct spawnmsg m;

	for (;;) {
		int fd;
		ssize_t n = recv_request(chan_fd, buf, sizeof(buf), &fd);
		pid_t pid;

		if (n <= 0) {
			if (fd >= 0)
				close(fd);
			return n == 0 ? 0 : -1;
		}
		if (spawnmsg_decode(buf, (size_t)n, &m) < 0 || m.type != SPAWNMSG_SPAWN || fd < 0) {
			/* Only the supervisor writes here: a malformed request is a bug
			 * there; refuse it loudly and go on. */
			log_error("template: malformed spawn request (%zd bytes, fd %d)", n, fd);
			if (fd >= 0)
				close(fd);
			if (reply(chan_fd, SPAWNMSG_FAILED, n == SPAWNMSG_LEN ? m.serial : 0, EINVAL) < 0)
				return -1;
			continue;
		}
		pid = fork_as_sibling();
		if (pid == 0) {
			if (become_worker(chan_fd, fd, supervisor) < 0)
				_exit(126);
			out->log_level = m.log_level;
			out->memory_mb = m.value;
			return 1;
		}
		close(fd);
		if (pid < 0) {
			int e = errno;
			log_error("template: clone: %s", strerror(e));
			if (reply(chan_fd, SPAWNMSG_FAILED, m.serial, (uint32_t)e) < 0)
				return -1;
			continue;
		}
		if (reply(chan_fd, SPAWNMSG_SPAWNED, m.serial, (uint32_t)pid) < 0)
			return -1;
	}
}
