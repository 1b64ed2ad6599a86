/* buf: bounds-checked byte readers and writers. Every parser of wire or peer
 * bytes reads through `struct rd`; an out-of-bounds read sets err and yields
 * zeros, so callers check err once at the end (s2n "stuffer" style). */
#ifndef RTCD_BUF_H
#define RTCD_BUF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct rd {
	const uint8_t *p;
	size_t len;
	size_t off;
	int err;
};

struct wr {
	uint8_t *p;
	size_t cap;
	size_t len;
	int err;
};

static inline void
rd_init(struct rd *r, const void *p, size_t len)
{
	r->p = p;
	r->len = len;
	r->off = 0;
	r->err = 0;
}

static inline size_t rd_left(const struct rd *r) { return r->err ? 0 : r->len - r->off; }
/* True when every byte was consumed and nothing overran. */
static inline int rd_done(const struct rd *r) { return !r->err && r->off == r->len; }

static inline const uint8_t *
rd_bytes(struct rd *r, size_t n)
{
	const uint8_t *q;

	if (r->err || n > r->len - r->off) {
		r->err = 1;
		return NULL;
	}
	q = r->p + r->off;
	r->off += n;
	return q;
}

static inline int
rd_copy(struct rd *r, void *dst, size_t n)
{
	const uint8_t *q = rd_bytes(r, n);

	if (q == NULL) {
		memset(dst, 0, n);
		return -1;
	}
	memcpy(dst, q, n);
	return 0;
}

static inline uint8_t
rd_u8(struct rd *r)
{
	const uint8_t *q = rd_bytes(r, 1);
	return q ? q[0] : 0;
}

static inline uint16_t
rd_u16(struct rd *r)
{
	const uint8_t *q = rd_bytes(r, 2);
	return q ? (uint16_t)((q[0] << 8) | q[1]) : 0;
}

static inline uint32_t
rd_u32(struct rd *r)
{
	const uint8_t *q = rd_bytes(r, 4);
	return q ? ((uint32_t)q[0] << 24) | ((uint32_t)q[1] << 16) |
	    ((uint32_t)q[2] << 8) | q[3] : 0;
}

static inline uint64_t
rd_u64(struct rd *r)
{
	uint64_t hi = rd_u32(r);
	return (hi << 32) | rd_u32(r);
}

static inline void
wr_init(struct wr *w, void *p, size_t cap)
{
	w->p = p;
	w->cap = cap;
	w->len = 0;
	w->err = 0;
}

/* Reserve n bytes and return a pointer to them, or NULL (err set). */
static inline uint8_t *
wr_reserve(struct wr *w, size_t n)
{
	uint8_t *q;

	if (w->err || n > w->cap - w->len) {
		w->err = 1;
		return NULL;
	}
	q = w->p + w->len;
	w->len += n;
	return q;
}

static inline void
wr_bytes(struct wr *w, const void *src, size_t n)
{
	uint8_t *q = wr_reserve(w, n);
	if (q && n)
		memcpy(q, src, n);
}

static inline void
wr_u8(struct wr *w, uint8_t v)
{
	wr_bytes(w, &v, 1);
}

static inline void
wr_u16(struct wr *w, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };
	wr_bytes(w, b, 2);
}

static inline void
wr_u32(struct wr *w, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };
	wr_bytes(w, b, 4);
}

static inline void
wr_u64(struct wr *w, uint64_t v)
{
	wr_u32(w, (uint32_t)(v >> 32));
	wr_u32(w, (uint32_t)v);
}

#endif
