/* cert: the server's DTLS identity. Generates a self-signed ECDSA P-256
 * certificate, stores it (PEM, key 0600, atomic replace) in the state
 * directory, loads and validates it on later starts, and computes the
 * SHA-256 fingerprint that SDP (RFC 8122) and libp2p certhashes carry.
 * The certificate must stay stable across restarts: the libp2p multiaddr
 * embeds its hash. */
#ifndef RTCD_CERT_H
#define RTCD_CERT_H

#include <stddef.h>
#include <stdint.h>

#define CERT_MAX_DER 2048          /* = WIRE_MAX_CERT */
#define KEY_MAX_DER 512            /* = WIRE_MAX_KEY (PKCS#8) */
#define CERT_MAX_FILE (16 * 1024)  /* largest PEM file we agree to read */
#define CERT_FP_LEN 32             /* SHA-256 */
/* "AB:CD:..." of a SHA-256 fingerprint, with the NUL. */
#define CERT_FP_HEX_LEN (CERT_FP_LEN * 3)
#define CERT_FILE "dtls-cert.pem"
#define CERT_KEY_FILE "dtls-key.pem"

/* Fresh P-256 key and self-signed X.509 v3 certificate (ecdsa-with-SHA256,
 * random 16-byte serial, CN=rtcd, valid from now-1 day for 20 years).
 * Outputs DER certificate and PKCS#8 DER key. 0 or -1. */
int cert_generate(uint8_t *cert_der, size_t *cert_len, size_t cert_cap,
    uint8_t *key_der, size_t *key_len, size_t key_cap);

/* Load <dir>/dtls-cert.pem and <dir>/dtls-key.pem, or create both when
 * neither exists. Loaded files are validated: the key is EC P-256, not
 * readable by group/others, and matches the certificate. 0 or -1 with a
 * message naming the file in err. */
int cert_load_or_create(const char *dir, uint8_t *cert_der, size_t *cert_len, size_t cert_cap,
    uint8_t *key_der, size_t *key_len, size_t key_cap, char *err, size_t errlen);

/* SHA-256 over the DER bytes. 0 or -1. */
int cert_fingerprint_sha256(const uint8_t *der, size_t len, uint8_t out[CERT_FP_LEN]);

/* Upper-case, colon-separated hex as in SDP a=fingerprint. */
void cert_fingerprint_hex(const uint8_t fp[CERT_FP_LEN], char out[CERT_FP_HEX_LEN]);

#endif
