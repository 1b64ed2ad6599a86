/* rc_set: runs many rtcclient connections in one poll() loop: one pollfd
 * per connection, the poll timeout from the earliest connection deadline
 * and usrsctp's global tick, then inputs, expired timers and the tick. */
#include "bench/rtcclient.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>

#include "common/util.h"

struct rc_set {
	struct rc_conn **conns;
	struct pollfd *pfd;
	size_t n, cap;
};

struct rc_set *
rc_set_new(size_t cap)
{
	struct rc_set *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->conns = calloc(cap ? cap : 1, sizeof(*s->conns));
	s->pfd = calloc(cap ? cap : 1, sizeof(*s->pfd));
	if (s->conns == NULL || s->pfd == NULL) {
		rc_set_free(s);
		return NULL;
	}
	s->cap = cap;
	return s;
}

void
rc_set_free(struct rc_set *s)
{
	if (s == NULL)
		return;
	free(s->conns);
	free(s->pfd);
	free(s);
}

int
rc_set_add(struct rc_set *s, struct rc_conn *c)
{
	if (s->n == s->cap)
		return -1;
	s->conns[s->n++] = c;
	return 0;
}

void
rc_set_del(struct rc_set *s, struct rc_conn *c)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->conns[i] == c) {
			s->conns[i] = s->conns[--s->n];
			return;
		}
}

size_t
rc_set_count(const struct rc_set *s)
{
	return s->n;
}

int
rc_set_run(struct rc_set *s, int max_wait_ms)
{
	uint64_t now = now_ms(), next = rc_global_deadline();
	size_t n = s->n;
	int timeout, r;

	/* Connections added or removed by callbacks below take part in the
	 * next round; this one works on a snapshot of the first n. */
	for (size_t i = 0; i < n; i++) {
		uint64_t t = rc_next_deadline(s->conns[i], now);
		if (t < next)
			next = t;
		s->pfd[i].fd = rc_fd(s->conns[i]);
		s->pfd[i].events = rc_poll_events(s->conns[i]);
		s->pfd[i].revents = 0;
	}
	timeout = max_wait_ms;
	if (next <= now)
		timeout = 0;
	else if (next - now < (uint64_t)timeout)
		timeout = (int)(next - now);
	r = poll(s->pfd, (nfds_t)n, timeout);
	if (r < 0 && errno != EINTR)
		return -1;
	now = now_ms();
	for (size_t i = 0; i < n && i < s->n && r > 0; i++)
		if (s->pfd[i].revents != 0 && s->pfd[i].fd == rc_fd(s->conns[i]))
			rc_input(s->conns[i], s->pfd[i].revents, now);
	now = now_ms();
	for (size_t i = 0; i < n && i < s->n; i++)
		if (rc_next_deadline(s->conns[i], now) <= now)
			rc_on_timer(s->conns[i], now);
	rc_global_tick(now_ms());
	return 0;
}
