/* dtls: OpenSSL DTLS 1.2 wrapped as a sans-IO engine (see dtls.h). The read
 * side is a memory BIO refilled with exactly one datagram per dtls_input;
 * the write side is our own BIO whose every write is one datagram handed to
 * cfg.send. The MTU is fixed (no probing) so each flight is fragmented to
 * fit, which avoids the Janus pitfall of oversized certificate flights. */
#include "worker/dtls.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/srtp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "common/buf.h"

/* ECDHE with AEAD only. Our own certificate is ECDSA; the RSA suites serve
 * the client role against RSA servers. No CBC: with OpenSSL 3.0.19 one
 * forged CBC record of any length stopped all further reads in our tests
 * (AEAD has the same flaw only for records without plaintext, which
 * records_ok filters), and every WebRTC stack offers AES-GCM. */
#define DTLS_CIPHERS                                                                   \
	"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305:"                     \
	"ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256:"                       \
	"ECDHE-RSA-CHACHA20-POLY1305:ECDHE-RSA-AES256-GCM-SHA384"
#define DTLS_GROUPS "X25519:P-256"
#define DTLS_SRTP_LABEL "EXTRACTOR-dtls_srtp"  /* RFC 5764 §4.2 */
#define DTLS_REC_HDR 13                      /* RFC 6347 §4.1 record header */
#define DTLS_AEAD_GCM_OVERHEAD (8 + 16)      /* explicit nonce + tag (RFC 5288) */
#define DTLS_AEAD_CHACHA_OVERHEAD 16         /* tag only (RFC 7905) */

struct dtls {
	struct dtls_cfg cfg;
	enum dtls_state state;
	SSL_CTX *ctx;
	SSL *ssl;
	BIO *rbio;                     /* owned by ssl */
	BIO_METHOD *meth;              /* of the write BIO */
	int verify_fp;                 /* peer_fp must match */
	uint8_t peer_fp[DTLS_FP_LEN];  /* expected */
	uint8_t got_fp[DTLS_FP_LEN];   /* actual, valid once CONNECTED */
	int was_connected;             /* got_fp and keys are valid */
	int have_srtp;
	struct dtls_srtp_keys keys;
	size_t hs_bytes;               /* input while handshaking */
	char err[DTLS_ERR_LEN];
	uint8_t rbuf[DTLS_READ_BUF];
};

static int
fail(struct dtls *d, const char *fmt, ...)
{
	va_list ap;

	d->state = DTLS_FAILED;
	if (d->err[0] == '\0') {
		va_start(ap, fmt);
		vsnprintf(d->err, sizeof(d->err), fmt, ap);
		va_end(ap);
	}
	ERR_clear_error();
	return -1;
}

/* A failed OpenSSL call: keep the library's reason (e.g. "sslv3 alert bad
 * certificate") unless a more precise one was recorded first. */
static int
fail_ssl(struct dtls *d, const char *what, int ssl_err)
{
	unsigned long e = ERR_peek_error();
	const char *why = e ? ERR_reason_error_string(e) : NULL;

	if (why != NULL)
		return fail(d, "%s: %s", what, why);
	/* SSL_ERROR_SYSCALL with nothing queued: OpenSSL gave up silently. */
	return fail(d, "%s: OpenSSL failed without a reason (SSL_get_error %d)", what, ssl_err);
}

/* --- write BIO: one write = one datagram --------------------------------- */

/* OpenSSL 3.0 packs the records of a flight into one write and sizes them
 * against the MTU, but leaves the AEAD nonce and tag out of that sum when
 * an encrypted record follows plaintext ones (dtls1_do_write: the client's
 * Finished after Certificate..ChangeCipherSpec), so the write can be up to
 * 24 bytes over. Such a write is split at record boundaries into datagrams
 * that fit (RFC 6347 §4.1.1: a datagram holds whole records, any number). */
static void
send_split(struct dtls *d, const uint8_t *p, size_t n)
{
	size_t start = 0, off = 0;

	while (off + DTLS_REC_HDR <= n) {
		size_t rl = DTLS_REC_HDR + ((size_t)p[off + 11] << 8 | p[off + 12]);

		if (rl > n - off)
			break;   /* not whole records: leave the rest as it is */
		if (off > start && off + rl - start > d->cfg.mtu) {
			d->cfg.send(d->cfg.arg, p + start, off - start);
			start = off;
		}
		off += rl;
	}
	d->cfg.send(d->cfg.arg, p + start, n - start);
}

static int
out_write(BIO *b, const char *in, int inl)
{
	struct dtls *d = BIO_get_data(b);

	BIO_clear_retry_flags(b);
	if (d == NULL || in == NULL || inl <= 0)
		return 0;
	if ((size_t)inl > d->cfg.mtu)
		send_split(d, (const uint8_t *)in, (size_t)inl);
	else
		d->cfg.send(d->cfg.arg, (const uint8_t *)in, (size_t)inl);
	return inl;
}

static long
out_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	struct dtls *d = BIO_get_data(b);

	(void)num;
	(void)ptr;
	switch (cmd) {
	case BIO_CTRL_FLUSH:
		return 1;
	case BIO_CTRL_DGRAM_QUERY_MTU:
	case BIO_CTRL_DGRAM_GET_FALLBACK_MTU:
	case BIO_CTRL_DGRAM_GET_MTU:
		return d ? (long)d->cfg.mtu : 0;
	case BIO_CTRL_DGRAM_GET_MTU_OVERHEAD:   /* we count UDP payload only */
	case BIO_CTRL_DGRAM_MTU_EXCEEDED:       /* never: the MTU is fixed */
	case BIO_CTRL_DGRAM_SET_NEXT_TIMEOUT:   /* timers are the caller's */
	case BIO_CTRL_DGRAM_GET_PEER:           /* no addresses in here */
	case BIO_CTRL_PENDING:
	case BIO_CTRL_WPENDING:
		return 0;
	default:
		return 0;
	}
}

static BIO *
make_wbio(struct dtls *d)
{
	BIO *b;

	d->meth = BIO_meth_new(BIO_TYPE_SOURCE_SINK, "rtcd dtls datagram out");
	if (d->meth == NULL || BIO_meth_set_write(d->meth, out_write) != 1 ||
	    BIO_meth_set_ctrl(d->meth, out_ctrl) != 1)
		return NULL;
	b = BIO_new(d->meth);
	if (b == NULL)
		return NULL;
	BIO_set_data(b, d);
	BIO_set_init(b, 1);
	return b;
}

/* --- retransmission timer (RFC 6347 §4.2.4.1) ---------------------------- */

/* OpenSSL's own default is a fixed 1 s start; WebRTC stacks start lower. */
static unsigned int
timer_cb(SSL *ssl, unsigned int prev_us)
{
	(void)ssl;
	if (prev_us == 0)
		return DTLS_RTX_INITIAL_MS * 1000u;
	if (prev_us >= DTLS_RTX_MAX_MS * 1000u / 2)
		return DTLS_RTX_MAX_MS * 1000u;
	return prev_us * 2;
}

/* --- peer certificate ------------------------------------------------------ */

static int
cert_digest(X509 *x, uint8_t out[DTLS_FP_LEN])
{
	unsigned int n = 0;

	if (X509_digest(x, EVP_sha256(), out, &n) != 1 || n != DTLS_FP_LEN)
		return -1;
	return 0;
}

/* Self-signed certificates are the norm in WebRTC: trust comes from the
 * fingerprint (RFC 8122 §5), checked here on the leaf so a mismatch aborts
 * the handshake with an alert instead of completing it. */
static int
verify_cb(int preverify_ok, X509_STORE_CTX *xs)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(xs, SSL_get_ex_data_X509_STORE_CTX_idx());
	struct dtls *d = ssl ? SSL_get_app_data(ssl) : NULL;
	uint8_t fp[DTLS_FP_LEN];
	X509 *x;

	(void)preverify_ok;
	if (d == NULL)
		return 0;
	if (X509_STORE_CTX_get_error_depth(xs) != 0 || !d->verify_fp)
		return 1;
	x = X509_STORE_CTX_get_current_cert(xs);
	if (x == NULL || cert_digest(x, fp) < 0 ||
	    CRYPTO_memcmp(fp, d->peer_fp, DTLS_FP_LEN) != 0) {
		if (d->err[0] == '\0')
			snprintf(d->err, sizeof(d->err), "peer certificate fingerprint mismatch");
		X509_STORE_CTX_set_error(xs, X509_V_ERR_CERT_REJECTED);
		return 0;
	}
	return 1;
}

/* --- context ------------------------------------------------------------- */

static int
ctx_identity(SSL_CTX *ctx, const struct dtls_cfg *cfg)
{
	const unsigned char *p;
	X509 *x;
	EVP_PKEY *pk;
	int ok;

	if (cfg->cert_len == 0)
		return 0;
	p = cfg->cert_der;
	x = d2i_X509(NULL, &p, (long)cfg->cert_len);
	if (x == NULL || p != cfg->cert_der + cfg->cert_len) {
		X509_free(x);
		return -1;
	}
	p = cfg->key_der;
	pk = d2i_AutoPrivateKey(NULL, &p, (long)cfg->key_len);
	ok = pk != NULL && SSL_CTX_use_certificate(ctx, x) == 1 &&
	    SSL_CTX_use_PrivateKey(ctx, pk) == 1 && SSL_CTX_check_private_key(ctx) == 1;
	X509_free(x);
	EVP_PKEY_free(pk);
	return ok ? 0 : -1;
}

static SSL_CTX *
make_ctx(const struct dtls_cfg *cfg, const char **why)
{
	SSL_CTX *ctx = SSL_CTX_new(cfg->role == DTLS_ROLE_SERVER ? DTLS_server_method() :
	    DTLS_client_method());

	*why = "cannot create SSL_CTX";
	if (ctx == NULL)
		return NULL;
	SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET | SSL_OP_NO_QUERY_MTU |
	    SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_COMPRESSION);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, verify_cb);
	SSL_CTX_set_max_cert_list(ctx, (long)cfg->max_cert_list);
	if (SSL_CTX_set_min_proto_version(ctx, DTLS1_2_VERSION) != 1 ||
	    SSL_CTX_set_max_proto_version(ctx, DTLS1_2_VERSION) != 1 ||
	    SSL_CTX_set_cipher_list(ctx, DTLS_CIPHERS) != 1 ||
	    SSL_CTX_set1_groups_list(ctx, DTLS_GROUPS) != 1)
		*why = "cannot configure protocol, ciphers or groups";
	else if (ctx_identity(ctx, cfg) < 0)
		*why = "bad certificate or key (or they do not match)";
	else if (cfg->use_srtp && SSL_CTX_set_tlsext_use_srtp(ctx,
	    cfg->srtp_profiles ? cfg->srtp_profiles : DTLS_SRTP_PROFILES) != 0)
		*why = "bad SRTP profile list";   /* note: 0 means success here */
	else
		return ctx;
	SSL_CTX_free(ctx);
	return NULL;
}

static const char *
check_cfg(const struct dtls_cfg *c)
{
	if (c->send == NULL)
		return "no send callback";
	if (c->role != DTLS_ROLE_SERVER && c->role != DTLS_ROLE_CLIENT)
		return "bad role";
	if (c->verify != DTLS_VERIFY_FINGERPRINT && c->verify != DTLS_VERIFY_ANY)
		return "bad verify mode";
	if (c->mtu != 0 && (c->mtu < DTLS_MIN_MTU || c->mtu > DTLS_MAX_MTU))
		return "MTU out of range";
	if (c->cert_len > DTLS_MAX_CERT_DER || c->key_len > DTLS_MAX_KEY_DER)
		return "certificate or key too large";
	if ((c->cert_len == 0) != (c->key_len == 0) || (c->cert_len && !c->cert_der) ||
	    (c->key_len && !c->key_der))
		return "certificate and key must be given together";
	if (c->role == DTLS_ROLE_SERVER && c->cert_len == 0)
		return "a server needs a certificate";
	if (c->max_cert_list > 1024 * 1024)
		return "max_cert_list too large";
	return NULL;
}

static int
make_ssl(struct dtls *d)
{
	BIO *wbio;

	d->ssl = SSL_new(d->ctx);
	if (d->ssl == NULL)
		return -1;
	SSL_set_app_data(d->ssl, d);
	d->rbio = BIO_new(BIO_s_mem());
	if (d->rbio == NULL)
		return -1;
	BIO_set_mem_eof_return(d->rbio, -1);   /* empty = "want read", not EOF */
	wbio = make_wbio(d);
	if (wbio == NULL) {
		BIO_free(d->rbio);
		d->rbio = NULL;
		return -1;
	}
	SSL_set_bio(d->ssl, d->rbio, wbio);
	/* With SSL_OP_NO_QUERY_MTU and no per-datagram overhead reported by
	 * the BIO, both of these mean "largest datagram we emit". */
	if (SSL_set_mtu(d->ssl, (long)d->cfg.mtu) <= 0 ||
	    DTLS_set_link_mtu(d->ssl, (long)d->cfg.mtu) <= 0)
		return -1;
	DTLS_set_timer_cb(d->ssl, timer_cb);
	if (d->cfg.role == DTLS_ROLE_SERVER)
		SSL_set_accept_state(d->ssl);
	else
		SSL_set_connect_state(d->ssl);
	return 0;
}

struct dtls *
dtls_new(const struct dtls_cfg *cfg, char *err, size_t errlen)
{
	const char *why = check_cfg(cfg);
	struct dtls *d;

	if (why != NULL) {
		snprintf(err, errlen, "dtls: %s", why);
		return NULL;
	}
	d = calloc(1, sizeof(*d));
	if (d == NULL) {
		snprintf(err, errlen, "dtls: out of memory");
		return NULL;
	}
	d->cfg = *cfg;
	if (d->cfg.mtu == 0)
		d->cfg.mtu = DTLS_DEFAULT_MTU;
	if (d->cfg.max_cert_list == 0)
		d->cfg.max_cert_list = DTLS_DEFAULT_MAX_CERT_LIST;
	d->verify_fp = cfg->verify == DTLS_VERIFY_FINGERPRINT;
	memcpy(d->peer_fp, cfg->peer_fp, DTLS_FP_LEN);
	ERR_clear_error();
	d->ctx = make_ctx(&d->cfg, &why);
	d->cfg.srtp_profiles = NULL;   /* the caller's string is not kept */
	if (d->ctx == NULL || make_ssl(d) < 0) {
		unsigned long e = ERR_peek_error();
		snprintf(err, errlen, "dtls: %s%s%s", d->ctx ? "cannot set up SSL object" : why,
		    e ? ": " : "", e ? ERR_reason_error_string(e) : "");
		ERR_clear_error();
		dtls_free(d);
		return NULL;
	}
	return d;
}

void
dtls_free(struct dtls *d)
{
	if (d == NULL)
		return;
	SSL_free(d->ssl);          /* frees both BIOs */
	SSL_CTX_free(d->ctx);
	BIO_meth_free(d->meth);    /* after the BIO that used it */
	OPENSSL_cleanse(&d->keys, sizeof(d->keys));
	free(d);
}

void
dtls_set_peer_fingerprint(struct dtls *d, const uint8_t fp[DTLS_FP_LEN])
{
	memcpy(d->peer_fp, fp, DTLS_FP_LEN);
	d->verify_fp = 1;
}

/* --- handshake completion ------------------------------------------------ */

static int
srtp_lengths(unsigned long id, size_t *kl, size_t *sl)
{
	switch (id) {
	case DTLS_SRTP_AES128_CM_SHA1_80:
		*kl = 16;
		*sl = 14;
		return 0;
	case DTLS_SRTP_AEAD_AES_128_GCM:
		*kl = 16;
		*sl = 12;   /* RFC 7714 §12 */
		return 0;
	default:
		return -1;
	}
}

/* RFC 5764 §4.2: client_write_key | server_write_key | client_write_salt |
 * server_write_salt; the server's "local" half is the server one. */
static int
export_srtp(struct dtls *d, unsigned long id)
{
	uint8_t m[2 * (sizeof(d->keys.local_key) + sizeof(d->keys.local_salt))];
	const uint8_t *ck, *sk, *cs, *ss;
	int server = d->cfg.role == DTLS_ROLE_SERVER;
	size_t kl, sl;

	if (srtp_lengths(id, &kl, &sl) < 0)
		return fail(d, "unsupported SRTP profile %lu", id);
	if (SSL_export_keying_material(d->ssl, m, 2 * (kl + sl), DTLS_SRTP_LABEL,
	    strlen(DTLS_SRTP_LABEL), NULL, 0, 0) != 1)
		return fail_ssl(d, "SRTP key export", 0);
	ck = m;
	sk = m + kl;
	cs = m + 2 * kl;
	ss = m + 2 * kl + sl;
	d->keys.profile = (int)id;
	d->keys.key_len = kl;
	d->keys.salt_len = sl;
	memcpy(d->keys.local_key, server ? sk : ck, kl);
	memcpy(d->keys.remote_key, server ? ck : sk, kl);
	memcpy(d->keys.local_salt, server ? ss : cs, sl);
	memcpy(d->keys.remote_salt, server ? cs : ss, sl);
	OPENSSL_cleanse(m, sizeof(m));
	d->have_srtp = 1;
	return 0;
}

static int
handshake_done(struct dtls *d)
{
	X509 *x = SSL_get0_peer_certificate(d->ssl);
	const SRTP_PROTECTION_PROFILE *prof;

	if (x == NULL)
		return fail(d, "peer sent no certificate");
	if (cert_digest(x, d->got_fp) < 0)
		return fail(d, "cannot hash the peer certificate");
	/* Again here: the expected value may have been set mid-handshake. */
	if (d->verify_fp && CRYPTO_memcmp(d->got_fp, d->peer_fp, DTLS_FP_LEN) != 0)
		return fail(d, "peer certificate fingerprint mismatch");
	prof = d->cfg.use_srtp ? SSL_get_selected_srtp_profile(d->ssl) : NULL;
	if (prof != NULL && export_srtp(d, prof->id) < 0)
		return -1;
	d->state = DTLS_CONNECTED;
	d->was_connected = 1;
	if (d->cfg.on_connected)
		d->cfg.on_connected(d->cfg.arg);
	return 0;
}

static int
drive_handshake(struct dtls *d)
{
	int r, e;

	ERR_clear_error();
	r = SSL_do_handshake(d->ssl);
	if (r == 1)
		return handshake_done(d);
	e = SSL_get_error(d->ssl, r);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
		return 0;
	return fail_ssl(d, "handshake", e);
}

int
dtls_start(struct dtls *d)
{
	if (d->state != DTLS_NEW)
		return d->state == DTLS_FAILED ? -1 : 0;
	d->state = DTLS_HANDSHAKE;
	if (d->cfg.role == DTLS_ROLE_CLIENT)
		return drive_handshake(d);
	return 0;
}

/* --- records ------------------------------------------------------------- */

/* RFC 5246 §7.2.1: answer the peer's close_notify with ours. */
static void
peer_closed(struct dtls *d)
{
	ERR_clear_error();
	(void)SSL_shutdown(d->ssl);
	ERR_clear_error();
	d->state = DTLS_CLOSED;
	if (d->cfg.on_closed)
		d->cfg.on_closed(d->cfg.arg);
}

/* Drain every complete record: one datagram may carry several. */
static int
read_records(struct dtls *d)
{
	int r, e;

	while (d->state == DTLS_CONNECTED) {
		ERR_clear_error();
		r = SSL_read(d->ssl, d->rbuf, (int)sizeof(d->rbuf));
		if (r > 0) {
			if (d->cfg.on_data)
				d->cfg.on_data(d->cfg.arg, d->rbuf, (size_t)r);
			continue;
		}
		e = SSL_get_error(d->ssl, r);
		if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
			return 0;
		if (e == SSL_ERROR_ZERO_RETURN) {
			peer_closed(d);
			return 0;
		}
		return fail_ssl(d, "read", e);
	}
	return d->state == DTLS_FAILED ? -1 : 0;
}

/* Bytes every protected record carries beyond its plaintext. Before the
 * suite is known assume AES-GCM, the larger overhead of the two. */
static size_t
aead_overhead(const struct dtls *d)
{
	const SSL_CIPHER *c = SSL_get_current_cipher(d->ssl);

	if (c == NULL)
		c = SSL_get_pending_cipher(d->ssl);
	if (c != NULL && SSL_CIPHER_get_cipher_nid(c) == NID_chacha20_poly1305)
		return DTLS_AEAD_CHACHA_OVERHEAD;
	return DTLS_AEAD_GCM_OVERHEAD;
}

/* OpenSSL 3.0 stops reading for good after a protected record that holds
 * no plaintext: one shorter than the AEAD overhead (forgeable by anyone who
 * can spoof the peer's address) or an authentic empty one (openssl#27316).
 * Neither carries anything, so a datagram containing one is dropped here.
 * Epoch 0 records (the handshake, ChangeCipherSpec) are not protected. */
static int
records_ok(const struct dtls *d, const uint8_t *p, size_t n)
{
	size_t min = aead_overhead(d);
	struct rd r;

	rd_init(&r, p, n);
	while (rd_left(&r) > 0) {
		uint16_t epoch, len;
		(void)rd_bytes(&r, 3);   /* type, version */
		epoch = rd_u16(&r);
		(void)rd_bytes(&r, 6);   /* sequence number */
		len = rd_u16(&r);
		if (rd_bytes(&r, len) == NULL)
			return 0;
		if (epoch != 0 && len <= min)
			return 0;
	}
	return !r.err;
}

int
dtls_input(struct dtls *d, const uint8_t *p, size_t n)
{
	int r = 0;

	if (d->state == DTLS_FAILED)
		return -1;
	if (d->state == DTLS_CLOSED || n < DTLS_REC_HDR || n > DTLS_MAX_INPUT)
		return 0;
	if (d->state == DTLS_NEW) {
		if (d->cfg.role == DTLS_ROLE_CLIENT)
			return 0;   /* nothing sent yet: not for us */
		d->state = DTLS_HANDSHAKE;
	}
	if (d->state == DTLS_HANDSHAKE) {
		d->hs_bytes += n;
		if (d->hs_bytes > DTLS_MAX_HANDSHAKE_BYTES)
			return fail(d, "handshake exceeded %d bytes", DTLS_MAX_HANDSHAKE_BYTES);
	}
	if (!records_ok(d, p, n))
		return 0;
	if (BIO_write(d->rbio, p, (int)n) != (int)n)
		return fail(d, "cannot buffer a datagram");
	if (d->state == DTLS_HANDSHAKE)
		r = drive_handshake(d);
	if (r == 0 && d->state == DTLS_CONNECTED)
		r = read_records(d);
	/* Whatever OpenSSL left unread belonged to this datagram only. */
	if (BIO_ctrl_pending(d->rbio) > 0)
		(void)BIO_reset(d->rbio);
	return d->state == DTLS_FAILED ? -1 : r;
}

size_t
dtls_max_send(const struct dtls *d)
{
	if (d->state != DTLS_CONNECTED)
		return 0;
	return DTLS_get_data_mtu(d->ssl);
}

int
dtls_send(struct dtls *d, const uint8_t *p, size_t n)
{
	int r;

	if (d->state != DTLS_CONNECTED || n == 0 || n > dtls_max_send(d))
		return -1;
	ERR_clear_error();
	r = SSL_write(d->ssl, p, (int)n);
	if (r == (int)n)
		return 0;
	return fail_ssl(d, "write", SSL_get_error(d->ssl, r));
}

/* --- timers and shutdown ------------------------------------------------- */

uint64_t
dtls_timeout_ms(const struct dtls *d)
{
	struct timeval tv;

	if (d->state != DTLS_HANDSHAKE && d->state != DTLS_CONNECTED)
		return UINT64_MAX;
	if (DTLSv1_get_timeout(d->ssl, &tv) != 1)
		return UINT64_MAX;
	return (uint64_t)tv.tv_sec * 1000u + ((uint64_t)tv.tv_usec + 999u) / 1000u;
}

int
dtls_handle_timeout(struct dtls *d)
{
	if (d->state == DTLS_FAILED)
		return -1;
	if (d->state != DTLS_HANDSHAKE && d->state != DTLS_CONNECTED)
		return 0;
	ERR_clear_error();
	if (DTLSv1_handle_timeout(d->ssl) < 0)
		return fail_ssl(d, "retransmission", 0);
	return 0;
}

int
dtls_close(struct dtls *d)
{
	if (d->state == DTLS_FAILED)
		return -1;
	if (d->state == DTLS_CONNECTED) {
		ERR_clear_error();
		(void)SSL_shutdown(d->ssl);   /* 0 = our close_notify is out */
		ERR_clear_error();
	}
	d->state = DTLS_CLOSED;
	return 0;
}

/* --- accessors ----------------------------------------------------------- */

enum dtls_state
dtls_state(const struct dtls *d)
{
	return d->state;
}

const char *
dtls_state_name(enum dtls_state s)
{
	static const char *const names[] = { "new", "handshake", "connected", "closed",
		"failed" };

	if ((unsigned)s >= sizeof(names) / sizeof(names[0]))
		return "?";
	return names[s];
}

const char *
dtls_error(const struct dtls *d)
{
	return d->err;
}

int
dtls_peer_fingerprint(const struct dtls *d, uint8_t out[DTLS_FP_LEN])
{
	if (!d->was_connected || d->state == DTLS_FAILED)
		return -1;
	memcpy(out, d->got_fp, DTLS_FP_LEN);
	return 0;
}

int
dtls_srtp_keys(const struct dtls *d, struct dtls_srtp_keys *k)
{
	if (!d->have_srtp || !d->was_connected || d->state == DTLS_FAILED)
		return -1;
	*k = d->keys;
	return 0;
}

const char *
dtls_cipher(const struct dtls *d)
{
	if (!d->was_connected)
		return NULL;
	return SSL_get_cipher_name(d->ssl);
}
