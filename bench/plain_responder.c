/* plain_responder: the baseline for the supervisor-hop benchmark. One process,
 * one UDP socket, recvmmsg/sendmmsg batches, and the same per-packet work as
 * a worker (worker/ice.c: parse, MESSAGE-INTEGRITY check, signed response),
 * but no supervisor, no socketpair hop, no sandbox.
 * usage: plain_responder ADDR:PORT SECONDS */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/addr.h"
#include "common/util.h"
#include "worker/ice.h"

#define BATCH 32

int
main(int argc, char **argv)
{
	static uint8_t bufs[BATCH][2048];
	static struct ice_result res[BATCH];
	struct mmsghdr in[BATCH], out[BATCH];
	struct iovec iov[BATCH], oiov[BATCH];
	struct sockaddr_storage from[BATCH];
	struct timeval tv = { 0, 200000 };
	struct sockaddr_storage ss;
	struct ice_cfg cfg;
	struct ice ice;
	struct addr a;
	uint64_t end;
	int fd;

	if (argc != 3 || addr_parse(&a, argv[1]) < 0) {
		fprintf(stderr, "usage: plain_responder ADDR:PORT SECONDS\n");
		return 2;
	}
	end = now_ms() + (uint64_t)atoi(argv[2]) * 1000;
	fd = socket(a.family, SOCK_DGRAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&ss, addr_to_sockaddr(&a, &ss)) < 0) {
		perror("plain_responder: bind");
		return 1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	memset(&cfg, 0, sizeof(cfg));
	cfg.learn_libp2p = 1;
	cfg.consent_timeout_ms = 30000;
	ice_init(&ice, &cfg);
	while (now_ms() < end) {
		int n, k = 0;
		for (int i = 0; i < BATCH; i++) {
			iov[i].iov_base = bufs[i];
			iov[i].iov_len = sizeof(bufs[i]);
			memset(&in[i].msg_hdr, 0, sizeof(in[i].msg_hdr));
			in[i].msg_hdr.msg_name = &from[i];
			in[i].msg_hdr.msg_namelen = sizeof(from[i]);
			in[i].msg_hdr.msg_iov = &iov[i];
			in[i].msg_hdr.msg_iovlen = 1;
		}
		n = recvmmsg(fd, in, BATCH, MSG_WAITFORONE, NULL);
		if (n <= 0)
			continue;
		for (int i = 0; i < n; i++) {
			struct addr remote;
			if (addr_from_sockaddr(&remote, (struct sockaddr *)&from[i], in[i].msg_hdr.msg_namelen) < 0)
				continue;
			/* One ICE state per client in a worker; learning the ufrag
			 * again per packet costs the same work here. */
			ice_init(&ice, &cfg);
			ice_input(&ice, &remote, bufs[i], in[i].msg_len, now_ms(), 1, &res[k]);
			if (res[k].verdict != ICE_RESPOND)
				continue;
			oiov[k].iov_base = res[k].resp;
			oiov[k].iov_len = res[k].resp_len;
			memset(&out[k].msg_hdr, 0, sizeof(out[k].msg_hdr));
			out[k].msg_hdr.msg_name = &from[i];
			out[k].msg_hdr.msg_namelen = in[i].msg_hdr.msg_namelen;
			out[k].msg_hdr.msg_iov = &oiov[k];
			out[k].msg_hdr.msg_iovlen = 1;
			k++;
		}
		if (k > 0)
			(void)sendmmsg(fd, out, (unsigned)k, 0);
	}
	close(fd);
	return 0;
}
