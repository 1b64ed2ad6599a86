/* cstream: stream ids, entries, member keys, de-duplication and history
 * selection for the cluster link (see cstream.h). */
#include "cstream.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Decimal digits only, no sign, no leading '+', at most 20 digits, no
 * overflow. */
static int
parse_u64(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;

	if (n == 0 || n > 20)
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned d;
		if (s[i] < '0' || s[i] > '9')
			return -1;
		d = (unsigned)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

int
cstream_id_parse(const char *s, size_t n, struct cstream_id *id)
{
	const char *dash = memchr(s, '-', n);

	if (dash == NULL)
		return -1;
	if (parse_u64(s, (size_t)(dash - s), &id->ms) < 0 ||
	    parse_u64(dash + 1, n - (size_t)(dash - s) - 1, &id->seq) < 0)
		return -1;
	return 0;
}

int
cstream_id_cmp(const struct cstream_id *a, const struct cstream_id *b)
{
	if (a->ms != b->ms)
		return a->ms < b->ms ? -1 : 1;
	if (a->seq != b->seq)
		return a->seq < b->seq ? -1 : 1;
	return 0;
}

char *
cstream_id_format(const struct cstream_id *id, char *out)
{
	snprintf(out, CSTREAM_ID_STRLEN, "%" PRIu64 "-%" PRIu64, id->ms, id->seq);
	return out;
}

void
cstream_boot_id(uint64_t wall_ms, uint16_t rnd, char out[CSTREAM_BOOT_LEN + 1])
{
	snprintf(out, CSTREAM_BOOT_LEN + 1, "%012" PRIx64 "%04x", (uint64_t)(wall_ms & 0xffffffffffffULL),
	    (unsigned)rnd);
}

int
cstream_valid_boot(const char *b, size_t n)
{
	if (n != CSTREAM_BOOT_LEN)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((b[i] >= '0' && b[i] <= '9') || (b[i] >= 'a' && b[i] <= 'f')))
			return 0;
	return 1;
}

static int
valid_node(const char *s, size_t n)
{
	char tmp[CONFIG_NODE_MAX + 1];

	if (n == 0 || n > CONFIG_NODE_MAX || memchr(s, '\0', n) != NULL)
		return 0;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	return config_valid_node(tmp);
}

int
cstream_member_key(const char *node, const char *boot, uint32_t conn, char *out, size_t cap)
{
	int n = snprintf(out, cap, "%s/%s/%" PRIu32, node, boot, conn);

	return n < 0 || (size_t)n >= cap ? -1 : n;
}

int
cstream_member_key_parse(const char *key, size_t n, char node[CONFIG_NODE_MAX + 1],
    char boot[CSTREAM_BOOT_LEN + 1], uint32_t *conn)
{
	const char *s1 = memchr(key, '/', n), *s2;
	uint64_t c;
	size_t nl, bl;

	if (s1 == NULL)
		return -1;
	nl = (size_t)(s1 - key);
	s2 = memchr(s1 + 1, '/', n - nl - 1);
	if (s2 == NULL)
		return -1;
	bl = (size_t)(s2 - s1 - 1);
	if (!valid_node(key, nl) || !cstream_valid_boot(s1 + 1, bl) ||
	    parse_u64(s2 + 1, n - nl - bl - 2, &c) < 0 || c == 0 || c > UINT32_MAX)
		return -1;
	memcpy(node, key, nl);
	node[nl] = '\0';
	memcpy(boot, s1 + 1, bl);
	boot[bl] = '\0';
	*conn = (uint32_t)c;
	return 0;
}

static int
field_is(const struct cstream_bytes *k, const char *name)
{
	size_t n = strlen(name);
	return k->len == n && memcmp(k->p, name, n) == 0;
}

/* Copy a short text field into a NUL-terminated buffer. */
static int
copy_text(const struct cstream_bytes *v, char *out, size_t cap)
{
	if (v->len >= cap || memchr(v->p, '\0', v->len) != NULL)
		return -1;
	memcpy(out, v->p, v->len);
	out[v->len] = '\0';
	return 0;
}

struct seen {
	int o, b, s, c, j, g, e, f, w;
};

static int
decode_field(enum cstream_kind kind, const struct cstream_bytes *k, const struct cstream_bytes *v,
    struct cstream_entry *e, struct seen *sn, const char **why)
{
	uint64_t u;

	if (field_is(k, "o")) {
		if (!valid_node((const char *)v->p, v->len) || copy_text(v, e->origin, sizeof(e->origin)) < 0)
			return *why = "bad origin node", -1;
		sn->o = 1;
	} else if (field_is(k, "b")) {
		if (!cstream_valid_boot((const char *)v->p, v->len) || copy_text(v, e->boot, sizeof(e->boot)) < 0)
			return *why = "bad boot id", -1;
		sn->b = 1;
	} else if (kind == CSTREAM_MSG && field_is(k, "s")) {
		if (parse_u64((const char *)v->p, v->len, &e->seq) < 0 || e->seq == 0)
			return *why = "bad sequence", -1;
		sn->s = 1;
	} else if (kind == CSTREAM_MSG && field_is(k, "c")) {
		if (parse_u64((const char *)v->p, v->len, &u) < 0 || u > UINT32_MAX)
			return *why = "bad connection id", -1;
		e->conn = (uint32_t)u;
		sn->c = 1;
	} else if (kind == CSTREAM_MSG && field_is(k, "j")) {
		if (v->len == 0 || v->len > CSTREAM_MAX_JSON)
			return *why = "chat JSON size out of limits", -1;
		e->json = *v;
		sn->j = 1;
	} else if (kind == CSTREAM_MSG && field_is(k, "g")) {
		if (v->len > WIRE_MAX_GOSSIP)
			return *why = "gossip message too large", -1;
		e->gossip = *v;
		sn->g = 1;
	} else if (kind == CSTREAM_PRESENCE && field_is(k, "e")) {
		if (copy_text(v, e->event, sizeof(e->event)) < 0 || (strcmp(e->event, "join") != 0 &&
		    strcmp(e->event, "update") != 0 && strcmp(e->event, "leave") != 0))
			return *why = "bad presence event", -1;
		sn->e = 1;
	} else if (kind == CSTREAM_PRESENCE && field_is(k, "f")) {
		char node[CONFIG_NODE_MAX + 1], boot[CSTREAM_BOOT_LEN + 1];
		uint32_t conn;
		if (cstream_member_key_parse((const char *)v->p, v->len, node, boot, &conn) < 0 ||
		    copy_text(v, e->member, sizeof(e->member)) < 0)
			return *why = "bad member key", -1;
		sn->f = 1;
	} else if (kind == CSTREAM_PRESENCE && field_is(k, "w")) {
		if (v->len == 0 || v->len > CSTREAM_MAX_INFO)
			return *why = "member info size out of limits", -1;
		e->info = *v;
		sn->w = 1;
	}
	return 0;
}

int
cstream_entry_decode(enum cstream_kind kind, const struct cstream_id *id,
    const struct cstream_bytes *kv, size_t nkv, struct cstream_entry *e, const char **why)
{
	struct seen sn = { 0 };

	memset(e, 0, sizeof(*e));
	e->id = *id;
	if (nkv % 2 != 0 || nkv > 32)
		return *why = "odd or too many fields", -1;
	for (size_t i = 0; i < nkv; i += 2)
		if (decode_field(kind, &kv[i], &kv[i + 1], e, &sn, why) < 0)
			return -1;
	if (!sn.o || !sn.b)
		return *why = "origin or boot missing", -1;
	if (kind == CSTREAM_MSG && (!sn.s || !sn.c || !sn.j))
		return *why = "message fields missing", -1;
	if (kind == CSTREAM_PRESENCE && (!sn.e || !sn.f || !sn.w))
		return *why = "presence fields missing", -1;
	return 0;
}

void
cstream_dedup_init(struct cstream_dedup *d)
{
	memset(d, 0, sizeof(*d));
}

int
cstream_dedup_check(struct cstream_dedup *d, const char *node, const char *boot, uint64_t seq)
{
	struct cstream_origin *o = NULL;

	for (int i = 0; i < d->n; i++)
		if (strcmp(d->o[i].node, node) == 0) {
			o = &d->o[i];
			break;
		}
	if (o != NULL && strcmp(o->boot, boot) == 0 && seq <= o->seq)
		return 0;
	if (o == NULL) {
		/* Bounded: past CSTREAM_MAX_ORIGINS nodes, forget one in turn. */
		if (d->n < CSTREAM_MAX_ORIGINS) {
			o = &d->o[d->n++];
		} else {
			o = &d->o[d->next_evict];
			d->next_evict = (d->next_evict + 1) % CSTREAM_MAX_ORIGINS;
		}
		snprintf(o->node, sizeof(o->node), "%s", node);
	}
	snprintf(o->boot, sizeof(o->boot), "%s", boot);
	o->seq = seq;
	return 1;
}

int
cstream_history_wants(const struct cstream_history *h, const struct cstream_entry *e)
{
	if (strcmp(e->origin, h->self) == 0 && strcmp(e->boot, h->self_boot) == 0)
		return e->seq < h->self_seq_next;   /* later ones reached it live */
	if (strcmp(e->origin, h->self) == 0)
		return 1;                           /* an earlier run of this host */
	return cstream_id_cmp(&e->id, &h->boundary) <= 0;
}

char *
cstream_delivery_json(const struct cstream_entry *e, int history, size_t *len)
{
	json_error_t je;
	json_t *j = json_loadb((const char *)e->json.p, e->json.len, JSON_REJECT_DUPLICATES, &je);
	const char *type = json_string_value(json_object_get(j, "type"));
	char *out = NULL;

	if (json_is_object(j) && type && strcmp(type, "msg") == 0 &&
	    json_object_set_new(j, "node", json_string(e->origin)) == 0 &&
	    (!history || json_object_set_new(j, "history", json_true()) == 0))
		out = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (out == NULL)
		return NULL;
	*len = strlen(out);
	if (*len > WIRE_MAX_BLOB) {
		free(out);
		return NULL;
	}
	return out;
}

json_t *
cstream_member_info(const struct cstream_entry *e)
{
	json_error_t je;
	json_t *j = json_loadb((const char *)e->info.p, e->info.len, JSON_REJECT_DUPLICATES, &je);

	if (!json_is_object(j)) {
		json_decref(j);
		return NULL;
	}
	return j;
}
