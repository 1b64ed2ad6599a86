/* rooms: chat rooms brokered between workers (see rooms.h). */
#include "rooms.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "common/htab.h"
#include "common/log.h"
#include "common/pubsub.h"
#include "common/util.h"
#include "cluster.h"
#include "identity.h"
#include "sup.h"

#define MAX_INFO 512

struct member {
	LIST_ENTRY(member) link;
	struct worker *w;
	json_t *info;            /* as given by the worker, plus "conn" */
};

struct room {
	char name[WIRE_MAX_NAME + 1];
	LIST_HEAD(, member) members;
	int nmembers;
	uint64_t published, delivered, lost, refused;
};

static struct htab *rooms;

int
rooms_init(struct sup *s)
{
	rooms = htab_new(64);
	return rooms ? 0 : -1;
}

static int
free_room(const void *k, size_t kl, void *v, void *arg)
{
	struct room *r = v;
	struct member *m;

	while ((m = LIST_FIRST(&r->members)) != NULL) {
		LIST_REMOVE(m, link);
		json_decref(m->info);
		free(m);
	}
	free(r);
	return 1;
}

void
rooms_free(struct sup *s)
{
	if (rooms) {
		htab_foreach(rooms, free_room, NULL);
		htab_free(rooms);
	}
	rooms = NULL;
}

int
rooms_valid_name(const char *room)
{
	size_t n = strlen(room);

	if (n == 0 || n > 64)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = room[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.'))
			return 0;
	}
	return 1;
}

static struct member *
find_member(struct room *r, struct worker *w)
{
	struct member *m;

	LIST_FOREACH(m, &r->members, link)
		if (m->w == w)
			return m;
	return NULL;
}

/* Send one delivery; a full channel loses it (counted, reported later).
 * The gossip blob (a signed libp2p pubsub Message) goes only to WebRTC
 * Direct workers; plain WebRTC ones use the JSON. */
static void
deliver(struct sup *s, struct room *r, struct worker *to, uint32_t from_conn,
    const uint8_t *p, size_t n, const uint8_t *g, size_t gn)
{
	struct wire_msg m;

	wire_init(&m, WIRE_ROOM_DELIVER, 0);
	strcpy(m.u.deliver.room, r->name);
	m.u.deliver.lost = to->room_lost;
	m.u.deliver.from_conn = from_conn;
	m.data = p;
	m.data_len = n;
	if (to->mode == WIRE_MODE_DIRECT) {
		m.gossip = g;
		m.gossip_len = gn;
	}
	if (workers_send(to, &m) < 0) {
		/* A recipient that is gone (its worker exited or is being killed,
		 * its channel closed before the supervisor read the EOF) loses
		 * nothing: it leaves the room as soon as that is processed. Only a
		 * live recipient whose channel is full (a slow consumer) loses. */
		if (errno == EPIPE || errno == ECONNRESET || errno == ECONNREFUSED)
			return;
		to->room_lost++;
		r->lost++;
		s->c.room_lost++;
		return;
	}
	r->delivered++;
	s->c.room_delivered++;
}

/* A gossip copy of a server-authored JSON event, signed by our identity. */
static int
server_gossip(struct sup *s, struct room *r, const char *text, uint8_t *out, size_t cap)
{
	char topic[WIRE_MAX_NAME + 8];

	if (s->id == NULL)
		return 0;
	snprintf(topic, sizeof(topic), "%s%s", PUBSUB_TOPIC_PREFIX, r->name);
	return identity_pubsub_message(s->id, topic, (const uint8_t *)text, strlen(text), out, cap);
}

static void
presence(struct sup *s, struct room *r, const char *event, json_t *who)
{
	json_t *members = json_array(), *ev;
	struct member *m;
	char *text;

	LIST_FOREACH(m, &r->members, link)
		json_array_append(members, m->info);
	cluster_add_members(s, r->name, members);   /* members on other hosts */
	ev = json_pack("{ss ss ss sO so}", "type", "presence", "room", r->name, "event", event,
	    "who", who, "members", members);
	text = ev ? json_dumps(ev, JSON_COMPACT) : NULL;
	if (text) {
		static uint8_t g[WIRE_MAX_GOSSIP];
		int gn = server_gossip(s, r, text, g, sizeof(g));
		LIST_FOREACH(m, &r->members, link)
			deliver(s, r, m->w, 0, (const uint8_t *)text, strlen(text), g, gn > 0 ? (size_t)gn : 0);
	}
	free(text);
	json_decref(ev);
}

static int
worker_slot(struct worker *w, struct room *r)
{
	for (int i = 0; i < w->nrooms; i++)
		if (w->rooms[i] == r)
			return i;
	return -1;
}

int
rooms_join(struct sup *s, struct worker *w, const char *name, const uint8_t *info,
    size_t infolen, const char **why)
{
	struct room *r;
	struct member *m;
	json_t *j = NULL;
	json_error_t je;

	if (!rooms_valid_name(name))
		return *why = "bad room name", -1;
	if (infolen > MAX_INFO)
		return *why = "member info too large", -1;
	if (infolen) {
		j = json_loadb((const char *)info, infolen, JSON_REJECT_DUPLICATES, &je);
		if (!json_is_object(j)) {
			json_decref(j);
			return *why = "member info must be a JSON object", -1;
		}
	} else {
		j = json_object();
	}
	/* The connection id is ours to say, never the worker's. */
	json_object_set_new(j, "conn", json_integer(w->id));
	cluster_member_info(s, j);
	r = htab_get(rooms, name, strlen(name));
	if (r && (m = find_member(r, w)) != NULL) {
		/* Joining again updates the member's info (a new name). */
		json_decref(m->info);
		m->info = j;
		presence(s, r, "update", j);
		cluster_members_changed(s, r->name);
		return 0;
	}
	if (w->nrooms >= s->cfg.limits.rooms_per_conn || w->nrooms >= SUP_MAX_ROOMS_PER_WORKER) {
		json_decref(j);
		return *why = "too many rooms for this connection", -1;
	}
	if (r == NULL) {
		if ((int)htab_count(rooms) >= s->cfg.limits.max_rooms) {
			json_decref(j);
			return *why = "room limit reached", -1;
		}
		r = calloc(1, sizeof(*r));
		if (r == NULL || htab_put(rooms, name, strlen(name), r) < 0) {
			free(r);
			json_decref(j);
			return *why = "out of memory", -1;
		}
		strcpy(r->name, name);
		LIST_INIT(&r->members);
	} else if (r->nmembers >= s->cfg.limits.room_members) {
		json_decref(j);
		return *why = "room is full", -1;
	}
	m = calloc(1, sizeof(*m));
	if (m == NULL) {
		json_decref(j);
		return *why = "out of memory", -1;
	}
	m->w = w;
	m->info = j;
	LIST_INSERT_HEAD(&r->members, m, link);
	r->nmembers++;
	w->rooms[w->nrooms++] = r;
	presence(s, r, "join", j);
	cluster_members_changed(s, r->name);
	cluster_joined(s, r->name, w->id);
	return 0;
}

static void
remove_member(struct sup *s, struct room *r, struct member *m)
{
	struct worker *w = m->w;
	int i = worker_slot(w, r);

	LIST_REMOVE(m, link);
	r->nmembers--;
	if (i >= 0)
		w->rooms[i] = w->rooms[--w->nrooms];
	if (r->nmembers == 0) {
		htab_del(rooms, r->name, strlen(r->name));
		cluster_room_closed(s, r->name);
		json_decref(m->info);
		free(m);
		free(r);
		return;
	}
	presence(s, r, "leave", m->info);
	cluster_members_changed(s, r->name);
	json_decref(m->info);
	free(m);
}

int
rooms_leave(struct sup *s, struct worker *w, const char *name, const char **why)
{
	struct room *r = htab_get(rooms, name, strlen(name));
	struct member *m = r ? find_member(r, w) : NULL;

	if (m == NULL)
		return *why = "not a member", -1;
	remove_member(s, r, m);
	return 0;
}

void
rooms_leave_all(struct sup *s, struct worker *w)
{
	while (w->nrooms > 0) {
		struct room *r = w->rooms[w->nrooms - 1];
		struct member *m = find_member(r, w);
		if (m == NULL) {
			w->nrooms--;   /* cannot happen; never loop forever */
			continue;
		}
		remove_member(s, r, m);
	}
}

static int
rate_ok(struct sup *s, struct worker *w)
{
	uint64_t now = now_ms();
	double rate = s->cfg.limits.room_msgs_per_s, burst = s->cfg.limits.room_burst;

	if (w->room_refill_ms == 0) {
		w->room_tokens = burst;
		w->room_refill_ms = now;
	}
	w->room_tokens += rate * (double)(now - w->room_refill_ms) / 1000.0;
	if (w->room_tokens > burst)
		w->room_tokens = burst;
	w->room_refill_ms = now;
	if (w->room_tokens < 1.0)
		return 0;
	w->room_tokens -= 1.0;
	return 1;
}

int
rooms_publish(struct sup *s, struct worker *w, const char *name, const uint8_t *msg,
    size_t len, const uint8_t *gossip, size_t glen, const char **why)
{
	struct room *r = htab_get(rooms, name, strlen(name));
	struct member *m;
	static uint8_t g[WIRE_MAX_GOSSIP];
	static char text[WIRE_MAX_BLOB + 1];

	if (r == NULL || find_member(r, w) == NULL)
		return *why = "not a member", -1;
	if (len == 0 || len > (size_t)s->cfg.limits.room_msg_bytes) {
		r->refused++;
		return *why = "message size out of limits", -1;
	}
	if (!rate_ok(s, w)) {
		r->refused++;
		s->c.room_rate_limited++;
		return *why = "publish rate limit", -1;
	}
	/* A WebRTC Direct worker forwards its peer's own signed message; for a
	 * plain WebRTC peer we author one (a plain worker's gossip is ignored). */
	if (w->mode != WIRE_MODE_DIRECT || glen == 0) {
		int gn;
		memcpy(text, msg, len);
		text[len] = '\0';
		gn = server_gossip(s, r, text, g, sizeof(g));
		gossip = g;
		glen = gn > 0 ? (size_t)gn : 0;
	}
	r->published++;
	s->c.room_published++;
	LIST_FOREACH(m, &r->members, link)
		if (m->w != w)
			deliver(s, r, m->w, w->id, msg, len, gossip, glen);
	cluster_publish(s, r->name, w->id, msg, len, gossip, glen);
	return 0;
}

int
rooms_deliver_remote(struct sup *s, const char *room, uint32_t to_conn, const uint8_t *msg,
    size_t len, const uint8_t *gossip, size_t glen)
{
	struct room *r = htab_get(rooms, room, strlen(room));
	struct member *m;
	int n = 0;

	if (r == NULL)
		return 0;
	LIST_FOREACH(m, &r->members, link)
		if (to_conn == 0 || m->w->id == to_conn) {
			deliver(s, r, m->w, 0, msg, len, gossip, glen);
			n++;
		}
	return n;
}

void
rooms_remote_presence(struct sup *s, const char *room, const char *event, json_t *who)
{
	struct room *r = htab_get(rooms, room, strlen(room));

	if (r != NULL)
		presence(s, r, event, who);
}

int
rooms_foreach_member(struct sup *s, const char *room, rooms_member_fn fn, void *arg)
{
	struct room *r = htab_get(rooms, room, strlen(room));
	struct member *m;
	int n = 0;

	if (r == NULL)
		return 0;
	LIST_FOREACH(m, &r->members, link) {
		fn(m->w->id, m->info, arg);
		n++;
	}
	return n;
}

struct list_ctx {
	json_t *a;
};

static int
list_one(const void *k, size_t kl, void *v, void *arg)
{
	struct room *r = v;
	struct list_ctx *c = arg;

	json_array_append_new(c->a, json_pack("{ss si sI sI sI sI}", "name", r->name,
	    "members", r->nmembers, "published", (json_int_t)r->published,
	    "delivered", (json_int_t)r->delivered, "lost", (json_int_t)r->lost,
	    "refused", (json_int_t)r->refused));
	return 0;
}

json_t *
rooms_list(struct sup *s)
{
	struct list_ctx c = { json_array() };

	htab_foreach(rooms, list_one, &c);
	return c.a;
}

const char *
rooms_name(const struct room *r)
{
	return r->name;
}
