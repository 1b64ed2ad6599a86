/* stun_load: load generator for the supervisor-hop benchmark. Opens FLOWS
 * UDP sockets, each a WebRTC Direct "dialer" with its own ufrag, establishes
 * them with one check each, then keeps WINDOW checks in flight per flow for
 * SECONDS and counts verified responses. The transaction id carries the send
 * time, so every response gives a round-trip sample.
 * usage: stun_load ADDR:PORT FLOWS WINDOW SECONDS
 * prints: rate=<responses/s> p50_us=<..> p99_us=<..> sent=<..> recv=<..> */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/addr.h"
#include "common/stun.h"
#include "common/util.h"

#define MAX_FLOWS 64
#define MAX_SAMPLES (4 * 1024 * 1024)

struct flow {
	int fd;
	char ufrag[64];
	char user[160];
	int inflight;
};

static uint32_t *samples;
static size_t nsamples;

static size_t
build(struct flow *f, uint8_t *out, size_t cap)
{
	struct stun_builder b;
	uint8_t txid[12];
	uint64_t t = now_us();
	uint8_t prio[4] = { 0x6e, 0, 0x1e, 0xff };

	memcpy(txid, &t, 8);
	random_bytes(txid + 8, 4);
	stun_build_begin(&b, out, cap, STUN_BINDING_REQUEST, txid);
	stun_build_attr(&b, STUN_ATTR_USERNAME, f->user, (uint16_t)strlen(f->user));
	stun_build_attr(&b, STUN_ATTR_PRIORITY, prio, 4);
	stun_build_attr(&b, STUN_ATTR_USE_CANDIDATE, NULL, 0);
	stun_build_integrity(&b, f->ufrag, strlen(f->ufrag));
	stun_build_fingerprint(&b);
	return (size_t)stun_build_end(&b);
}

static int
handle(struct flow *f, const uint8_t *p, size_t n)
{
	struct stun_msg m;
	uint64_t t;

	if (stun_parse(&m, p, n) < 0 || m.type != STUN_BINDING_SUCCESS ||
	    stun_check_integrity(&m, f->ufrag, strlen(f->ufrag)) < 0)
		return 0;
	memcpy(&t, m.txid, 8);
	if (nsamples < MAX_SAMPLES)
		samples[nsamples++] = (uint32_t)MIN(now_us() - t, UINT32_MAX);
	return 1;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	struct flow flows[MAX_FLOWS];
	struct pollfd pfd[MAX_FLOWS];
	struct sockaddr_storage ss;
	socklen_t sl;
	struct addr a;
	int nflows, window, secs;
	uint64_t sent = 0, recvd = 0, t0, end;
	uint8_t buf[2048];

	if (argc != 5 || addr_parse(&a, argv[1]) < 0) {
		fprintf(stderr, "usage: stun_load ADDR:PORT FLOWS WINDOW SECONDS\n");
		return 2;
	}
	nflows = MIN(atoi(argv[2]), MAX_FLOWS);
	window = atoi(argv[3]);
	secs = atoi(argv[4]);
	samples = malloc(sizeof(*samples) * MAX_SAMPLES);
	sl = addr_to_sockaddr(&a, &ss);
	for (int i = 0; i < nflows; i++) {
		struct flow *f = &flows[i];
		f->fd = socket(a.family, SOCK_DGRAM | SOCK_NONBLOCK, 0);
		if (f->fd < 0 || connect(f->fd, (struct sockaddr *)&ss, sl) < 0) {
			perror("stun_load: socket");
			return 1;
		}
		strcpy(f->ufrag, "libp2p+webrtc+v1/");
		random_token(f->ufrag + strlen(f->ufrag), 32);
		snprintf(f->user, sizeof(f->user), "%s:%s", f->ufrag, f->ufrag);
		f->inflight = 0;
		pfd[i].fd = f->fd;
		pfd[i].events = POLLIN;
	}
	/* Establish every flow (retry: the first check opens the worker). */
	for (int i = 0; i < nflows; i++) {
		int ok = 0;
		for (int tries = 0; tries < 50 && !ok; tries++) {
			size_t n = build(&flows[i], buf, sizeof(buf));
			struct pollfd p = { flows[i].fd, POLLIN, 0 };
			if (send(flows[i].fd, buf, n, 0) < 0)
				continue;
			if (poll(&p, 1, 100) > 0) {
				ssize_t r = recv(flows[i].fd, buf, sizeof(buf), 0);
				ok = r > 0 && handle(&flows[i], buf, (size_t)r);
			}
		}
		if (!ok) {
			fprintf(stderr, "stun_load: flow %d was never answered\n", i);
			return 1;
		}
	}
	nsamples = 0;
	t0 = now_us();
	end = t0 + (uint64_t)secs * 1000000;
	while (now_us() < end) {
		for (int i = 0; i < nflows; i++) {
			while (flows[i].inflight < window) {
				size_t n = build(&flows[i], buf, sizeof(buf));
				if (send(flows[i].fd, buf, n, 0) < 0)
					break;
				flows[i].inflight++;
				sent++;
			}
		}
		if (poll(pfd, (nfds_t)nflows, 20) == 0) {
			/* lost datagrams: refill the windows */
			for (int i = 0; i < nflows; i++)
				flows[i].inflight = 0;
			continue;
		}
		for (int i = 0; i < nflows; i++) {
			if (!(pfd[i].revents & POLLIN))
				continue;
			for (;;) {
				ssize_t r = recv(flows[i].fd, buf, sizeof(buf), 0);
				if (r <= 0)
					break;
				if (handle(&flows[i], buf, (size_t)r)) {
					recvd++;
					if (flows[i].inflight > 0)
						flows[i].inflight--;
				}
			}
		}
	}
	qsort(samples, nsamples, sizeof(*samples), cmp_u32);
	printf("rate=%.0f p50_us=%u p99_us=%u sent=%llu recv=%llu\n",
	    (double)recvd * 1e6 / (double)(now_us() - t0),
	    nsamples ? samples[nsamples / 2] : 0, nsamples ? samples[nsamples * 99 / 100] : 0,
	    (unsigned long long)sent, (unsigned long long)recvd);
	return 0;
}
