/* cstream: the pure parts of the cluster link (cluster.h), without sockets,
 * clocks or a Redis client, so they can be unit-tested with bytes: Redis
 * stream ids, the fields of one stream entry decoded and checked against
 * limits, member keys ("<node>/<boot>/<conn>"), boot ids, per-origin
 * de-duplication of messages, which entries a joining member gets as
 * history, and the chat JSON a remote message is delivered as.
 *
 * A message entry (stream rtcd:room:<R>:msgs) has the fields
 *   o origin node, b origin boot id, s per-boot sequence (1, 2, ...),
 *   c publisher's connection id, j chat JSON, g signed libp2p pubsub Message;
 * a presence entry (stream rtcd:room:<R>:presence)
 *   o origin node, b origin boot id, e join|update|leave, f member key,
 *   w member info JSON. */
#ifndef RTCD_CSTREAM_H
#define RTCD_CSTREAM_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "common/wire.h"
#include "config.h"

#define CSTREAM_BOOT_LEN 16              /* hex: 12 digits of wall ms + 4 random */
#define CSTREAM_ID_STRLEN 44             /* "<u64>-<u64>" */
#define CSTREAM_MAX_JSON (WIRE_MAX_BLOB - 512)   /* room for "node" and "history" */
#define CSTREAM_MAX_INFO 1024            /* member info JSON */
#define CSTREAM_MEMBER_KEY_MAX (CONFIG_NODE_MAX + CSTREAM_BOOT_LEN + 16)
#define CSTREAM_MAX_ORIGINS 64           /* origins remembered per room for de-duplication */

struct cstream_id {
	uint64_t ms, seq;
};

struct cstream_bytes {
	const uint8_t *p;
	size_t len;
};

enum cstream_kind { CSTREAM_MSG = 1, CSTREAM_PRESENCE = 2 };

struct cstream_entry {
	struct cstream_id id;
	char origin[CONFIG_NODE_MAX + 1];
	char boot[CSTREAM_BOOT_LEN + 1];
	/* CSTREAM_MSG */
	uint64_t seq;
	uint32_t conn;
	struct cstream_bytes json;
	struct cstream_bytes gossip;     /* may be empty */
	/* CSTREAM_PRESENCE */
	char event[8];                   /* "join", "update", "leave" */
	char member[CSTREAM_MEMBER_KEY_MAX + 1];
	struct cstream_bytes info;
};

struct cstream_origin {
	char node[CONFIG_NODE_MAX + 1];
	char boot[CSTREAM_BOOT_LEN + 1];
	uint64_t seq;
};

/* The last (boot, seq) delivered per origin node in one room. */
struct cstream_dedup {
	struct cstream_origin o[CSTREAM_MAX_ORIGINS];
	int n;
	int next_evict;
};

/* Which history entries a member that joined at some moment gets: the ones
 * it could not have received live. */
struct cstream_history {
	const char *self;                /* this node */
	const char *self_boot;
	uint64_t self_seq_next;          /* our next sequence when it joined */
	struct cstream_id boundary;      /* remote entries after this reach it live */
};

/* "ms-seq" (seq required) -> id; 0 or -1. */
int cstream_id_parse(const char *s, size_t n, struct cstream_id *id);
int cstream_id_cmp(const struct cstream_id *a, const struct cstream_id *b);
/* out must hold CSTREAM_ID_STRLEN bytes; returns out. */
char *cstream_id_format(const struct cstream_id *id, char *out);

/* A boot id: 12 hex digits of wall_ms, 4 of rnd: later boots compare greater. */
void cstream_boot_id(uint64_t wall_ms, uint16_t rnd, char out[CSTREAM_BOOT_LEN + 1]);
int cstream_valid_boot(const char *b, size_t n);

/* Member keys: "<node>/<boot>/<conn>". */
int cstream_member_key(const char *node, const char *boot, uint32_t conn, char *out, size_t cap);
int cstream_member_key_parse(const char *key, size_t n, char node[CONFIG_NODE_MAX + 1],
    char boot[CSTREAM_BOOT_LEN + 1], uint32_t *conn);

/* Decode one entry's field/value pairs (kv[0] = name, kv[1] = value, ...;
 * views into the caller's memory). Unknown fields are ignored; missing or
 * out-of-limit ones fail. 0, or -1 with *why. */
int cstream_entry_decode(enum cstream_kind kind, const struct cstream_id *id,
    const struct cstream_bytes *kv, size_t nkv, struct cstream_entry *e, const char **why);

void cstream_dedup_init(struct cstream_dedup *d);
/* 1 when (node, boot, seq) is new for this room (and remembers it), 0 when
 * it was delivered already or comes out of order (same boot, seq not above
 * the last). A different boot of a node starts over. */
int cstream_dedup_check(struct cstream_dedup *d, const char *node, const char *boot, uint64_t seq);

/* 1 when a history entry goes to the joining member described by h. */
int cstream_history_wants(const struct cstream_history *h, const struct cstream_entry *e);

/* The chat JSON of a remote message as delivered to local members: the
 * entry's JSON object (it must be one, with "type": "msg") plus "node": the
 * origin, and "history": true for history. malloc'd text, or NULL. */
char *cstream_delivery_json(const struct cstream_entry *e, int history, size_t *len);

/* The member info of a presence entry: a JSON object, or NULL. */
json_t *cstream_member_info(const struct cstream_entry *e);

#endif
