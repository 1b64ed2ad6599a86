/* fuzz: what every fuzz target shares: the libFuzzer entry point's
 * prototype and a lenient reader that splits one fuzz input into control
 * bytes and chunks (reads past the end yield zeros and empty chunks, so any
 * input is a valid script). FUZZ_CHECK aborts on a broken invariant so that
 * libFuzzer and the replay runner both report it as a crash. */
#ifndef RTCD_FUZZ_H
#define RTCD_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Log at debug level into a sink that drops the lines (fuzz_stubs.c): the
 * formatting still runs, the output stays quiet. */
void fuzz_quiet_logs(void);

#define FUZZ_CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond); \
		abort(); \
	} \
} while (0)

struct fz {
	const uint8_t *p;
	size_t n;
};

static inline void
fz_init(struct fz *f, const uint8_t *p, size_t n)
{
	f->p = p;
	f->n = n;
}

static inline uint8_t
fz_u8(struct fz *f)
{
	uint8_t v = 0;

	if (f->n > 0) {
		v = f->p[0];
		f->p++;
		f->n--;
	}
	return v;
}

static inline uint16_t
fz_u16(struct fz *f)
{
	uint16_t hi = fz_u8(f);

	return (uint16_t)((hi << 8) | fz_u8(f));
}

static inline uint32_t
fz_u32(struct fz *f)
{
	uint32_t hi = fz_u16(f);

	return (hi << 16) | fz_u16(f);
}

/* Up to want bytes (fewer at the end of the input). */
static inline const uint8_t *
fz_take(struct fz *f, size_t want, size_t *got)
{
	const uint8_t *q = f->p;

	*got = want < f->n ? want : f->n;
	f->p += *got;
	f->n -= *got;
	return q;
}

/* A chunk prefixed by a 16-bit length (clamped to what is left). */
static inline const uint8_t *
fz_chunk16(struct fz *f, size_t *got)
{
	return fz_take(f, fz_u16(f), got);
}

/* A chunk prefixed by an 8-bit length. */
static inline const uint8_t *
fz_chunk8(struct fz *f, size_t *got)
{
	return fz_take(f, fz_u8(f), got);
}

/* A malloc'd copy of n bytes (exact size, so ASan sees any over-read). */
static inline uint8_t *
fz_dup(const uint8_t *p, size_t n)
{
	uint8_t *q = malloc(n ? n : 1);

	FUZZ_CHECK(q != NULL);
	for (size_t i = 0; i < n; i++)
		q[i] = p[i];
	return q;
}

/* A malloc'd NUL-terminated copy. */
static inline char *
fz_strdup(const uint8_t *p, size_t n)
{
	char *q = malloc(n + 1);

	FUZZ_CHECK(q != NULL);
	for (size_t i = 0; i < n; i++)
		q[i] = (char)p[i];
	q[n] = '\0';
	return q;
}

#endif
