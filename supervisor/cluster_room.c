/* cluster_room: the rooms side of the cluster link (see cluster.h): for each
 * room with local members, a consistent snapshot when the link comes up
 * (read positions + members on other hosts), this host's members written
 * to Redis (coalesced: one sync per room in flight), history for joining
 * members, and the reader: XREAD BLOCK on the msgs and presence streams of
 * those rooms from the last id read, so nothing is missed or repeated
 * across reconnects. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster_int.h"
#include "cluster_lua.h"
#include "common/htab.h"
#include "common/log.h"
#include "common/util.h"
#include "rooms.h"
#include "sup.h"

#define KV_MAX 32

struct rmember {                      /* a member on another host */
	char node[CONFIG_NODE_MAX + 1];
	char boot[CSTREAM_BOOT_LEN + 1];
	json_t *info;
};

struct croom {
	char name[WIRE_MAX_NAME + 1];
	uint64_t serial;
	int opened;                   /* msgs_start / msgs_last are valid */
	uint32_t open_gen;            /* OPEN sent on this link generation */
	uint32_t synced_gen;          /* ... and answered: the room is read */
	int sync_inflight, dirty;
	struct cstream_id msgs_start, msgs_last, pres_last;
	struct htab *remote;          /* member key -> struct rmember */
	int nremote;
	struct cstream_dedup dedup;
	TAILQ_HEAD(, hist) waiting;   /* joiners owed history, not yet asked for */
	int nwaiting;
};

static int room_work;                 /* some room has a sync or history to send */

int
cluster_rooms_init(struct cluster *cl)
{
	cl->rooms = htab_new(64);
	return cl->rooms ? 0 : -1;
}

static int
free_remote(const void *k, size_t kl, void *v, void *arg)
{
	struct rmember *m = v;

	json_decref(m->info);
	free(m);
	return 1;
}

static void
croom_free(struct croom *cr)
{
	struct hist *h;

	htab_foreach(cr->remote, free_remote, NULL);
	htab_free(cr->remote);
	while ((h = TAILQ_FIRST(&cr->waiting)) != NULL) {
		TAILQ_REMOVE(&cr->waiting, h, link);
		free(h);
	}
	free(cr);
}

static int
free_room(const void *k, size_t kl, void *v, void *arg)
{
	croom_free(v);
	return 1;
}

void
cluster_rooms_free(struct cluster *cl)
{
	if (cl->rooms) {
		htab_foreach(cl->rooms, free_room, NULL);
		htab_free(cl->rooms);
	}
	cl->rooms = NULL;
}

static struct croom *
croom_get(struct cluster *cl, const char *name)
{
	return htab_get(cl->rooms, name, strlen(name));
}

/* The room a reply is about, if it is still the same instance. */
static struct croom *
croom_of(struct cluster *cl, const struct cl_req *q)
{
	struct croom *cr = croom_get(cl, q->room);

	return cr && cr->serial == q->serial ? cr : NULL;
}

/* ---- commands ---- */

static void
send_open(struct cluster *cl, struct croom *cr)
{
	char k1[CL_KEY_MAX], k2[CL_KEY_MAX], k3[CL_KEY_MAX];
	const char *argv[] = { "EVAL", CLUSTER_LUA_OPEN, "3", k1, k2, k3 };
	size_t lens[ARRAY_LEN(argv)];
	struct cl_req *q = cluster_req_new(cl, REQ_OPEN, &cl->cmd);

	cluster_key(k1, sizeof(k1), cr->name, "msgs");
	cluster_key(k2, sizeof(k2), cr->name, "presence");
	cluster_key(k3, sizeof(k3), cr->name, "members");
	for (size_t i = 0; i < ARRAY_LEN(argv); i++)
		lens[i] = strlen(argv[i]);
	if (q) {
		q->serial = cr->serial;
		snprintf(q->room, sizeof(q->room), "%s", cr->name);
	}
	if (cluster_send(cl, q, (int)ARRAY_LEN(argv), argv, lens) == 0)
		cr->open_gen = cl->gen;
}

struct sync_args {
	struct cluster *cl;
	int argc, cap;
	const char **argv;
	size_t *lens;
	int err;
};

static void
add_member(uint32_t conn, json_t *info, void *arg)
{
	struct sync_args *a = arg;
	char key[CSTREAM_MEMBER_KEY_MAX + 1], *k, *v;

	if (a->err || a->argc + 2 > a->cap)
		return;
	v = json_dumps(info, JSON_COMPACT | JSON_SORT_KEYS);
	k = cstream_member_key(a->cl->cfg.node, a->cl->boot, conn, key, sizeof(key)) > 0 ?
	    strdup(key) : NULL;
	if (k == NULL || v == NULL || strlen(v) > CSTREAM_MAX_INFO) {
		free(k);
		free(v);
		a->err = 1;
		return;
	}
	a->argv[a->argc] = k;
	a->lens[a->argc++] = strlen(k);
	a->argv[a->argc] = v;
	a->lens[a->argc++] = strlen(v);
}

/* Make our members of the room in Redis what they are here; with
 * members = 0 (the room closed), none. */
static void
send_sync(struct cluster *cl, const char *room, uint64_t serial, int members)
{
	char k1[CL_KEY_MAX], k2[CL_KEY_MAX], k3[CL_KEY_MAX], keep[16], maxlen[16];
	const char *head[] = { "EVAL", CLUSTER_LUA_SYNC, "3", k1, k2, k3, cl->cfg.node, cl->boot,
		room, keep, maxlen };
	struct sync_args a = { cl, 0, 0, NULL, NULL, 0 };
	struct cl_req *q;
	int nhead = (int)ARRAY_LEN(head);

	a.cap = nhead + 2 * (members ? cl->s->cfg.limits.room_members + 1 : 0);
	a.argv = calloc((size_t)a.cap, sizeof(*a.argv));
	a.lens = calloc((size_t)a.cap, sizeof(*a.lens));
	if (a.argv == NULL || a.lens == NULL) {
		free(a.argv);
		free(a.lens);
		cluster_fail(cl, "out of memory");
		return;
	}
	cluster_key(k1, sizeof(k1), room, "members");
	cluster_key(k2, sizeof(k2), room, "presence");
	snprintf(k3, sizeof(k3), "%snode:%s:rooms", CLUSTER_KEY_PREFIX, cl->cfg.node);
	snprintf(keep, sizeof(keep), "%d", cl->cfg.keep_s);
	snprintf(maxlen, sizeof(maxlen), "%d", CL_PRESENCE_MAXLEN);
	for (int i = 0; i < nhead; i++) {
		a.argv[i] = head[i];
		a.lens[i] = strlen(head[i]);
	}
	a.argc = nhead;
	if (members)
		(void)rooms_foreach_member(cl->s, room, add_member, &a);
	q = cluster_req_new(cl, REQ_SYNC, &cl->cmd);
	if (q) {
		q->serial = serial;
		snprintf(q->room, sizeof(q->room), "%s", room);
	}
	if (a.err)
		cluster_req_free(q);
	else
		(void)cluster_send(cl, q, a.argc, a.argv, a.lens);
	for (int i = nhead; i < a.argc; i++)
		free((void *)a.argv[i]);
	free(a.argv);
	free(a.lens);
}

static void
send_hist(struct cluster *cl, struct hist *h)
{
	char key[CL_KEY_MAX], count[16];
	const char *argv[] = { "XREVRANGE", key, "+", "-", "COUNT", count };
	size_t lens[ARRAY_LEN(argv)];
	struct cl_req *q = cluster_req_new(cl, REQ_HIST, &cl->cmd);

	if (q == NULL) {
		free(h);
		cluster_fail(cl, "out of memory");
		return;
	}
	cluster_key(key, sizeof(key), h->room, "msgs");
	snprintf(count, sizeof(count), "%d", cl->cfg.history + CL_HISTORY_SLACK);
	for (size_t i = 0; i < ARRAY_LEN(argv); i++)
		lens[i] = strlen(argv[i]);
	q->hist = h;
	snprintf(q->room, sizeof(q->room), "%s", h->room);
	if (cluster_send(cl, q, (int)ARRAY_LEN(argv), argv, lens) == 0)
		cl->nhist_inflight++;
}

static void
send_clean(struct cluster *cl)
{
	int n = 0;
	const char **names = cluster_rooms_names(cl, &n);
	char key[CL_KEY_MAX], maxlen[16];
	const char **argv = calloc((size_t)n + 8, sizeof(*argv));
	size_t *lens = calloc((size_t)n + 8, sizeof(*lens));
	int argc = 0;

	if (names == NULL || argv == NULL || lens == NULL) {
		free(names);
		free(argv);
		free(lens);
		cluster_fail(cl, "out of memory");
		return;
	}
	snprintf(key, sizeof(key), "%snode:%s:rooms", CLUSTER_KEY_PREFIX, cl->cfg.node);
	snprintf(maxlen, sizeof(maxlen), "%d", CL_PRESENCE_MAXLEN);
	argv[argc++] = "EVAL";
	argv[argc++] = CLUSTER_LUA_CLEAN;
	argv[argc++] = "1";
	argv[argc++] = key;
	argv[argc++] = CLUSTER_KEY_PREFIX;
	argv[argc++] = cl->cfg.node;
	argv[argc++] = cl->boot;
	argv[argc++] = maxlen;
	for (int i = 0; i < n; i++)
		argv[argc++] = names[i];
	for (int i = 0; i < argc; i++)
		lens[i] = strlen(argv[i]);
	(void)cluster_send(cl, cluster_req_new(cl, REQ_OTHER, &cl->cmd), argc, argv, lens);
	free(names);
	free(argv);
	free(lens);
}

struct xread_args {
	struct cluster *cl;
	char *strs;
	const char **argv;
	size_t *lens;
	int n, nrooms;
};

static int
xread_room(const void *k, size_t kl, void *v, void *arg)
{
	struct croom *cr = v;
	struct xread_args *a = arg;
	char *key1, *key2, *id1, *id2;
	size_t slot = (size_t)a->n * 2 * (CL_KEY_MAX + CSTREAM_ID_STRLEN);

	if (cr->synced_gen != a->cl->gen || a->n >= a->nrooms)
		return 0;
	key1 = a->strs + slot;
	key2 = key1 + CL_KEY_MAX;
	id1 = key2 + CL_KEY_MAX;
	id2 = id1 + CSTREAM_ID_STRLEN;
	cluster_key(key1, CL_KEY_MAX, cr->name, "msgs");
	cluster_key(key2, CL_KEY_MAX, cr->name, "presence");
	cstream_id_format(&cr->msgs_last, id1);
	cstream_id_format(&cr->pres_last, id2);
	/* STREAMS k1 k2 ... then ids in the same order */
	a->argv[6 + 2 * a->n] = key1;
	a->argv[6 + 2 * a->n + 1] = key2;
	a->argv[6 + 2 * a->nrooms + 2 * a->n] = id1;
	a->argv[6 + 2 * a->nrooms + 2 * a->n + 1] = id2;
	a->n++;
	return 0;
}

static int
count_synced(const void *k, size_t kl, void *v, void *arg)
{
	struct croom *cr = v;
	struct xread_args *a = arg;

	if (cr->synced_gen == a->cl->gen)
		a->nrooms++;
	return 0;
}

static void
send_xread(struct cluster *cl)
{
	char count[16], block[16];
	struct xread_args a = { cl, NULL, NULL, NULL, 0, 0 };
	int argc;

	htab_foreach(cl->rooms, count_synced, &a);
	if (a.nrooms == 0)
		return;
	argc = 6 + 4 * a.nrooms;
	a.strs = malloc((size_t)a.nrooms * 2 * (CL_KEY_MAX + CSTREAM_ID_STRLEN));
	a.argv = calloc((size_t)argc, sizeof(*a.argv));
	a.lens = calloc((size_t)argc, sizeof(*a.lens));
	if (a.strs && a.argv && a.lens) {
		snprintf(count, sizeof(count), "%d", CL_READ_COUNT);
		snprintf(block, sizeof(block), "%d", CL_BLOCK_MS);
		a.argv[0] = "XREAD";
		a.argv[1] = "COUNT";
		a.argv[2] = count;
		a.argv[3] = "BLOCK";
		a.argv[4] = block;
		a.argv[5] = "STREAMS";
		htab_foreach(cl->rooms, xread_room, &a);
		for (int i = 0; i < argc; i++)
			a.lens[i] = strlen(a.argv[i]);
		if (cluster_send(cl, cluster_req_new(cl, REQ_XREAD, &cl->rd), argc, a.argv, a.lens) == 0)
			cl->xread_inflight = 1;
	} else {
		cluster_fail(cl, "out of memory");
	}
	free(a.strs);
	free(a.argv);
	free(a.lens);
}

/* ---- hooks from rooms.c ---- */

void
cluster_member_info(struct sup *s, json_t *info)
{
	if (s->cluster)
		json_object_set_new(info, "node", json_string(s->cluster->cfg.node));
}

void
cluster_members_changed(struct sup *s, const char *room)
{
	struct cluster *cl = s->cluster;
	struct croom *cr;

	if (cl == NULL)
		return;
	cr = croom_get(cl, room);
	if (cr == NULL) {
		cr = calloc(1, sizeof(*cr));
		if (cr == NULL || (cr->remote = htab_new(16)) == NULL ||
		    htab_put(cl->rooms, room, strlen(room), cr) < 0) {
			if (cr)
				htab_free(cr->remote);
			free(cr);
			log_warn("cluster: out of memory: room %s stays local", room);
			return;
		}
		snprintf(cr->name, sizeof(cr->name), "%s", room);
		cr->serial = ++cl->next_serial;
		TAILQ_INIT(&cr->waiting);
		cstream_dedup_init(&cr->dedup);
		cl->nrooms++;
		if (cl->state == CL_UP)
			send_open(cl, cr);
	}
	cr->dirty = 1;
	room_work = 1;
	cluster_rooms_kick(cl);
}

void
cluster_joined(struct sup *s, const char *room, uint32_t conn)
{
	struct cluster *cl = s->cluster;
	struct croom *cr;
	struct hist *h;

	if (cl == NULL || cl->cfg.history == 0 || (cr = croom_get(cl, room)) == NULL)
		return;
	if (cr->nwaiting >= CL_MAX_HIST_WAITING || (h = calloc(1, sizeof(*h))) == NULL) {
		cl->st.history_skipped++;
		return;
	}
	h->conn = conn;
	h->room_serial = cr->serial;
	h->seq_next = cl->next_seq;
	h->have_boundary = cr->opened;
	h->boundary = cr->msgs_last;
	snprintf(h->room, sizeof(h->room), "%s", room);
	TAILQ_INSERT_TAIL(&cr->waiting, h, link);
	cr->nwaiting++;
	room_work = 1;
	cluster_rooms_kick(cl);
}

void
cluster_room_closed(struct sup *s, const char *room)
{
	struct cluster *cl = s->cluster;
	struct croom *cr;

	if (cl == NULL || (cr = htab_del(cl->rooms, room, strlen(room))) == NULL)
		return;
	cl->nrooms--;
	/* Our members leave Redis too; if the link is down, the clean-up
	 * script does it after the reconnect. */
	if (cl->state == CL_UP)
		send_sync(cl, room, 0, 0);
	croom_free(cr);
}

static int
add_remote(const void *k, size_t kl, void *v, void *arg)
{
	struct rmember *m = v;

	json_array_append(arg, m->info);
	return 0;
}

void
cluster_add_members(struct sup *s, const char *room, json_t *members)
{
	struct croom *cr = s->cluster ? croom_get(s->cluster, room) : NULL;

	if (cr)
		htab_foreach(cr->remote, add_remote, members);
}

struct names_ctx {
	const char **names;
	int n, cap;
};

static int
add_name(const void *k, size_t kl, void *v, void *arg)
{
	struct croom *cr = v;
	struct names_ctx *c = arg;

	if (c->n < c->cap)
		c->names[c->n++] = cr->name;
	return 0;
}

const char **
cluster_rooms_names(struct cluster *cl, int *n)
{
	struct names_ctx c = { NULL, 0, cl->nrooms };

	c.names = calloc((size_t)c.cap + 1, sizeof(*c.names));
	if (c.names == NULL)
		return NULL;
	htab_foreach(cl->rooms, add_name, &c);
	*n = c.n;
	return c.names;
}

/* ---- link state ---- */

static int
room_up(const void *k, size_t kl, void *v, void *arg)
{
	struct croom *cr = v;
	struct cluster *cl = arg;

	send_open(cl, cr);
	cr->dirty = 1;
	return 0;
}

void
cluster_rooms_on_up(struct cluster *cl)
{
	send_clean(cl);
	htab_foreach(cl->rooms, room_up, cl);
	room_work = 1;
}

static int
room_down(const void *k, size_t kl, void *v, void *arg)
{
	struct croom *cr = v;

	cr->sync_inflight = 0;
	cr->dirty = 1;
	return 0;
}

void
cluster_rooms_on_down(struct cluster *cl)
{
	if (cl->rooms)
		htab_foreach(cl->rooms, room_down, cl);
	cl->nhist_inflight = 0;
	cl->reissue = 0;
}

static int
room_kick(const void *k, size_t kl, void *v, void *arg)
{
	struct croom *cr = v;
	struct cluster *cl = arg;
	struct hist *h;

	if (cl->state != CL_UP)
		return 0;
	if (cr->dirty && !cr->sync_inflight) {
		cr->dirty = 0;
		cr->sync_inflight = 1;
		send_sync(cl, cr->name, cr->serial, 1);
	}
	/* History after the room's OPEN (same link: answered first). */
	while (cr->open_gen == cl->gen && (h = TAILQ_FIRST(&cr->waiting)) != NULL &&
	    cl->nhist_inflight < CL_MAX_HIST_INFLIGHT && cl->state == CL_UP) {
		TAILQ_REMOVE(&cr->waiting, h, link);
		cr->nwaiting--;
		send_hist(cl, h);
	}
	if (!TAILQ_EMPTY(&cr->waiting) || cr->dirty)
		room_work = 1;
	return 0;
}

void
cluster_rooms_kick(struct cluster *cl)
{
	if (cl->state != CL_UP)
		return;
	if (room_work) {
		room_work = 0;
		htab_foreach(cl->rooms, room_kick, cl);
	}
	if (cl->state != CL_UP)
		return;
	if (!cl->xread_inflight && now_ms() >= cl->xread_not_before_ms) {
		cl->reissue = 0;
		send_xread(cl);
	} else if (cl->xread_inflight && cl->reissue && !cl->unblock_inflight && cl->reader_id >= 0) {
		/* A room was added: wake the reader so it reads that one too. */
		char id[24];
		const char *argv[] = { "CLIENT", "UNBLOCK", id };
		size_t lens[3];
		snprintf(id, sizeof(id), "%lld", cl->reader_id);
		for (int i = 0; i < 3; i++)
			lens[i] = strlen(argv[i]);
		if (cluster_send(cl, cluster_req_new(cl, REQ_UNBLOCK, &cl->cmd), 3, argv, lens) == 0) {
			cl->unblock_inflight = 1;
			cl->reissue = 0;
		}
	}
}

/* ---- presence of members on other hosts ---- */

static void
emit(struct cluster *cl, struct croom *cr, const char *event, json_t *info)
{
	cl->st.presence_in++;
	rooms_remote_presence(cl->s, cr->name, event, info);
}

/* A host we know of runs another boot: this member is a leftover. */
static int
stale_member(struct cluster *cl, const char *node, const char *boot)
{
	const struct cl_node *n = cluster_find_node(cl, node);

	return n != NULL && strcmp(n->boot, boot) != 0;
}

/* Set (join/update) a member; no event when nothing changed. */
static void
member_set(struct cluster *cl, struct croom *cr, const char *key, const char *node,
    const char *boot, json_t *info)
{
	struct rmember *m = htab_get(cr->remote, key, strlen(key));

	if (m != NULL) {
		if (json_equal(m->info, info)) {
			json_decref(info);
			return;
		}
		json_decref(m->info);
		m->info = info;
		emit(cl, cr, "update", info);
		return;
	}
	if (cr->nremote >= cl->s->cfg.limits.room_members || (m = calloc(1, sizeof(*m))) == NULL ||
	    htab_put(cr->remote, key, strlen(key), m) < 0) {
		free(m);
		json_decref(info);
		cl->st.invalid++;
		return;
	}
	snprintf(m->node, sizeof(m->node), "%s", node);
	snprintf(m->boot, sizeof(m->boot), "%s", boot);
	m->info = info;
	cr->nremote++;
	emit(cl, cr, "join", info);
}

static void
member_del(struct cluster *cl, struct croom *cr, const char *key)
{
	struct rmember *m = htab_del(cr->remote, key, strlen(key));

	if (m == NULL)
		return;
	log_debug("cluster: room %s: member %s left", cr->name, key);
	cr->nremote--;
	emit(cl, cr, "leave", m->info);
	json_decref(m->info);
	free(m);
}

struct gone_ctx {
	struct cluster *cl;
	char (*keys)[CSTREAM_MEMBER_KEY_MAX + 1];
	int n, cap;
	struct htab *keep;            /* snapshot: keys that stay (NULL: liveness) */
};

static int
find_gone(const void *k, size_t kl, void *v, void *arg)
{
	struct rmember *m = v;
	struct gone_ctx *c = arg;
	int gone = c->keep ? htab_get(c->keep, k, kl) == NULL :
	    cluster_find_node(c->cl, m->node) == NULL || stale_member(c->cl, m->node, m->boot);

	if (gone && c->n < c->cap && kl <= CSTREAM_MEMBER_KEY_MAX) {
		memcpy(c->keys[c->n], k, kl);
		c->keys[c->n][kl] = '\0';
		c->n++;
	}
	return 0;
}

/* Remove (with leave events) the members find_gone picks. */
static void
drop_gone(struct cluster *cl, struct croom *cr, struct htab *keep)
{
	struct gone_ctx c = { cl, NULL, 0, cr->nremote, keep };

	if (cr->nremote == 0)
		return;
	c.keys = calloc((size_t)c.cap, sizeof(*c.keys));
	if (c.keys == NULL)
		return;
	htab_foreach(cr->remote, find_gone, &c);
	for (int i = 0; i < c.n; i++)
		member_del(cl, cr, c.keys[i]);
	free(c.keys);
}

static int
room_liveness(const void *k, size_t kl, void *v, void *arg)
{
	drop_gone(arg, v, NULL);
	return 0;
}

void
cluster_rooms_liveness(struct cluster *cl)
{
	htab_foreach(cl->rooms, room_liveness, cl);
}

/* ---- replies ---- */

static int
reply_id(const redisReply *r, struct cstream_id *id)
{
	return r->type == REDIS_REPLY_STRING ? cstream_id_parse(r->str, r->len, id) : -1;
}

/* OPEN: {msgs id, presence id, {key, info, ...}}. Members on other hosts
 * become exactly the snapshot (events for the differences). */
static void
open_reply(struct cluster *cl, struct croom *cr, redisReply *r)
{
	struct cstream_id mid, pid;
	struct htab *keep;
	redisReply *h;

	if (r->type != REDIS_REPLY_ARRAY || r->elements != 3 || reply_id(r->element[0], &mid) < 0 ||
	    reply_id(r->element[1], &pid) < 0 || r->element[2]->type != REDIS_REPLY_ARRAY ||
	    r->element[2]->elements % 2 != 0 || (keep = htab_new(16)) == NULL) {
		cl->st.invalid++;
		return;
	}
	h = r->element[2];
	if (!cr->opened) {
		cr->msgs_start = cr->msgs_last = mid;
		cr->opened = 1;
	}
	cr->pres_last = pid;
	for (size_t i = 0; i + 1 < h->elements; i += 2) {
		redisReply *f = h->element[i], *v = h->element[i + 1];
		char node[CONFIG_NODE_MAX + 1], boot[CSTREAM_BOOT_LEN + 1];
		uint32_t conn;
		struct cstream_entry e;
		json_t *info;

		if (f->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING ||
		    f->len > CSTREAM_MEMBER_KEY_MAX || v->len > CSTREAM_MAX_INFO ||
		    cstream_member_key_parse(f->str, f->len, node, boot, &conn) < 0) {
			cl->st.invalid++;
			continue;
		}
		if (strcmp(node, cl->cfg.node) == 0 || stale_member(cl, node, boot))
			continue;   /* ours (local) or a leftover of a restarted host */
		e.info.p = (const uint8_t *)v->str;
		e.info.len = v->len;
		if ((info = cstream_member_info(&e)) == NULL) {
			cl->st.invalid++;
			continue;
		}
		(void)htab_put(keep, f->str, f->len, (void *)1);
		member_set(cl, cr, f->str, node, boot, info);
	}
	drop_gone(cl, cr, keep);
	htab_free(keep);
	log_debug("cluster: room %s: reading from msgs %" PRIu64 "-%" PRIu64 ", presence %" PRIu64 "-%"
	    PRIu64 "; %d member(s) on other hosts", cr->name, cr->msgs_last.ms, cr->msgs_last.seq,
	    cr->pres_last.ms, cr->pres_last.seq, cr->nremote);
	cr->synced_gen = cl->gen;
	cl->reissue = 1;
}

/* The field/value pairs of one stream entry, as byte views. */
static int
entry_decode(struct cluster *cl, enum cstream_kind kind, redisReply *en, struct cstream_entry *e)
{
	struct cstream_bytes kv[KV_MAX];
	struct cstream_id id;
	redisReply *f;
	const char *why = "bad entry";

	if (en->type != REDIS_REPLY_ARRAY || en->elements != 2 || reply_id(en->element[0], &id) < 0)
		goto bad;
	f = en->element[1];
	if (f->type != REDIS_REPLY_ARRAY || f->elements > KV_MAX)
		goto bad;
	for (size_t i = 0; i < f->elements; i++) {
		if (f->element[i]->type != REDIS_REPLY_STRING)
			goto bad;
		kv[i].p = (const uint8_t *)f->element[i]->str;
		kv[i].len = f->element[i]->len;
	}
	if (cstream_entry_decode(kind, &id, kv, f->elements, e, &why) < 0)
		goto bad;
	return 0;
bad:
	cl->st.invalid++;
	log_debug("cluster: skipped a stream entry: %s", why);
	return -1;
}

static void
msg_in(struct cluster *cl, struct croom *cr, const struct cstream_entry *e)
{
	char *json;
	size_t len;
	uint64_t wall = cluster_wall_ms();

	if (strcmp(e->origin, cl->cfg.node) == 0)
		return;   /* our own: delivered locally when published */
	if (!cstream_dedup_check(&cr->dedup, e->origin, e->boot, e->seq)) {
		cl->st.duplicates++;
		return;
	}
	json = cstream_delivery_json(e, 0, &len);
	if (json == NULL) {
		cl->st.invalid++;
		return;
	}
	cl->lag_ms = wall > e->id.ms ? wall - e->id.ms : 0;
	cl->st.received++;
	(void)rooms_deliver_remote(cl->s, cr->name, 0, (const uint8_t *)json, len, e->gossip.p,
	    e->gossip.len);
	free(json);
}

static void
presence_in(struct cluster *cl, struct croom *cr, const struct cstream_entry *e)
{
	char node[CONFIG_NODE_MAX + 1], boot[CSTREAM_BOOT_LEN + 1];
	uint32_t conn;
	json_t *info;

	if (strcmp(e->origin, cl->cfg.node) == 0 ||
	    cstream_member_key_parse(e->member, strlen(e->member), node, boot, &conn) < 0 ||
	    strcmp(node, cl->cfg.node) == 0)
		return;
	log_debug("cluster: room %s: %s %s (entry %" PRIu64 "-%" PRIu64 ")", cr->name, e->event,
	    e->member, e->id.ms, e->id.seq);
	if (strcmp(e->event, "leave") == 0) {
		member_del(cl, cr, e->member);
		return;
	}
	if (stale_member(cl, node, boot))
		return;
	if ((info = cstream_member_info(e)) == NULL) {
		cl->st.invalid++;
		return;
	}
	member_set(cl, cr, e->member, node, boot, info);
}

/* "rtcd:room:<R>:msgs" / ":presence" -> room and kind. */
static int
parse_key(const redisReply *k, char *room, size_t cap, enum cstream_kind *kind)
{
	static const char pfx[] = CLUSTER_KEY_PREFIX "room:";
	size_t pl = sizeof(pfx) - 1, n;
	const char *colon;

	if (k->type != REDIS_REPLY_STRING || k->len <= pl || memcmp(k->str, pfx, pl) != 0)
		return -1;
	colon = memchr(k->str + pl, ':', k->len - pl);
	if (colon == NULL)
		return -1;
	n = (size_t)(colon - (k->str + pl));
	if (n == 0 || n >= cap)
		return -1;
	memcpy(room, k->str + pl, n);
	room[n] = '\0';
	if (strcmp(colon, ":msgs") == 0 && (size_t)(colon - k->str) + 5 == k->len)
		*kind = CSTREAM_MSG;
	else if (strcmp(colon, ":presence") == 0 && (size_t)(colon - k->str) + 9 == k->len)
		*kind = CSTREAM_PRESENCE;
	else
		return -1;
	return rooms_valid_name(room) ? 0 : -1;
}

static void
stream_in(struct cluster *cl, redisReply *st)
{
	char room[WIRE_MAX_NAME + 1];
	enum cstream_kind kind;
	redisReply *ents;

	if (st->type != REDIS_REPLY_ARRAY || st->elements != 2 ||
	    parse_key(st->element[0], room, sizeof(room), &kind) < 0 ||
	    st->element[1]->type != REDIS_REPLY_ARRAY) {
		cl->st.invalid++;
		return;
	}
	ents = st->element[1];
	for (size_t i = 0; i < ents->elements; i++) {
		/* looked up each time: a delivery never closes a room, but be sure */
		struct croom *cr = croom_get(cl, room);
		struct cstream_entry e;
		struct cstream_id *last;

		if (cr == NULL || cr->synced_gen != cl->gen)
			return;
		last = kind == CSTREAM_MSG ? &cr->msgs_last : &cr->pres_last;
		if (entry_decode(cl, kind, ents->element[i], &e) < 0) {
			struct cstream_id id;
			redisReply *en = ents->element[i];
			/* still move past it */
			if (en->type == REDIS_REPLY_ARRAY && en->elements >= 1 &&
			    reply_id(en->element[0], &id) == 0 && cstream_id_cmp(&id, last) > 0)
				*last = id;
			continue;
		}
		if (cstream_id_cmp(&e.id, last) <= 0)
			continue;   /* read already (a reply from before a room change) */
		*last = e.id;
		if (kind == CSTREAM_MSG)
			msg_in(cl, cr, &e);
		else
			presence_in(cl, cr, &e);
	}
}

static void
xread_reply(struct cluster *cl, redisReply *r)
{
	cl->xread_inflight = 0;
	if (r->type == REDIS_REPLY_NIL)
		return;   /* timeout, or woken up to read a new room */
	if (r->type == REDIS_REPLY_ERROR) {
		cl->xread_not_before_ms = now_ms() + CL_XREAD_RETRY_MS;
		if (cluster_transient(r))
			cluster_fail(cl, "XREAD: %s", r->str);
		else
			log_warn("cluster: XREAD refused: %s", r->str);
		return;
	}
	if (r->type != REDIS_REPLY_ARRAY) {
		cl->st.invalid++;
		return;
	}
	for (size_t i = 0; i < r->elements && cl->state == CL_UP; i++)
		stream_in(cl, r->element[i]);
}

/* History: newest first from XREVRANGE; what the member could not have
 * received live, the last cfg.history of it, oldest first, to it alone. */
static void
hist_reply(struct cluster *cl, struct hist *h, redisReply *r)
{
	struct croom *cr = croom_get(cl, h->room);
	struct cstream_history hs = { cl->cfg.node, cl->boot, h->seq_next, h->boundary };
	size_t *pick, npick = 0;

	if (cr == NULL || cr->serial != h->room_serial || r->type != REDIS_REPLY_ARRAY)
		return;
	if (!h->have_boundary) {
		if (!cr->opened)
			return;
		hs.boundary = cr->msgs_start;
	}
	pick = calloc(r->elements + 1, sizeof(*pick));
	if (pick == NULL)
		return;
	for (size_t i = 0; i < r->elements && npick < (size_t)cl->cfg.history; i++) {
		struct cstream_entry e;
		if (entry_decode(cl, CSTREAM_MSG, r->element[i], &e) == 0 &&
		    cstream_history_wants(&hs, &e))
			pick[npick++] = i;
	}
	while (npick-- > 0) {
		struct cstream_entry e;
		char *json;
		size_t len;
		if (entry_decode(cl, CSTREAM_MSG, r->element[pick[npick]], &e) < 0 ||
		    (json = cstream_delivery_json(&e, 1, &len)) == NULL)
			continue;
		if (rooms_deliver_remote(cl->s, h->room, h->conn, (const uint8_t *)json, len,
		    e.gossip.p, e.gossip.len) > 0)
			cl->st.history_sent++;
		free(json);
	}
	free(pick);
}

void
cluster_rooms_reply(struct cluster *cl, struct cl_req *q, redisReply *r)
{
	struct croom *cr;

	if (r->type == REDIS_REPLY_ERROR && q->kind != REQ_XREAD) {
		if (q->kind == REQ_SYNC && (cr = croom_of(cl, q)) != NULL) {
			cr->sync_inflight = 0;
			cr->dirty = 1;
		}
		if (q->kind == REQ_HIST)
			cl->nhist_inflight--;
		if (cluster_transient(r))
			cluster_fail(cl, "%s", r->str);
		else
			log_warn("cluster: redis refused a command for room %s: %s", q->room, r->str);
		return;
	}
	switch (q->kind) {
	case REQ_OPEN:
		if ((cr = croom_of(cl, q)) != NULL)
			open_reply(cl, cr, r);
		break;
	case REQ_SYNC:
		if ((cr = croom_of(cl, q)) != NULL) {
			cr->sync_inflight = 0;
			if (cr->dirty)
				room_work = 1;
		}
		break;
	case REQ_HIST:
		cl->nhist_inflight--;
		hist_reply(cl, q->hist, r);
		break;
	case REQ_XREAD:
		xread_reply(cl, r);
		break;
	default:
		break;
	}
}
