/* udpdelay: a UDP relay that delays every datagram by a fixed time in each
 * direction, for round-trip-time benchmarks on a kernel without sch_netem.
 * It listens on LISTEN_IP at every port of PORT_LO-PORT_HI and relays what
 * comes to port P to UPSTREAM_IP:P (so a server whose per-connection port
 * is unknown in advance, like Janus, can be reached by rewriting only the
 * IP of its candidate). Each (client address, port) gets its own upstream
 * socket (bound to BIND_IP, port chosen by the kernel) connected to the
 * server, so the server sees one remote per client and its replies map
 * back to that client. Delay queues are FIFO rings (the delay is constant), bounded
 * (RING_SLOTS datagrams per direction; over that a datagram is dropped and
 * counted); batches of recvmmsg/sendmmsg. Single-threaded, poll()-driven,
 * exits after LIFE_S seconds or on SIGTERM/SIGINT, printing its counters.
 *   udpdelay LISTEN_IP PORT_LO-PORT_HI UPSTREAM_IP BIND_IP DELAY_MS LIFE_S */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/addr.h"
#include "common/util.h"

#define MAX_FLOWS 64                 /* client addresses; the oldest is replaced */
#define MAX_PORTS 128                /* listening ports */
#define RING_SLOTS 16384             /* datagrams queued per direction */
#define DGRAM_MAX 2048
#define BATCH 64
#define SOCK_BUF (4 * 1024 * 1024)

struct pkt {
	uint64_t due_us;
	int flow;                    /* index into flows */
	uint16_t len;
	uint8_t data[DGRAM_MAX];
};

struct ring {
	struct pkt *p;
	size_t head, n;
	unsigned long long in, out, dropped;
};

struct flow {
	struct sockaddr_storage client;
	socklen_t client_len;
	int port;                    /* index of the listening port */
	int fd;                      /* upstream socket, -1 when unused */
	uint64_t last_us;
};

static struct flow flows[MAX_FLOWS];
static struct ring up, down;         /* client -> server, server -> client */
static int listen_fd[MAX_PORTS], nports;
static struct addr listen_ip, upstream, bind_ip;
static uint64_t delay_us;
static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int
ring_init(struct ring *r)
{
	r->p = calloc(RING_SLOTS, sizeof(*r->p));
	return r->p == NULL ? -1 : 0;
}

static struct pkt *
ring_tail(struct ring *r)
{
	if (r->n == RING_SLOTS) {
		r->dropped++;
		return NULL;
	}
	return &r->p[(r->head + r->n) % RING_SLOTS];
}

static void
sock_bufs(int fd)
{
	int sz = SOCK_BUF;

	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
}

static int
open_upstream(int port)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	struct addr b = bind_ip, u = upstream;
	int fd = socket(upstream.family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	b.port = 0;
	sl = addr_to_sockaddr(&b, &ss);
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0)
		goto fail;
	u.port = (uint16_t)(upstream.port + port);
	sl = addr_to_sockaddr(&u, &ss);
	if (connect(fd, (struct sockaddr *)&ss, sl) < 0)
		goto fail;
	sock_bufs(fd);
	return fd;
fail:
	close(fd);
	return -1;
}

/* The flow of a client address; a new one takes a free slot or replaces
 * the least recently used. */
static int
flow_of(int port, const struct sockaddr_storage *ss, socklen_t sl, uint64_t now)
{
	int pick = -1;

	for (int i = 0; i < MAX_FLOWS; i++) {
		struct flow *f = &flows[i];
		if (f->fd >= 0 && f->port == port && f->client_len == sl &&
		    memcmp(&f->client, ss, sl) == 0) {
			f->last_us = now;
			return i;
		}
		if (pick < 0 || (flows[pick].fd >= 0 && (f->fd < 0 || f->last_us < flows[pick].last_us)))
			pick = i;
	}
	if (flows[pick].fd >= 0)
		close(flows[pick].fd);
	if ((flows[pick].fd = open_upstream(port)) < 0)
		return -1;
	flows[pick].port = port;
	memcpy(&flows[pick].client, ss, sl);
	flows[pick].client_len = sl;
	flows[pick].last_us = now;
	return pick;
}

/* Read a batch from fd into ring r: from the listening socket of port
 * index port (flow -1: look the client up), or from flow's upstream. */
static void
read_batch(int fd, struct ring *r, int port, int flow)
{
	static uint8_t buf[BATCH][DGRAM_MAX];
	struct sockaddr_storage from[BATCH];
	struct mmsghdr m[BATCH];
	struct iovec iov[BATCH];
	uint64_t now = now_us();
	int n;

	memset(m, 0, sizeof(m));
	for (int i = 0; i < BATCH; i++) {
		iov[i].iov_base = buf[i];
		iov[i].iov_len = DGRAM_MAX;
		m[i].msg_hdr.msg_iov = &iov[i];
		m[i].msg_hdr.msg_iovlen = 1;
		m[i].msg_hdr.msg_name = &from[i];
		m[i].msg_hdr.msg_namelen = sizeof(from[i]);
	}
	if ((n = recvmmsg(fd, m, BATCH, MSG_DONTWAIT, NULL)) <= 0)
		return;
	for (int i = 0; i < n; i++) {
		struct pkt *p = ring_tail(r);
		int f = flow >= 0 ? flow : flow_of(port, &from[i], m[i].msg_hdr.msg_namelen, now);

		r->in++;
		if (p == NULL || f < 0 || m[i].msg_len > DGRAM_MAX)
			continue;
		p->due_us = now + delay_us;
		p->flow = f;
		p->len = (uint16_t)m[i].msg_len;
		memcpy(p->data, buf[i], p->len);
		r->n++;
	}
}

/* Send what is due from r: upstream on each flow's socket, downstream
 * from the listening socket to the flow's client. */
static void
flush(struct ring *r, int downstream, uint64_t now)
{
	while (r->n > 0 && r->p[r->head].due_us <= now) {
		struct pkt *p = &r->p[r->head];
		struct flow *f = &flows[p->flow];
		ssize_t s;

		if (downstream)
			s = sendto(listen_fd[f->port], p->data, p->len, MSG_DONTWAIT,
			    (struct sockaddr *)&f->client, f->client_len);
		else
			s = f->fd >= 0 ? send(f->fd, p->data, p->len, MSG_DONTWAIT) : -1;
		if (s < 0 && (errno == EAGAIN || errno == ENOBUFS))
			return;   /* retry at the next round */
		if (s < 0)
			r->dropped++;
		else
			r->out++;
		r->head = (r->head + 1) % RING_SLOTS;
		r->n--;
	}
}

static int
setup(char **argv)
{
	struct sockaddr_storage ss;
	char hp[ADDR_STRLEN + 4];
	socklen_t sl;
	long d = strtol(argv[5], NULL, 10);
	unsigned lo, hi;

	if (sscanf(argv[2], "%u-%u", &lo, &hi) != 2 || lo == 0 || hi < lo || hi > 65535 ||
	    hi - lo >= MAX_PORTS || d < 0 || d > 10000)
		return -1;
	snprintf(hp, sizeof(hp), "%s:%u", argv[1], lo);
	if (addr_parse(&listen_ip, hp) < 0)
		return -1;
	snprintf(hp, sizeof(hp), "%s:%u", argv[3], lo);
	if (addr_parse(&upstream, hp) < 0)
		return -1;
	snprintf(hp, sizeof(hp), "%s:0", argv[4]);
	if (addr_parse(&bind_ip, hp) < 0)
		return -1;
	delay_us = (uint64_t)d * 1000;
	for (int i = 0; i < MAX_FLOWS; i++)
		flows[i].fd = -1;
	if (ring_init(&up) < 0 || ring_init(&down) < 0)
		return -1;
	nports = (int)(hi - lo + 1);
	for (int i = 0; i < nports; i++) {
		struct addr a = listen_ip;
		a.port = (uint16_t)(lo + (unsigned)i);
		sl = addr_to_sockaddr(&a, &ss);
		listen_fd[i] = socket(a.family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (listen_fd[i] < 0 || bind(listen_fd[i], (struct sockaddr *)&ss, sl) < 0) {
			perror("udpdelay: listen");
			return -1;
		}
		sock_bufs(listen_fd[i]);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct pollfd pfd[MAX_PORTS + MAX_FLOWS];
	uint64_t end;
	int life;

	if (argc != 7 || setup(argv) < 0 || (life = atoi(argv[6])) < 1) {
		fprintf(stderr, "usage: udpdelay LISTEN_IP PORT_LO-PORT_HI UPSTREAM_IP BIND_IP DELAY_MS "
		    "LIFE_S\n");
		return 2;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	end = now_ms() + (uint64_t)life * 1000;
	while (!stop && now_ms() < end) {
		uint64_t now = now_us(), next = now + 100000;
		struct timespec ts;
		int np = 0;

		if (up.n > 0 && up.p[up.head].due_us < next)
			next = up.p[up.head].due_us;
		if (down.n > 0 && down.p[down.head].due_us < next)
			next = down.p[down.head].due_us;
		ts.tv_sec = next > now ? (time_t)((next - now) / 1000000) : 0;
		ts.tv_nsec = next > now ? (long)((next - now) % 1000000) * 1000 : 0;
		for (int i = 0; i < nports; i++) {
			pfd[np].fd = listen_fd[i];
			pfd[np++].events = POLLIN;
		}
		for (int i = 0; i < MAX_FLOWS; i++) {
			pfd[np].fd = flows[i].fd;   /* -1 is ignored by poll */
			pfd[np++].events = POLLIN;
		}
		if (ppoll(pfd, (nfds_t)np, &ts, NULL) < 0 && errno != EINTR)
			break;
		for (int i = 0; i < nports; i++)
			if (pfd[i].revents & POLLIN)
				read_batch(listen_fd[i], &up, i, -1);
		for (int i = 0; i < MAX_FLOWS; i++)
			if (flows[i].fd >= 0 && (pfd[nports + i].revents & POLLIN))
				read_batch(flows[i].fd, &down, flows[i].port, i);
		now = now_us();
		flush(&up, 0, now);
		flush(&down, 1, now);
	}
	printf("udpdelay up_in=%llu up_out=%llu up_dropped=%llu down_in=%llu down_out=%llu "
	    "down_dropped=%llu\n", up.in, up.out, up.dropped, down.in, down.out, down.dropped);
	return 0;
}
