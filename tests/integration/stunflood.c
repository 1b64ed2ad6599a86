/* stunflood: the spoofed-source STUN flood of the chaos test (chaos.py).
 * Sends the datagrams of POOL (one hex-encoded UDP payload a line, at most
 * POOL_MAX of FLOOD_MAX_PAYLOAD bytes) in random order from random
 * 127.x.y.z sources and ports, through a raw IPv4 socket with IP_HDRINCL
 * (root; the tests run in their own network namespace), to 127.0.0.1:PORT
 * as fast as one core allows, for SECONDS. Prints "<sent> <errors>".
 *   stunflood PORT SECONDS POOL */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define POOL_MAX 4096
#define FLOOD_MAX_PAYLOAD 1024
#define BATCH 64
#define HDRS 28                 /* IPv4 (20, no options) + UDP (8) */
#define LINE_MAX_CHARS (2 * FLOOD_MAX_PAYLOAD + 2)

struct payload {
	uint16_t len;
	uint8_t b[FLOOD_MAX_PAYLOAD];
};

static struct payload pool[POOL_MAX];
static size_t npool;
static uint64_t rng;

static uint64_t
next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int
load_pool(const char *path)
{
	char line[LINE_MAX_CHARS + 1];
	FILE *f = fopen(path, "r");

	if (f == NULL)
		return -1;
	while (npool < POOL_MAX && fgets(line, sizeof(line), f) != NULL) {
		size_t n = strcspn(line, "\r\n");
		struct payload *p = &pool[npool];

		if (n == 0 || n % 2 != 0 || n / 2 > FLOOD_MAX_PAYLOAD)
			continue;
		for (size_t i = 0; i < n; i += 2) {
			int hi = hexval(line[i]), lo = hexval(line[i + 1]);

			if (hi < 0 || lo < 0)
				break;
			p->b[i / 2] = (uint8_t)(hi << 4 | lo);
			p->len = (uint16_t)(i / 2 + 1);
		}
		if (p->len == n / 2)
			npool++;
	}
	fclose(f);
	return npool > 0 ? 0 : -1;
}

/* One spoofed datagram into buf; returns its length. The kernel fills the
 * IP checksum and id; a zero UDP checksum means none (IPv4). */
static size_t
build(uint8_t *buf, uint16_t dport)
{
	const struct payload *p = &pool[next_rand() % npool];
	uint64_t r = next_rand();
	uint16_t total = (uint16_t)(HDRS + p->len), ulen = (uint16_t)(8 + p->len);
	uint16_t sport = (uint16_t)(1024 + (r >> 32) % 64511);

	memset(buf, 0, HDRS);
	buf[0] = 0x45;
	buf[2] = (uint8_t)(total >> 8);
	buf[3] = (uint8_t)total;
	buf[8] = 64;
	buf[9] = IPPROTO_UDP;
	buf[12] = 127;
	buf[13] = (uint8_t)(1 + r % 254);
	buf[14] = (uint8_t)(r >> 8);
	buf[15] = (uint8_t)(1 + (r >> 16) % 254);
	buf[16] = 127;
	buf[19] = 1;
	buf[20] = (uint8_t)(sport >> 8);
	buf[21] = (uint8_t)sport;
	buf[22] = (uint8_t)(dport >> 8);
	buf[23] = (uint8_t)dport;
	buf[24] = (uint8_t)(ulen >> 8);
	buf[25] = (uint8_t)ulen;
	memcpy(buf + HDRS, p->b, p->len);
	return total;
}

int
main(int argc, char **argv)
{
	static uint8_t bufs[BATCH][HDRS + FLOOD_MAX_PAYLOAD];
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_in dst;
	unsigned long long sent = 0, errors = 0;
	double end;
	int one = 1, fd;
	long port;

	if (argc != 4 || (port = strtol(argv[1], NULL, 10)) <= 0 || port > 65535) {
		fprintf(stderr, "usage: stunflood PORT SECONDS POOL\n");
		return 2;
	}
	if (load_pool(argv[3]) < 0) {
		fprintf(stderr, "stunflood: no payloads in %s\n", argv[3]);
		return 1;
	}
	if (getrandom(&rng, sizeof(rng), 0) != (ssize_t)sizeof(rng) || rng == 0)
		rng = 0x9e3779b97f4a7c15ull ^ (uint64_t)getpid();
	fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
	if (fd < 0 || setsockopt(fd, IPPROTO_IP, IP_HDRINCL, &one, sizeof(one)) < 0) {
		perror("stunflood: raw socket");
		return 1;
	}
	memset(&dst, 0, sizeof(dst));
	dst.sin_family = AF_INET;
	dst.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	memset(msgs, 0, sizeof(msgs));
	for (int i = 0; i < BATCH; i++) {
		iov[i].iov_base = bufs[i];
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
		msgs[i].msg_hdr.msg_name = &dst;
		msgs[i].msg_hdr.msg_namelen = sizeof(dst);
	}
	end = now_s() + strtod(argv[2], NULL);
	while (now_s() < end) {
		int n;

		for (int i = 0; i < BATCH; i++)
			iov[i].iov_len = build(bufs[i], (uint16_t)port);
		n = sendmmsg(fd, msgs, BATCH, 0);
		if (n < 0) {
			if (errno != ENOBUFS && errno != EAGAIN && errno != EINTR) {
				perror("stunflood: sendmmsg");
				return 1;
			}
			errors += BATCH;
		} else {
			sent += (unsigned)n;
			errors += (unsigned)(BATCH - n);
		}
	}
	close(fd);
	printf("%llu %llu\n", sent, errors);
	return 0;
}
