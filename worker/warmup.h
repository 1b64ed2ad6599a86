/* warmup: run every cryptographic path a connection uses once, in memory,
 * so that OpenSSL's lazily filled state (provider algorithm caches, method
 * tables, error strings, the STUN HMAC handle) is built before the worker
 * template forks: the workers then share those pages instead of each
 * building its own copy on its first handshake. */
#ifndef RTCD_WARMUP_H
#define RTCD_WARMUP_H

/* A DTLS 1.2 handshake between two in-memory endpoints (ECDSA P-256,
 * ECDHE, AES-GCM, DTLS-SRTP export), a Noise XX handshake with one
 * transport message (X25519, ChaCha20-Poly1305, SHA-256), and one STUN
 * MESSAGE-INTEGRITY (HMAC-SHA1). 0, or -1 if any step failed. */
int warmup_crypto(void);

#endif
