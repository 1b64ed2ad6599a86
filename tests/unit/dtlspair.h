/* dtlspair: test harness that runs two dtls engines against each other in
 * memory. Each side's send callback appends to its own outgoing queue;
 * pair_pump() moves queued datagrams to the other side until both are
 * quiet. Shared by check_dtls and check_srtp. */
#ifndef RTCD_DTLSPAIR_H
#define RTCD_DTLSPAIR_H

#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/cert.h"
#include "worker/dtls.h"

#define PAIR_QMAX 128
#define PAIR_DGRAM_MAX 2048
#define PAIR_RX_MAX (64 * 1024)

struct ident {
	uint8_t cert[DTLS_MAX_CERT_DER], key[DTLS_MAX_KEY_DER];
	size_t cert_len, key_len;
	uint8_t fp[DTLS_FP_LEN];
};

struct side {
	struct dtls *d;
	unsigned mtu;
	uint8_t q[PAIR_QMAX][PAIR_DGRAM_MAX];
	size_t qlen[PAIR_QMAX];
	size_t qn;
	size_t sent, dropped, max_dgram, over_mtu;
	uint8_t rx[PAIR_RX_MAX];
	size_t rxn, records;
	int connected, closed;
};

static inline void
ident_make(struct ident *id)
{
	ck_assert_int_eq(cert_generate(id->cert, &id->cert_len, CERT_MAX_DER, id->key,
	    &id->key_len, KEY_MAX_DER), 0);
	ck_assert_int_eq(cert_fingerprint_sha256(id->cert, id->cert_len, id->fp), 0);
}

static inline void
side_send(void *arg, const uint8_t *p, size_t n)
{
	struct side *s = arg;

	s->sent++;
	if (n > s->max_dgram)
		s->max_dgram = n;
	if (n > s->mtu)
		s->over_mtu++;
	if (s->qn == PAIR_QMAX || n > PAIR_DGRAM_MAX) {
		s->dropped++;
		return;
	}
	memcpy(s->q[s->qn], p, n);
	s->qlen[s->qn++] = n;
}

static inline void
side_data(void *arg, const uint8_t *p, size_t n)
{
	struct side *s = arg;

	s->records++;
	if (n <= PAIR_RX_MAX - s->rxn) {
		memcpy(s->rx + s->rxn, p, n);
		s->rxn += n;
	}
}

static inline void
side_connected(void *arg)
{
	((struct side *)arg)->connected++;
}

static inline void
side_closed(void *arg)
{
	((struct side *)arg)->closed++;
}

/* A config for this side; the caller adjusts fields before side_open(). */
static inline void
side_cfg(struct side *s, struct dtls_cfg *c, enum dtls_role role, const struct ident *id,
    const struct ident *peer)
{
	memset(c, 0, sizeof(*c));
	c->role = role;
	if (id) {
		c->cert_der = id->cert;
		c->cert_len = id->cert_len;
		c->key_der = id->key;
		c->key_len = id->key_len;
	}
	c->verify = peer ? DTLS_VERIFY_FINGERPRINT : DTLS_VERIFY_ANY;
	if (peer)
		memcpy(c->peer_fp, peer->fp, DTLS_FP_LEN);
	c->send = side_send;
	c->on_data = side_data;
	c->on_connected = side_connected;
	c->on_closed = side_closed;
	c->arg = s;
}

static inline void
side_open(struct side *s, const struct dtls_cfg *c)
{
	char err[256];

	s->mtu = c->mtu ? c->mtu : DTLS_DEFAULT_MTU;
	s->d = dtls_new(c, err, sizeof(err));
	ck_assert_msg(s->d != NULL, "dtls_new: %s", err);
}

static inline struct side *
side_new(void)
{
	struct side *s = calloc(1, sizeof(*s));

	ck_assert_ptr_nonnull(s);
	return s;
}

static inline void
side_free(struct side *s)
{
	if (s) {
		dtls_free(s->d);
		free(s);
	}
}

/* Deliver everything queued at `from` to `to`; returns the datagram count. */
static inline size_t
pair_deliver(struct side *from, struct side *to)
{
	static uint8_t buf[PAIR_QMAX][PAIR_DGRAM_MAX];
	size_t len[PAIR_QMAX], n = from->qn;

	for (size_t i = 0; i < n; i++) {
		memcpy(buf[i], from->q[i], from->qlen[i]);
		len[i] = from->qlen[i];
	}
	from->qn = 0;
	for (size_t i = 0; i < n; i++)
		(void)dtls_input(to->d, buf[i], len[i]);
	return n;
}

static inline void
pair_pump(struct side *a, struct side *b)
{
	for (int round = 0; round < 64; round++)
		if (pair_deliver(a, b) + pair_deliver(b, a) == 0)
			return;
	ck_abort_msg("pair_pump: no quiescence after 64 rounds");
}

/* Client `c` and server `s` complete a handshake. */
static inline void
pair_handshake(struct side *c, struct side *s)
{
	ck_assert_int_eq(dtls_start(s->d), 0);
	ck_assert_int_eq(dtls_start(c->d), 0);
	pair_pump(c, s);
	ck_assert_msg(dtls_state(c->d) == DTLS_CONNECTED, "client %s: %s",
	    dtls_state_name(dtls_state(c->d)), dtls_error(c->d));
	ck_assert_msg(dtls_state(s->d) == DTLS_CONNECTED, "server %s: %s",
	    dtls_state_name(dtls_state(s->d)), dtls_error(s->d));
}

#endif
