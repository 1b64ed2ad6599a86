/* badpeer: a hostile WebRTC Direct peer for integration tests, built from
 * rtcd's own engines in the client role. It authenticates with a STUN check
 * (libp2p ufrag), then misbehaves:
 *   badpeer ADDR:PORT dtls-garbage   random datagrams of the DTLS class
 *   badpeer ADDR:PORT sctp-garbage   completes DTLS as client, then sends
 *                                    random SCTP packets inside DTLS records
 *   badpeer ADDR:PORT hold SECONDS   completes DTLS and keeps consent fresh
 * Exit 0 when the scenario ran (what rtcd did is checked by the caller). */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/addr.h"
#include "common/cert.h"
#include "common/stun.h"
#include "common/util.h"
#include "worker/dtls.h"

static int fd;
static char ufrag[64], user[160];

static void
send_check(void)
{
	uint8_t buf[512], txid[12];
	struct stun_builder b;
	int n;

	random_bytes(txid, sizeof(txid));
	stun_build_begin(&b, buf, sizeof(buf), STUN_BINDING_REQUEST, txid);
	stun_build_attr(&b, STUN_ATTR_USERNAME, user, (uint16_t)strlen(user));
	stun_build_attr(&b, STUN_ATTR_USE_CANDIDATE, NULL, 0);
	stun_build_integrity(&b, ufrag, strlen(ufrag));
	stun_build_fingerprint(&b);
	n = stun_build_end(&b);
	if (n > 0 && send(fd, buf, (size_t)n, 0) < 0)
		perror("badpeer: send");
}

static void
dtls_out(void *arg, const uint8_t *p, size_t n)
{
	if (send(fd, p, n, 0) < 0)
		perror("badpeer: send");
}

static void dtls_data(void *arg, const uint8_t *p, size_t n) { }
static int connected;
static void dtls_up(void *arg) { connected = 1; }
static void dtls_closed(void *arg) { }

/* Pump received datagrams into the engine for up to ms. */
static void
pump(struct dtls *d, int ms)
{
	uint64_t end = now_ms() + (uint64_t)ms;
	uint8_t buf[2048];

	while (now_ms() < end) {
		struct pollfd p = { fd, POLLIN, 0 };
		if (poll(&p, 1, 20) > 0) {
			ssize_t r = recv(fd, buf, sizeof(buf), 0);
			if (r > 0 && d && buf[0] >= 20 && buf[0] <= 63)
				(void)dtls_input(d, buf, (size_t)r);
		}
		if (d && dtls_timeout_ms(d) == 0)
			(void)dtls_handle_timeout(d);
	}
}

int
main(int argc, char **argv)
{
	static uint8_t cert[CERT_MAX_DER], key[KEY_MAX_DER];
	struct sockaddr_storage ss;
	struct dtls_cfg dc;
	struct dtls *d = NULL;
	struct addr a;
	size_t cl, kl;
	char err[128];
	uint8_t buf[1400];

	if (argc < 3 || addr_parse(&a, argv[1]) < 0) {
		fprintf(stderr, "usage: badpeer ADDR:PORT dtls-garbage|sctp-garbage|hold [SECONDS]\n");
		return 2;
	}
	fd = socket(a.family, SOCK_DGRAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&ss, addr_to_sockaddr(&a, &ss)) < 0) {
		perror("badpeer: socket");
		return 1;
	}
	strcpy(ufrag, "libp2p+webrtc+v1/");
	random_token(ufrag + strlen(ufrag), 32);
	snprintf(user, sizeof(user), "%s:%s", ufrag, ufrag);
	for (int i = 0; i < 5; i++) {
		send_check();
		pump(NULL, 100);
	}
	if (strcmp(argv[2], "dtls-garbage") == 0) {
		for (int i = 0; i < 500; i++) {
			size_t n = 13 + (size_t)(i * 37 % 1200);
			random_bytes(buf, n);
			buf[0] = (uint8_t)(20 + i % 44);
			if (send(fd, buf, n, 0) < 0)
				break;
		}
		pump(NULL, 200);
		printf("sent DTLS garbage\n");
		return 0;
	}
	if (cert_generate(cert, &cl, sizeof(cert), key, &kl, sizeof(key)) < 0)
		return 1;
	memset(&dc, 0, sizeof(dc));
	dc.role = DTLS_ROLE_CLIENT;
	dc.cert_der = cert;
	dc.cert_len = cl;
	dc.key_der = key;
	dc.key_len = kl;
	dc.verify = DTLS_VERIFY_ANY;
	dc.mtu = 1250;
	dc.send = dtls_out;
	dc.on_data = dtls_data;
	dc.on_connected = dtls_up;
	dc.on_closed = dtls_closed;
	d = dtls_new(&dc, err, sizeof(err));
	if (d == NULL || dtls_start(d) < 0) {
		fprintf(stderr, "badpeer: dtls: %s\n", err);
		return 1;
	}
	for (int i = 0; i < 100 && !connected; i++)
		pump(d, 50);
	if (!connected) {
		fprintf(stderr, "badpeer: DTLS did not connect\n");
		return 1;
	}
	printf("DTLS connected\n");
	if (strcmp(argv[2], "sctp-garbage") == 0) {
		for (int i = 0; i < 300; i++) {
			size_t n = 12 + (size_t)(i * 53 % 1100);
			random_bytes(buf, n);
			if (i % 2) {   /* a plausible common header: ports 5000 */
				buf[0] = 0x13; buf[1] = 0x88; buf[2] = 0x13; buf[3] = 0x88;
			}
			if (dtls_send(d, buf, n) < 0)
				break;
		}
		pump(d, 300);
		printf("sent SCTP garbage\n");
	} else {
		int secs = argc > 3 ? atoi(argv[3]) : 5;
		for (int i = 0; i < secs * 2; i++) {
			send_check();
			pump(d, 500);
		}
	}
	dtls_free(d);
	return 0;
}
