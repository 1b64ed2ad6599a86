/* dtls: one DTLS 1.2 endpoint (RFC 6347) over OpenSSL memory BIOs, with
 * DTLS-SRTP key export (RFC 5764) and peer-certificate fingerprint checks
 * (RFC 8122). Sans-IO: received datagrams go in through dtls_input; every
 * datagram to send comes out through cfg.send (one call = one datagram,
 * never larger than the MTU), plaintext through cfg.on_data. The caller
 * arms a timer at dtls_timeout_ms() and calls dtls_handle_timeout().
 * OpenSSL reads the wall clock for retransmissions; nothing else here does.
 *
 * Callbacks run synchronously inside dtls_* calls. send must only queue the
 * bytes; on_data/on_connected/on_closed may call dtls_send or dtls_close
 * but never dtls_free. */
#ifndef RTCD_DTLS_H
#define RTCD_DTLS_H

#include <stddef.h>
#include <stdint.h>

#define DTLS_DEFAULT_MTU 1200
#define DTLS_MIN_MTU 512
#define DTLS_MAX_MTU 1500
#define DTLS_MAX_INPUT 4096                   /* larger datagrams are dropped */
#define DTLS_MAX_HANDSHAKE_BYTES (64 * 1024)  /* input before CONNECTED */
#define DTLS_DEFAULT_MAX_CERT_LIST (8 * 1024) /* peer certificate chain */
#define DTLS_MAX_CERT_DER 8192                /* our own certificate */
#define DTLS_MAX_KEY_DER 4096                 /* our own private key */
#define DTLS_READ_BUF (16 * 1024)             /* one plaintext record */
#define DTLS_RTX_INITIAL_MS 400               /* first retransmission */
#define DTLS_RTX_MAX_MS 10000                 /* doubling stops here */
#define DTLS_FP_LEN 32                        /* SHA-256 */
#define DTLS_ERR_LEN 160

/* Offered/accepted DTLS-SRTP profiles, most preferred first. */
#define DTLS_SRTP_PROFILES "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80"

/* OpenSSL's SRTP profile ids (the RFC 5764 / RFC 7714 code points). */
#define DTLS_SRTP_AES128_CM_SHA1_80 0x0001
#define DTLS_SRTP_AEAD_AES_128_GCM 0x0007

enum dtls_role { DTLS_ROLE_SERVER = 0, DTLS_ROLE_CLIENT };

enum dtls_verify {
	DTLS_VERIFY_FINGERPRINT = 0, /* peer cert SHA-256 must equal cfg.peer_fp */
	DTLS_VERIFY_ANY,             /* any peer cert (libp2p), but one is required */
};

enum dtls_state { DTLS_NEW = 0, DTLS_HANDSHAKE, DTLS_CONNECTED, DTLS_CLOSED, DTLS_FAILED };

struct dtls_srtp_keys {
	int profile;                   /* DTLS_SRTP_* */
	uint8_t local_key[32], local_salt[14];
	uint8_t remote_key[32], remote_salt[14];
	size_t key_len, salt_len;
};

struct dtls_cfg {
	enum dtls_role role;
	const uint8_t *cert_der;       /* required for servers, optional for clients */
	size_t cert_len;
	const uint8_t *key_der;        /* PKCS#8 or traditional DER */
	size_t key_len;
	enum dtls_verify verify;
	uint8_t peer_fp[DTLS_FP_LEN];  /* expected peer fingerprint (VERIFY_FINGERPRINT) */
	int use_srtp;                  /* negotiate DTLS-SRTP */
	const char *srtp_profiles;     /* NULL = DTLS_SRTP_PROFILES */
	unsigned mtu;                  /* 0 = DTLS_DEFAULT_MTU */
	size_t max_cert_list;          /* 0 = DTLS_DEFAULT_MAX_CERT_LIST */

	void (*send)(void *arg, const uint8_t *p, size_t n);
	void (*on_data)(void *arg, const uint8_t *p, size_t n);
	void (*on_connected)(void *arg);
	void (*on_closed)(void *arg);  /* peer sent close_notify */
	void *arg;
};

struct dtls;

struct dtls *dtls_new(const struct dtls_cfg *cfg, char *err, size_t errlen);
void dtls_free(struct dtls *d);
/* Set or replace the expected peer fingerprint before the handshake ends
 * (the SDP may arrive after the engine exists). Enables verification. */
void dtls_set_peer_fingerprint(struct dtls *d, const uint8_t fp[DTLS_FP_LEN]);
/* Client: send the ClientHello. Server: wait for one. 0 or -1. */
int dtls_start(struct dtls *d);
/* One received datagram. 0, or -1 once the engine has FAILED. */
int dtls_input(struct dtls *d, const uint8_t *p, size_t n);
/* One application record (at most dtls_max_send bytes). 0, or -1 when not
 * connected, too large, or on a fatal error. */
int dtls_send(struct dtls *d, const uint8_t *p, size_t n);
/* Largest dtls_send payload whose record fits in the MTU (0 before
 * CONNECTED). */
size_t dtls_max_send(const struct dtls *d);
/* ms until the next retransmission is due; UINT64_MAX when none. */
uint64_t dtls_timeout_ms(const struct dtls *d);
/* Retransmit if due. 0, or -1 when the handshake gave up (FAILED). */
int dtls_handle_timeout(struct dtls *d);
/* Send close_notify (when connected) and enter CLOSED. 0 or -1. */
int dtls_close(struct dtls *d);

enum dtls_state dtls_state(const struct dtls *d);
const char *dtls_state_name(enum dtls_state s);
/* Why the engine FAILED (or "" ). */
const char *dtls_error(const struct dtls *d);
/* SHA-256 of the peer certificate. 0 once CONNECTED, else -1. */
int dtls_peer_fingerprint(const struct dtls *d, uint8_t out[DTLS_FP_LEN]);
/* Exported SRTP keys, local/remote by role. 0 when SRTP was negotiated. */
int dtls_srtp_keys(const struct dtls *d, struct dtls_srtp_keys *k);
/* Negotiated cipher suite name, or NULL. */
const char *dtls_cipher(const struct dtls *d);

#endif
