/* listener: the supervisor's UDP sockets. Batched receive (recvmmsg) with the
 * local address from IP_PKTINFO/IPV6_PKTINFO, batched send (sendmmsg) from
 * the right local address, and the ICMP error queue (IP_RECVERR/IPV6_RECVERR):
 * every per-peer error is attributed to its remote and never stops the
 * listener (the rust-libp2p #3574 failure, see docs/architecture.md). */
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <time.h>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "sup.h"

#define RX_BATCH 32
#define RX_ROUNDS 16          /* batches per wakeup before yielding to the loop */
#define TX_BATCH 64
#define SOCK_BUF (4 * 1024 * 1024)

struct txq {
	int n;
	struct mmsghdr mm[TX_BATCH];
	struct iovec iov[TX_BATCH];
	struct sockaddr_storage to[TX_BATCH];
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct cmsghdr align;
	} ctl[TX_BATCH];
	uint8_t data[TX_BATCH][WIRE_MAX_DGRAM];
};

static struct txq *txqs[SUP_MAX_LISTENERS];

static void on_read(evutil_socket_t fd, short what, void *arg);

static int
is_transient(int e)
{
	switch (e) {
	case ECONNREFUSED: case ECONNRESET: case EHOSTUNREACH: case ENETUNREACH:
	case EHOSTDOWN: case ENETDOWN: case ETIMEDOUT: case EPROTO: case ENOBUFS:
	case ENOMEM: case EMSGSIZE: case EPERM: case EACCES: case ENOPROTOOPT:
		return 1;
	default:
		return 0;
	}
}

static int
open_socket(const struct addr *want, struct addr *bound)
{
	struct sockaddr_storage ss;
	socklen_t sl = addr_to_sockaddr(want, &ss);
	int fd, on = 1, sz = SOCK_BUF;
	int v6 = want->family == AF_INET6;

	fd = socket(want->family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	/* Larger buffers absorb bursts; FORCE works as root, plain as fallback. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	if ((v6 && (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) < 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof(on)) < 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVERR, &on, sizeof(on)) < 0)) ||
	    (!v6 && (setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof(on)) < 0 ||
	    setsockopt(fd, IPPROTO_IP, IP_RECVERR, &on, sizeof(on)) < 0)) ||
	    bind(fd, (struct sockaddr *)&ss, sl) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	sl = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0 ||
	    addr_from_sockaddr(bound, (struct sockaddr *)&ss, sl) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static int
listener_start(struct sup *s, int i, const struct addr *want)
{
	struct listener *l = &s->listeners[i];
	char buf[ADDR_STRLEN];

	l->index = i;
	l->fd = open_socket(want, &l->bound);
	if (l->fd < 0) {
		log_error("udp: cannot listen on %s: %s", addr_format(want, buf, sizeof(buf)),
		    strerror(errno));
		return -1;
	}
	l->wildcard = addr_is_any(&l->bound);
	l->ev = event_new(s->base, l->fd, EV_READ | EV_PERSIST, on_read, s);
	if (l->ev == NULL || event_add(l->ev, NULL) < 0) {
		log_error("udp: event setup failed");
		return -1;
	}
	return 0;
}

int
listener_open_all(struct sup *s)
{
	char buf[ADDR_STRLEN];

	for (int i = 0; i < s->cfg.nudp; i++) {
		txqs[i] = calloc(1, sizeof(struct txq));
		if (txqs[i] == NULL || listener_start(s, i, &s->cfg.udp[i]) < 0)
			return -1;
		s->nlisteners = i + 1;
		log_info("listening on udp %s", addr_format(&s->listeners[i].bound, buf, sizeof(buf)));
	}
	return 0;
}

void
listener_close_all(struct sup *s)
{
	for (int i = 0; i < s->nlisteners; i++) {
		struct listener *l = &s->listeners[i];
		if (l->ev)
			event_free(l->ev);
		if (l->fd >= 0)
			close(l->fd);
		l->ev = NULL;
		l->fd = -1;
		free(txqs[i]);
		txqs[i] = NULL;
	}
	s->nlisteners = 0;
}

/* A programming error (EBADF, EFAULT, ...) is the only thing that may stop a
 * listener: then we re-open it on the same address and say so loudly. */
static void
reopen(struct sup *s, struct listener *l, int err)
{
	char buf[ADDR_STRLEN];
	struct addr want = l->bound;

	s->c.listener_errors++;
	log_error("udp %s: unexpected socket error (%s); re-opening the listener",
	    addr_format(&want, buf, sizeof(buf)), strerror(err));
	event_free(l->ev);
	l->ev = NULL;
	close(l->fd);
	if (listener_start(s, l->index, &want) < 0) {
		log_error("udp %s: re-open failed; this listener is down", buf);
		return;
	}
	s->c.listener_reopens++;
}

static void
drain_errqueue(struct sup *s, struct listener *l)
{
	for (int k = 0; k < 64; k++) {
		struct sockaddr_storage from;
		union {
			char buf[512];
			struct cmsghdr align;
		} ctl;
		uint8_t data[64];
		struct iovec iov = { data, sizeof(data) };
		struct msghdr mh = {
			.msg_name = &from, .msg_namelen = sizeof(from),
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
		};
		struct addr remote;
		ssize_t n = recvmsg(l->fd, &mh, MSG_ERRQUEUE | MSG_DONTWAIT);

		if (n < 0)
			return;   /* EAGAIN: queue empty */
		if (addr_from_sockaddr(&remote, (struct sockaddr *)&from, mh.msg_namelen) < 0)
			continue;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
			if ((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_RECVERR) ||
			    (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_RECVERR)) {
				struct sock_extended_err ee;
				memcpy(&ee, CMSG_DATA(c), sizeof(ee));
				router_peer_error(s, l->index, &remote, (int)ee.ee_errno,
				    ee.ee_origin, ee.ee_type, ee.ee_code);
			}
		}
	}
}

static int
local_from_cmsg(struct msghdr *mh, const struct listener *l, struct addr *local)
{
	*local = l->bound;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;
			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			memcpy(local->ip, &pi.ipi_addr, 4);
			return 0;
		}
		if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;
			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			memcpy(local->ip, &pi.ipi6_addr, 16);
			return 0;
		}
	}
	return l->wildcard ? -1 : 0;
}

static void
on_read(evutil_socket_t fd, short what, void *arg)
{
	static uint8_t bufs[RX_BATCH][WIRE_MAX_DGRAM];
	static struct mmsghdr mm[RX_BATCH];
	static struct iovec iov[RX_BATCH];
	static struct sockaddr_storage from[RX_BATCH];
	static union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) + 64];
		struct cmsghdr align;
	} ctl[RX_BATCH];
	struct sup *s = arg;
	struct listener *l = NULL;

	for (int i = 0; i < s->nlisteners; i++)
		if (s->listeners[i].fd == fd)
			l = &s->listeners[i];
	if (l == NULL)
		return;
	for (int round = 0; round < RX_ROUNDS; round++) {
		int n;

		for (int i = 0; i < RX_BATCH; i++) {
			iov[i].iov_base = bufs[i];
			iov[i].iov_len = sizeof(bufs[i]);
			memset(&mm[i].msg_hdr, 0, sizeof(mm[i].msg_hdr));
			mm[i].msg_hdr.msg_name = &from[i];
			mm[i].msg_hdr.msg_namelen = sizeof(from[i]);
			mm[i].msg_hdr.msg_iov = &iov[i];
			mm[i].msg_hdr.msg_iovlen = 1;
			mm[i].msg_hdr.msg_control = ctl[i].buf;
			mm[i].msg_hdr.msg_controllen = sizeof(ctl[i].buf);
		}
		n = recvmmsg(l->fd, mm, RX_BATCH, MSG_DONTWAIT, NULL);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			if (errno == EINTR || is_transient(errno)) {
				/* A pending ICMP error surfaced as the socket error: it
				 * belongs to one peer, the queue tells us which. */
				drain_errqueue(s, l);
				continue;
			}
			reopen(s, l, errno);
			return;
		}
		for (int i = 0; i < n; i++) {
			struct tuple t;
			if (mm[i].msg_hdr.msg_flags & MSG_TRUNC) {
				s->c.dropped_truncated++;
				continue;
			}
			memset(&t, 0, sizeof(t));
			if (addr_from_sockaddr(&t.remote, (struct sockaddr *)&from[i],
			    mm[i].msg_hdr.msg_namelen) < 0 ||
			    local_from_cmsg(&mm[i].msg_hdr, l, &t.local) < 0) {
				s->c.dropped_unrouted++;
				continue;
			}
			s->c.dgrams_in++;
			s->c.bytes_in += mm[i].msg_len;
			router_input(s, l->index, &t, bufs[i], mm[i].msg_len);
		}
		router_flush(s);
		if (n < RX_BATCH)
			break;
	}
	drain_errqueue(s, l);
	(void)what;
}

void
listener_queue_send(struct sup *s, int li, const struct tuple *t, const uint8_t *p, size_t n)
{
	struct listener *l = &s->listeners[li];
	struct txq *q = txqs[li];
	struct msghdr *mh;
	int k;

	if (q == NULL || l->fd < 0 || n > WIRE_MAX_DGRAM) {
		s->c.dropped_send++;
		return;
	}
	if (q->n == TX_BATCH)
		listener_flush(s);
	k = q->n++;
	memcpy(q->data[k], p, n);
	q->iov[k].iov_base = q->data[k];
	q->iov[k].iov_len = n;
	mh = &q->mm[k].msg_hdr;
	memset(mh, 0, sizeof(*mh));
	mh->msg_name = &q->to[k];
	mh->msg_namelen = addr_to_sockaddr(&t->remote, &q->to[k]);
	mh->msg_iov = &q->iov[k];
	mh->msg_iovlen = 1;
	if (l->wildcard) {
		/* Reply from the exact local address the peer targeted (ICE
		 * requires symmetric responses, RFC 8445 §7.2.5.2.1). */
		struct cmsghdr *c;
		mh->msg_control = q->ctl[k].buf;
		if (t->local.family == AF_INET) {
			struct in_pktinfo pi;
			memset(&pi, 0, sizeof(pi));
			memcpy(&pi.ipi_spec_dst, t->local.ip, 4);
			mh->msg_controllen = CMSG_SPACE(sizeof(pi));
			c = CMSG_FIRSTHDR(mh);
			c->cmsg_level = IPPROTO_IP;
			c->cmsg_type = IP_PKTINFO;
			c->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		} else {
			struct in6_pktinfo pi;
			memset(&pi, 0, sizeof(pi));
			memcpy(&pi.ipi6_addr, t->local.ip, 16);
			mh->msg_controllen = CMSG_SPACE(sizeof(pi));
			c = CMSG_FIRSTHDR(mh);
			c->cmsg_level = IPPROTO_IPV6;
			c->cmsg_type = IPV6_PKTINFO;
			c->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		}
	}
}

static void
flush_one(struct sup *s, struct listener *l, struct txq *q)
{
	int i = 0, retried = -1;

	while (i < q->n) {
		int r = sendmmsg(l->fd, q->mm + i, (unsigned)(q->n - i), MSG_DONTWAIT);
		if (r > 0) {
			for (int k = i; k < i + r; k++) {
				s->c.dgrams_out++;
				s->c.bytes_out += q->iov[k].iov_len;
			}
			i += r;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			s->c.dropped_send += (uint64_t)(q->n - i);
			break;
		}
		/* With IP_RECVERR a pending ICMP error of *another* peer can fail
		 * this send once (the kernel reports sk_err on the next call).
		 * Drain the queue, retry the datagram once, then drop only it. */
		if (is_transient(errno) && retried != i) {
			drain_errqueue(s, l);
			retried = i;
			continue;
		}
		if (errno == EBADF || errno == ENOTSOCK || errno == EFAULT) {
			s->c.dropped_send += (uint64_t)(q->n - i);
			q->n = 0;
			reopen(s, l, errno);
			return;
		}
		s->c.dropped_send++;
		i++;
	}
	q->n = 0;
}

void
listener_flush(struct sup *s)
{
	for (int i = 0; i < s->nlisteners; i++)
		if (txqs[i] && txqs[i]->n > 0)
			flush_one(s, &s->listeners[i], txqs[i]);
}

/* ICE host candidates for the SDP answer: each listener's address, or for a
 * wildcard listener every configured address of that family (loopback and
 * link-local IPv6 excluded unless nothing else exists). */
int
listener_candidates(struct sup *s, struct addr *out, int max)
{
	struct ifaddrs *ifa = NULL, *i;
	int n = 0;

	for (int k = 0; k < s->nlisteners && n < max; k++) {
		const struct listener *l = &s->listeners[k];
		int before = n, pass;
		if (!l->wildcard) {
			out[n++] = l->bound;
			continue;
		}
		if (ifa == NULL && getifaddrs(&ifa) < 0)
			continue;
		for (pass = 0; pass < 2 && n == before; pass++) {
			for (i = ifa; i && n < max; i = i->ifa_next) {
				struct addr a;
				socklen_t sl;
				if (i->ifa_addr == NULL || !(i->ifa_flags & IFF_UP) ||
				    i->ifa_addr->sa_family != l->bound.family)
					continue;
				sl = i->ifa_addr->sa_family == AF_INET ? sizeof(struct sockaddr_in) :
				    sizeof(struct sockaddr_in6);
				if (addr_from_sockaddr(&a, i->ifa_addr, sl) < 0)
					continue;
				/* first pass: skip loopback and fe80::/10 */
				if (pass == 0 && ((i->ifa_flags & IFF_LOOPBACK) ||
				    (a.family == AF_INET6 && a.ip[0] == 0xfe && (a.ip[1] & 0xc0) == 0x80)))
					continue;
				if (a.family == AF_INET6 && a.ip[0] == 0xfe && (a.ip[1] & 0xc0) == 0x80)
					continue;   /* link-local needs a scope id: never a candidate */
				a.port = l->bound.port;
				out[n++] = a;
			}
		}
	}
	if (ifa)
		freeifaddrs(ifa);
	return n;
}
