/* fuzz_dtls: the worker's DTLS endpoint (worker/dtls.c over OpenSSL memory
 * BIOs), the first layer to see a peer's bytes after ICE. Certificates are
 * generated once; every input gets fresh engines. Byte 0: bit 0 picks the
 * mode, bit 1 DTLS-SRTP, bits 2-3 the MTU (512, 1200, 1500, 600).
 *   mode 0: a server alone; each step is a control byte (bit 0: fire the
 *     retransmission timer afterwards) and a 16-bit-length datagram, as a
 *     browser would send before and during the handshake;
 *   mode 1: a client engine and the server complete a real handshake first;
 *     then steps: 0 a raw datagram to the server, 1 the client sends
 *     application data (16-bit length + bytes) through real DTLS, 2 the
 *     server sends data to the client, 3 a record the client really sent
 *     with one byte changed (16-bit index, xor byte), 4 the client closes,
 *     5 the server's retransmission timer fires.
 * Invariants: no datagram out is larger than the MTU; FAILED and CLOSED are
 * final; data sent by the client arrives at the server exactly once and
 * unchanged, a changed record never delivers different bytes; once
 * connected, the SRTP keys of both ends mirror each other. */
#include <string.h>

#include "common/cert.h"
#include "fuzz.h"
#include "worker/dtls.h"

#define DTLS_FUZZ_MAX_STEPS 32
#define DTLS_FUZZ_QMAX 64
#define DTLS_FUZZ_RX (64 * 1024)

struct ident {
	uint8_t cert[CERT_MAX_DER], key[KEY_MAX_DER], fp[DTLS_FP_LEN];
	size_t cert_len, key_len;
};

struct end {
	struct dtls *d;
	unsigned mtu;
	uint8_t q[DTLS_FUZZ_QMAX][DTLS_MAX_MTU];
	size_t qlen[DTLS_FUZZ_QMAX], qn;
	uint8_t last[DTLS_MAX_MTU];        /* the last datagram sent */
	size_t last_len;
	uint8_t rx[DTLS_FUZZ_RX];
	size_t rxn;
	int connected, closed;
};

static struct ident ids[2];
static struct end ends[2];             /* [0] server, [1] client */

static void
on_send(void *arg, const uint8_t *p, size_t n)
{
	struct end *e = arg;

	FUZZ_CHECK(n > 0 && n <= e->mtu);
	memcpy(e->last, p, n);
	e->last_len = n;
	if (e->qn < DTLS_FUZZ_QMAX) {
		memcpy(e->q[e->qn], p, n);
		e->qlen[e->qn++] = n;
	}
}

static void
on_data(void *arg, const uint8_t *p, size_t n)
{
	struct end *e = arg;

	FUZZ_CHECK(n <= DTLS_READ_BUF);
	if (n <= sizeof(e->rx) - e->rxn) {
		memcpy(e->rx + e->rxn, p, n);
		e->rxn += n;
	}
}

static void
on_connected(void *arg)
{
	((struct end *)arg)->connected++;
}

static void
on_closed(void *arg)
{
	((struct end *)arg)->closed++;
}

static void
open_end(struct end *e, enum dtls_role role, int srtp, unsigned mtu)
{
	struct dtls_cfg c;
	char err[256];

	memset(e, 0, sizeof(*e));
	memset(&c, 0, sizeof(c));
	c.role = role;
	c.cert_der = ids[role].cert;
	c.cert_len = ids[role].cert_len;
	c.key_der = ids[role].key;
	c.key_len = ids[role].key_len;
	c.verify = role == DTLS_ROLE_CLIENT ? DTLS_VERIFY_FINGERPRINT : DTLS_VERIFY_ANY;
	memcpy(c.peer_fp, ids[DTLS_ROLE_SERVER].fp, DTLS_FP_LEN);
	c.use_srtp = srtp;
	c.mtu = mtu;
	c.send = on_send;
	c.on_data = on_data;
	c.on_connected = on_connected;
	c.on_closed = on_closed;
	c.arg = e;
	e->mtu = mtu;
	e->d = dtls_new(&c, err, sizeof(err));
	FUZZ_CHECK(e->d != NULL);
}

/* Input to one end from an exact-size buffer; FAILED/CLOSED stay so. */
static void
input(struct end *e, const uint8_t *p, size_t n)
{
	enum dtls_state before = dtls_state(e->d);
	uint8_t *copy = fz_dup(p, n);

	(void)dtls_input(e->d, copy, n);
	free(copy);
	if (before == DTLS_FAILED || before == DTLS_CLOSED)
		FUZZ_CHECK(dtls_state(e->d) == before);
	if (dtls_state(e->d) == DTLS_FAILED)
		FUZZ_CHECK(dtls_error(e->d)[0] != '\0');
}

/* Move queued datagrams between the two ends until quiet. */
static void
pump(void)
{
	static uint8_t buf[DTLS_FUZZ_QMAX][DTLS_MAX_MTU];
	size_t len[DTLS_FUZZ_QMAX];

	for (int round = 0; round < 32; round++) {
		size_t moved = 0;
		for (int from = 0; from < 2; from++) {
			struct end *s = &ends[from], *t = &ends[1 - from];
			size_t n = s->qn;
			for (size_t i = 0; i < n; i++) {
				memcpy(buf[i], s->q[i], s->qlen[i]);
				len[i] = s->qlen[i];
			}
			s->qn = 0;
			for (size_t i = 0; i < n; i++)
				input(t, buf[i], len[i]);
			moved += n;
		}
		if (moved == 0)
			return;
	}
}

static void
check_keys(void)
{
	struct dtls_srtp_keys s, c;

	if (dtls_srtp_keys(ends[0].d, &s) < 0)
		return;
	FUZZ_CHECK(dtls_srtp_keys(ends[1].d, &c) == 0);
	FUZZ_CHECK(s.profile == c.profile && s.key_len == c.key_len && s.salt_len == c.salt_len);
	FUZZ_CHECK(memcmp(s.local_key, c.remote_key, s.key_len) == 0);
	FUZZ_CHECK(memcmp(s.remote_salt, c.local_salt, s.salt_len) == 0);
}

static void
server_alone(struct fz *f)
{
	FUZZ_CHECK(dtls_start(ends[0].d) == 0);
	for (int i = 0; i < DTLS_FUZZ_MAX_STEPS && f->n > 0; i++) {
		uint8_t ctl = fz_u8(f);
		size_t n;
		const uint8_t *p = fz_chunk16(f, &n);

		input(&ends[0], p, n);
		ends[0].qn = 0;
		if (ctl & 1)
			(void)dtls_handle_timeout(ends[0].d);
	}
}

static void
client_data(struct fz *f, struct end *from, struct end *to)
{
	size_t n, before = to->rxn;
	const uint8_t *p = fz_chunk16(f, &n);

	if (dtls_state(from->d) != DTLS_CONNECTED || dtls_state(to->d) != DTLS_CONNECTED)
		return;
	if (n == 0 || n > dtls_max_send(from->d)) {
		FUZZ_CHECK(n == 0 || dtls_send(from->d, p, n) < 0);
		return;
	}
	if (dtls_send(from->d, p, n) < 0)
		return;
	pump();
	if (dtls_state(to->d) == DTLS_CONNECTED && before + n <= sizeof(to->rx))
		FUZZ_CHECK(to->rxn == before + n && memcmp(to->rx + before, p, n) == 0);
}

static void
connected(struct fz *f)
{
	FUZZ_CHECK(dtls_start(ends[0].d) == 0 && dtls_start(ends[1].d) == 0);
	pump();
	FUZZ_CHECK(dtls_state(ends[0].d) == DTLS_CONNECTED && dtls_state(ends[1].d) == DTLS_CONNECTED);
	FUZZ_CHECK(ends[0].connected == 1 && ends[1].connected == 1);
	check_keys();
	for (int i = 0; i < DTLS_FUZZ_MAX_STEPS && f->n > 0; i++) {
		uint8_t op = fz_u8(f);
		size_t n;
		const uint8_t *p;

		switch (op % 6) {
		case 0:
			p = fz_chunk16(f, &n);
			input(&ends[0], p, n);
			pump();
			break;
		case 1:
			client_data(f, &ends[1], &ends[0]);
			break;
		case 2:
			client_data(f, &ends[0], &ends[1]);
			break;
		case 3: {
			uint16_t at = fz_u16(f);
			uint8_t x = fz_u8(f), rec[DTLS_MAX_MTU];
			size_t len = ends[1].last_len, before = ends[0].rxn;
			if (len == 0)
				break;
			memcpy(rec, ends[1].last, len);
			rec[at % len] ^= x ? x : 1;
			input(&ends[0], rec, len);
			/* a changed record is never accepted (a replay of an old
			 * one is dropped too) */
			FUZZ_CHECK(ends[0].rxn == before);
			pump();
			break;
		}
		case 4:
			(void)dtls_close(ends[1].d);
			pump();
			break;
		default:
			(void)dtls_handle_timeout(ends[0].d);
			pump();
			break;
		}
	}
	(void)dtls_timeout_ms(ends[0].d);
	(void)dtls_cipher(ends[0].d);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned mtus[] = { DTLS_MIN_MTU, DTLS_DEFAULT_MTU, DTLS_MAX_MTU, 600 };
	static int inited;
	struct fz f;
	uint8_t mode;

	if (!inited) {
		for (int i = 0; i < 2; i++) {
			FUZZ_CHECK(cert_generate(ids[i].cert, &ids[i].cert_len, CERT_MAX_DER,
			    ids[i].key, &ids[i].key_len, KEY_MAX_DER) == 0);
			FUZZ_CHECK(cert_fingerprint_sha256(ids[i].cert, ids[i].cert_len, ids[i].fp) == 0);
		}
		inited = 1;
	}
	fz_init(&f, data, size);
	mode = fz_u8(&f);
	open_end(&ends[0], DTLS_ROLE_SERVER, (mode >> 1) & 1, mtus[(mode >> 2) & 3]);
	if (mode & 1) {
		open_end(&ends[1], DTLS_ROLE_CLIENT, (mode >> 1) & 1, mtus[(mode >> 2) & 3]);
		connected(&f);
		dtls_free(ends[1].d);
	} else {
		server_alone(&f);
	}
	dtls_free(ends[0].d);
	return 0;
}
