/* htab: chained hash table with SipHash-2-4 and doubling growth. */
#include "common/htab.h"

#include <stdlib.h>
#include <string.h>

#include "common/util.h"

struct hent {
	struct hent *next;
	uint64_t hash;
	void *val;
	size_t klen;
	uint8_t key[];
};

struct htab {
	struct hent **b;
	size_t nb;      /* power of two */
	size_t count;
	uint8_t seed[16];
};

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                         \
	do {                                                             \
		v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32); \
		v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;                   \
		v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;                   \
		v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32); \
	} while (0)

static uint64_t
le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

uint64_t
siphash24(const uint8_t k[16], const void *data, size_t len)
{
	const uint8_t *in = data;
	uint64_t k0 = le64(k), k1 = le64(k + 8);
	uint64_t v0 = 0x736f6d6570736575ULL ^ k0, v1 = 0x646f72616e646f6dULL ^ k1;
	uint64_t v2 = 0x6c7967656e657261ULL ^ k0, v3 = 0x7465646279746573ULL ^ k1;
	uint64_t b = (uint64_t)len << 56, m;
	size_t i, full = len & ~(size_t)7;

	for (i = 0; i < full; i += 8) {
		m = le64(in + i);
		v3 ^= m; SIPROUND; SIPROUND; v0 ^= m;
	}
	for (size_t j = 0; j < (len & 7); j++)
		b |= (uint64_t)in[full + j] << (8 * j);
	v3 ^= b; SIPROUND; SIPROUND; v0 ^= b;
	v2 ^= 0xff;
	SIPROUND; SIPROUND; SIPROUND; SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

struct htab *
htab_new(size_t initial)
{
	struct htab *h = calloc(1, sizeof(*h));
	size_t nb = 16;

	if (h == NULL)
		return NULL;
	while (nb < initial)
		nb <<= 1;
	h->b = calloc(nb, sizeof(*h->b));
	if (h->b == NULL || random_bytes(h->seed, sizeof(h->seed)) < 0) {
		free(h->b);
		free(h);
		return NULL;
	}
	h->nb = nb;
	return h;
}

void
htab_free(struct htab *h)
{
	if (h == NULL)
		return;
	for (size_t i = 0; i < h->nb; i++) {
		struct hent *e = h->b[i], *n;
		for (; e; e = n) {
			n = e->next;
			free(e);
		}
	}
	free(h->b);
	free(h);
}

size_t htab_count(const struct htab *h) { return h->count; }

static struct hent **
find(const struct htab *h, const void *key, size_t klen, uint64_t hash)
{
	struct hent **pp = &h->b[hash & (h->nb - 1)];

	for (; *pp; pp = &(*pp)->next)
		if ((*pp)->hash == hash && (*pp)->klen == klen &&
		    memcmp((*pp)->key, key, klen) == 0)
			return pp;
	return pp;
}

static void
grow(struct htab *h)
{
	size_t nb = h->nb << 1;
	struct hent **b = calloc(nb, sizeof(*b));

	if (b == NULL)
		return;   /* keep working with longer chains */
	for (size_t i = 0; i < h->nb; i++) {
		struct hent *e = h->b[i], *n;
		for (; e; e = n) {
			n = e->next;
			e->next = b[e->hash & (nb - 1)];
			b[e->hash & (nb - 1)] = e;
		}
	}
	free(h->b);
	h->b = b;
	h->nb = nb;
}

int
htab_put(struct htab *h, const void *key, size_t klen, void *val)
{
	uint64_t hash = siphash24(h->seed, key, klen);
	struct hent **pp = find(h, key, klen, hash), *e;

	if (*pp) {
		(*pp)->val = val;
		return 0;
	}
	e = malloc(sizeof(*e) + klen);
	if (e == NULL)
		return -1;
	e->hash = hash;
	e->val = val;
	e->klen = klen;
	memcpy(e->key, key, klen);
	e->next = NULL;
	*pp = e;
	if (++h->count > h->nb)
		grow(h);
	return 0;
}

void *
htab_get(const struct htab *h, const void *key, size_t klen)
{
	uint64_t hash = siphash24(h->seed, key, klen);
	struct hent **pp = find(h, key, klen, hash);

	return *pp ? (*pp)->val : NULL;
}

void *
htab_del(struct htab *h, const void *key, size_t klen)
{
	uint64_t hash = siphash24(h->seed, key, klen);
	struct hent **pp = find(h, key, klen, hash), *e = *pp;
	void *val;

	if (e == NULL)
		return NULL;
	*pp = e->next;
	val = e->val;
	free(e);
	h->count--;
	return val;
}

void
htab_foreach(struct htab *h, htab_iter_fn cb, void *arg)
{
	for (size_t i = 0; i < h->nb; i++) {
		struct hent **pp = &h->b[i];
		while (*pp) {
			struct hent *e = *pp;
			if (cb(e->key, e->klen, e->val, arg)) {
				*pp = e->next;
				free(e);
				h->count--;
			} else {
				pp = &e->next;
			}
		}
	}
}
