/* stun: STUN message codec (RFC 8489/5389) as used by ICE (RFC 8445):
 * parsing into attribute views, MESSAGE-INTEGRITY (HMAC-SHA1, short-term
 * credentials), FINGERPRINT (CRC-32), XOR-MAPPED-ADDRESS and a builder for
 * responses. Also stun_peek(), the only STUN code the supervisor runs: header
 * sanity plus the local ufrag from USERNAME, nothing else. Pure: no I/O. */
#ifndef RTCD_STUN_H
#define RTCD_STUN_H

#include <stddef.h>
#include <stdint.h>

#include "common/addr.h"
#include "common/buf.h"

#define STUN_HDR_LEN 20
#define STUN_MAGIC 0x2112A442u
#define STUN_MAX_ATTRS 32

#define STUN_BINDING_REQUEST 0x0001
#define STUN_BINDING_SUCCESS 0x0101
#define STUN_BINDING_ERROR 0x0111
#define STUN_BINDING_INDICATION 0x0011

#define STUN_ATTR_MAPPED_ADDRESS 0x0001
#define STUN_ATTR_USERNAME 0x0006
#define STUN_ATTR_MESSAGE_INTEGRITY 0x0008
#define STUN_ATTR_ERROR_CODE 0x0009
#define STUN_ATTR_UNKNOWN_ATTRIBUTES 0x000A
#define STUN_ATTR_XOR_MAPPED_ADDRESS 0x0020
#define STUN_ATTR_PRIORITY 0x0024
#define STUN_ATTR_USE_CANDIDATE 0x0025
#define STUN_ATTR_SOFTWARE 0x8022
#define STUN_ATTR_FINGERPRINT 0x8028
#define STUN_ATTR_ICE_CONTROLLED 0x8029
#define STUN_ATTR_ICE_CONTROLLING 0x802A

struct stun_attr {
	uint16_t type;
	uint16_t len;
	uint16_t off;           /* offset of the value from the message start */
};

struct stun_msg {
	const uint8_t *raw;
	size_t len;             /* whole message, header included */
	uint16_t type;
	uint8_t txid[12];
	int nattr;
	struct stun_attr attr[STUN_MAX_ATTRS];
	int integrity_idx;      /* index into attr or -1 */
	int fingerprint_idx;    /* index into attr or -1 */
};

enum stun_peek_result {
	STUN_PEEK_NOT_STUN = 0,     /* not a STUN message at all */
	STUN_PEEK_OTHER,            /* STUN, but not a routable Binding request */
	STUN_PEEK_BINDING,          /* Binding request with a USERNAME */
};

/* Supervisor: classify and, for Binding requests, copy the part of USERNAME
 * before ':' (the recipient's ufrag) into lufrag. */
enum stun_peek_result stun_peek(const uint8_t *p, size_t n, char *lufrag, size_t cap);

/* True if the first bytes look like STUN (RFC 7983 range 0..3 + cookie). */
int stun_is_stun(const uint8_t *p, size_t n);

/* Parse a full message; 0 or -1 (malformed). Unknown attributes are kept. */
int stun_parse(struct stun_msg *m, const uint8_t *p, size_t n);
const struct stun_attr *stun_find(const struct stun_msg *m, uint16_t type);
static inline const uint8_t *stun_attr_value(const struct stun_msg *m, const struct stun_attr *a)
{
	return m->raw + a->off;
}
/* 0 when the HMAC-SHA1 over the message (RFC 8489 §14.5) matches key. */
int stun_check_integrity(const struct stun_msg *m, const void *key, size_t keylen);
int stun_check_fingerprint(const struct stun_msg *m);
/* Decode (XOR-)MAPPED-ADDRESS values. */
int stun_get_xor_addr(const struct stun_msg *m, const struct stun_attr *a, struct addr *out);

/* Builder: writes into a caller buffer. */
struct stun_builder {
	struct wr w;
};
void stun_build_begin(struct stun_builder *b, uint8_t *buf, size_t cap, uint16_t type,
    const uint8_t txid[12]);
void stun_build_attr(struct stun_builder *b, uint16_t type, const void *v, uint16_t len);
void stun_build_xor_addr(struct stun_builder *b, uint16_t type, const struct addr *a);
void stun_build_error_code(struct stun_builder *b, int code, const char *reason);
void stun_build_integrity(struct stun_builder *b, const void *key, size_t keylen);
void stun_build_fingerprint(struct stun_builder *b);
/* Returns the message length or -1 if anything overflowed. */
int stun_build_end(struct stun_builder *b);

uint32_t stun_crc32(const uint8_t *p, size_t n);

#endif
