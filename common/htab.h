/* htab: a hash table keyed by byte strings (copied in), with a per-table
 * random SipHash key so remote peers cannot aim collisions at it. Used for the
 * supervisor's flow, ufrag, tuple-id and per-IP tables. */
#ifndef RTCD_HTAB_H
#define RTCD_HTAB_H

#include <stddef.h>
#include <stdint.h>

struct htab;

struct htab *htab_new(size_t initial_buckets);
void htab_free(struct htab *h);
size_t htab_count(const struct htab *h);
/* Insert or replace; -1 on allocation failure. */
int htab_put(struct htab *h, const void *key, size_t klen, void *val);
void *htab_get(const struct htab *h, const void *key, size_t klen);
/* Remove; returns the value or NULL when absent. */
void *htab_del(struct htab *h, const void *key, size_t klen);

/* Iteration: cb returns nonzero to delete the entry. Safe to call htab_get
 * from the callback, not htab_put/htab_del. */
typedef int (*htab_iter_fn)(const void *key, size_t klen, void *val, void *arg);
void htab_foreach(struct htab *h, htab_iter_fn cb, void *arg);

uint64_t siphash24(const uint8_t k[16], const void *data, size_t len);

#endif
