/* warmup: the template's one-off crypto rehearsal (see warmup.h). Nothing
 * here touches a socket or the network: both ends of each handshake are in
 * this process, their datagrams pass through a small bounded queue. */
#include "warmup.h"

#include <stdlib.h>
#include <string.h>

#include "common/cert.h"
#include "common/stun.h"
#include "dtls.h"
#include "p2p/noise_xx.h"

#define WQ_MAX 32                /* datagrams in flight per side */
#define WQ_DGRAM 1500
#define WARMUP_ROUNDS 32         /* handshake flights (a DTLS handshake needs 4) */

struct wside {
	struct dtls *d;
	uint8_t q[WQ_MAX][WQ_DGRAM];
	size_t qlen[WQ_MAX];
	size_t qn;
	int connected, got_data, overflow;
};

static void
w_send(void *arg, const uint8_t *p, size_t n)
{
	struct wside *s = arg;

	if (s->qn == WQ_MAX || n > WQ_DGRAM) {
		s->overflow = 1;
		return;
	}
	memcpy(s->q[s->qn], p, n);
	s->qlen[s->qn++] = n;
}

static void
w_data(void *arg, const uint8_t *p, size_t n)
{
	((struct wside *)arg)->got_data = 1;
	(void)p;
	(void)n;
}

static void
w_connected(void *arg)
{
	((struct wside *)arg)->connected = 1;
}

/* Deliver from's queue to `to`; the count of datagrams moved. */
static size_t
pump(struct wside *from, struct wside *to)
{
	size_t n = from->qn;

	for (size_t i = 0; i < n; i++)
		(void)dtls_input(to->d, from->q[i], from->qlen[i]);
	from->qn = 0;
	return n;
}

static int
warm_dtls(void)
{
	struct wside *srv = calloc(1, sizeof(*srv)), *cli = calloc(1, sizeof(*cli));
	uint8_t cert[CERT_MAX_DER], key[KEY_MAX_DER], fp[DTLS_FP_LEN];
	size_t cert_len, key_len;
	struct dtls_cfg c;
	struct dtls_srtp_keys k;
	char err[DTLS_ERR_LEN];
	int ok = 0;

	if (srv == NULL || cli == NULL ||
	    cert_generate(cert, &cert_len, sizeof(cert), key, &key_len, sizeof(key)) < 0 ||
	    cert_fingerprint_sha256(cert, cert_len, fp) < 0)
		goto out;
	memset(&c, 0, sizeof(c));
	c.cert_der = cert;
	c.cert_len = cert_len;
	c.key_der = key;
	c.key_len = key_len;
	c.verify = DTLS_VERIFY_FINGERPRINT;
	memcpy(c.peer_fp, fp, sizeof(fp));   /* both ends use the same identity */
	c.use_srtp = 1;
	c.send = w_send;
	c.on_data = w_data;
	c.on_connected = w_connected;
	c.role = DTLS_ROLE_SERVER;
	c.arg = srv;
	srv->d = dtls_new(&c, err, sizeof(err));
	c.role = DTLS_ROLE_CLIENT;
	c.arg = cli;
	cli->d = dtls_new(&c, err, sizeof(err));
	if (srv->d == NULL || cli->d == NULL || dtls_start(cli->d) < 0)
		goto out;
	for (int i = 0; i < WARMUP_ROUNDS && !(srv->connected && cli->connected); i++)
		if (pump(cli, srv) + pump(srv, cli) == 0)
			break;
	if (!srv->connected || !cli->connected || srv->overflow || cli->overflow ||
	    dtls_srtp_keys(srv->d, &k) < 0 || dtls_send(cli->d, (const uint8_t *)"warm", 4) < 0)
		goto out;
	pump(cli, srv);
	(void)dtls_close(cli->d);
	pump(cli, srv);
	ok = srv->got_data;
out:
	if (srv)
		dtls_free(srv->d);
	if (cli)
		dtls_free(cli->d);
	free(srv);
	free(cli);
	return ok ? 0 : -1;
}

static int
warm_noise(void)
{
	struct noise_xx *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	struct noise_cipher a1, a2, b1, b2;
	uint8_t msg[256], pay[256], ct[64];
	size_t n, pn;
	int ok = 0;

	if (a == NULL || b == NULL || noise_xx_init(a, 1, (const uint8_t *)"warm", 4, NULL, NULL) < 0 ||
	    noise_xx_init(b, 0, (const uint8_t *)"warm", 4, NULL, NULL) < 0)
		goto out;
	for (int i = 0; i < NOISE_XX_MESSAGES; i++) {
		struct noise_xx *w = noise_xx_our_turn(a) ? a : b, *r = w == a ? b : a;
		if (noise_xx_write(w, NULL, 0, msg, sizeof(msg), &n) < 0 ||
		    noise_xx_read(r, msg, n, pay, sizeof(pay), &pn) < 0)
			goto out;
	}
	if (!noise_xx_done(a) || !noise_xx_done(b) || noise_xx_split(a, &a1, &a2) < 0 ||
	    noise_xx_split(b, &b1, &b2) < 0 ||
	    noise_cipher_encrypt(&a1, NULL, 0, (const uint8_t *)"warm", 4, ct) < 0 ||
	    noise_cipher_decrypt(&b1, NULL, 0, ct, 4 + NOISE_XX_TAGLEN, pay) < 0)
		goto out;
	ok = memcmp(pay, "warm", 4) == 0;
out:
	if (a)
		noise_xx_clear(a);
	if (b)
		noise_xx_clear(b);
	free(a);
	free(b);
	return ok ? 0 : -1;
}

static int
warm_stun(void)
{
	static const uint8_t txid[12] = { 1 };
	struct stun_builder b;
	struct stun_msg m;
	uint8_t buf[128];
	int n;

	stun_build_begin(&b, buf, sizeof(buf), 0x0001, txid);
	stun_build_integrity(&b, "warm", 4);
	stun_build_fingerprint(&b);
	n = stun_build_end(&b);
	if (n < 0 || stun_parse(&m, buf, (size_t)n) < 0)
		return -1;
	return stun_check_integrity(&m, "warm", 4) == 0 ? 0 : -1;
}

int
warmup_crypto(void)
{
	if (warm_dtls() < 0 || warm_noise() < 0 || warm_stun() < 0)
		return -1;
	return 0;
}
