/* apps: echo and chat over data channels (see apps.h). */
#include "apps.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "dcq.h"

#define ROOM_NAME_MAX 64
#define MAX_ROOMS 8

enum app_kind { APP_NONE = 0, APP_ECHO, APP_CHAT };

struct apps {
	struct app_host host;
	struct dcq out;
	int have_dc;
	struct dc_channel *chat;          /* the chat channel (one per connection) */
	char name[64];
	char rooms[MAX_ROOMS][ROOM_NAME_MAX + 1];
	int nrooms;
	uint32_t lost_reported;
	struct app_stats st;
};

struct apps *
apps_new(const struct app_host *host)
{
	struct apps *a = calloc(1, sizeof(*a));

	if (a == NULL)
		return NULL;
	a->host = *host;
	dcq_init(&a->out, NULL, APPS_MAX_QUEUED);
	snprintf(a->name, sizeof(a->name), "peer-%u", host->conn_id);
	return a;
}

void
apps_free(struct apps *a)
{
	if (a == NULL)
		return;
	dcq_free(&a->out);
	free(a);
}

void
apps_set_dc(struct apps *a, struct dc_mgr *dc)
{
	a->out.dc = dc;
	a->have_dc = 1;
}

const struct app_stats *apps_get_stats(const struct apps *a) { return &a->st; }

static enum app_kind
kind_of(const struct dc_channel *ch)
{
	if (ch->user == (void *)(intptr_t)APP_ECHO)
		return APP_ECHO;
	if (ch->user == (void *)(intptr_t)APP_CHAT)
		return APP_CHAT;
	return APP_NONE;
}

/* Send now, or queue behind what already waits (bounded). */
static void
send_or_queue(struct apps *a, struct dc_channel *ch, int binary, const uint8_t *p, size_t n)
{
	if (!a->have_dc)
		return;
	if (dcq_send(&a->out, ch, binary, p, n) < 0) {
		a->st.closed_overflow++;
		log_warn("channel %u: peer sends faster than it reads; closing it", ch->sid);
		dcq_drop(&a->out, ch->sid);
		dc_close(a->out.dc, ch);
	}
	if (a->out.peak > a->st.echo_queued_max)
		a->st.echo_queued_max = a->out.peak;
}

void
apps_on_writable(struct apps *a)
{
	dcq_flush(&a->out);
}

static void
chat_send_json(struct apps *a, json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT);

	if (s && a->chat)
		send_or_queue(a, a->chat, 0, (const uint8_t *)s, strlen(s));
	free(s);
}

static void
chat_error(struct apps *a, const char *what)
{
	json_t *j = json_pack("{ss ss}", "type", "error", "error", what);

	a->st.chat_bad++;
	if (j)
		chat_send_json(a, j);
	json_decref(j);
}

static int
valid_room(const char *r)
{
	size_t n = strlen(r);

	if (n == 0 || n > ROOM_NAME_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((r[i] >= 'a' && r[i] <= 'z') || (r[i] >= 'A' && r[i] <= 'Z') ||
		    (r[i] >= '0' && r[i] <= '9') || r[i] == '-' || r[i] == '_' || r[i] == '.'))
			return 0;
	return 1;
}

static int
in_room(struct apps *a, const char *room)
{
	for (int i = 0; i < a->nrooms; i++)
		if (strcmp(a->rooms[i], room) == 0)
			return i;
	return -1;
}

static void
join(struct apps *a, const char *room)
{
	json_t *info;
	char *s;
	int already = in_room(a, room) >= 0;

	/* Joining a room again sends the (new) name: presence is updated. */
	if (!already && a->nrooms == MAX_ROOMS)
		return;
	info = json_pack("{ss ss}", "name", a->name, "mode", a->host.mode);
	s = info ? json_dumps(info, JSON_COMPACT) : NULL;
	if (s) {
		a->host.room_join(a->host.arg, room, s);
		if (!already)
			strcpy(a->rooms[a->nrooms++], room);
	}
	free(s);
	json_decref(info);
}

static uint64_t
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
chat_in(struct apps *a, const uint8_t *p, size_t n)
{
	json_error_t je;
	json_t *j = json_loadb((const char *)p, n, JSON_REJECT_DUPLICATES, &je), *out;
	const char *type, *room, *text, *name;
	char *s;

	a->st.chat_in++;
	type = json_string_value(json_object_get(j, "type"));
	room = json_string_value(json_object_get(j, "room"));
	if (room == NULL)
		room = APPS_DEFAULT_ROOM;
	if (!json_is_object(j) || type == NULL || !valid_room(room)) {
		chat_error(a, "expected {\"type\": \"join\"|\"leave\"|\"msg\", \"room\": ...}");
		json_decref(j);
		return;
	}
	name = json_string_value(json_object_get(j, "name"));
	if (name && strlen(name) > 0 && strlen(name) < sizeof(a->name) && strcmp(type, "join") == 0)
		snprintf(a->name, sizeof(a->name), "%s", name);
	if (strcmp(type, "join") == 0) {
		join(a, room);
	} else if (strcmp(type, "leave") == 0) {
		int i = in_room(a, room);
		if (i >= 0) {
			a->host.room_leave(a->host.arg, room);
			memmove(a->rooms[i], a->rooms[a->nrooms - 1], sizeof(a->rooms[0]));
			a->nrooms--;
		}
	} else if (strcmp(type, "msg") == 0) {
		text = json_string_value(json_object_get(j, "text"));
		if (text == NULL || strlen(text) > APPS_MAX_TEXT || in_room(a, room) < 0) {
			chat_error(a, text == NULL ? "msg needs a text" : in_room(a, room) < 0 ?
			    "join the room first" : "text too long");
			json_decref(j);
			return;
		}
		/* The worker writes "from" and "ts": a peer cannot pose as another. */
		out = json_pack("{ss ss ss ss sI sI}", "type", "msg", "room", room, "from", a->name,
		    "text", text, "ts", (json_int_t)wall_ms(), "conn", (json_int_t)a->host.conn_id);
		s = out ? json_dumps(out, JSON_COMPACT) : NULL;
		if (s) {
			a->host.room_publish(a->host.arg, room, (const uint8_t *)s, strlen(s));
			a->st.chat_out++;
		}
		free(s);
		json_decref(out);
	} else {
		chat_error(a, "unknown type");
	}
	json_decref(j);
}

void
apps_on_open(struct apps *a, struct dc_channel *ch)
{
	const char *label = ch->label ? ch->label : "";

	if (strcmp(label, "echo") == 0 || strcmp(label, "ping") == 0) {
		ch->user = (void *)(intptr_t)APP_ECHO;
	} else if (strcmp(label, "chat") == 0 && a->chat == NULL) {
		ch->user = (void *)(intptr_t)APP_CHAT;
		a->chat = ch;
		join(a, APPS_DEFAULT_ROOM);
	} else {
		log_debug("channel %u: no app for label \"%.40s\"; echoing", ch->sid, label);
		ch->user = (void *)(intptr_t)APP_ECHO;
	}
}

void
apps_on_message(struct apps *a, struct dc_channel *ch, int binary, const uint8_t *p, size_t n)
{
	switch (kind_of(ch)) {
	case APP_ECHO:
		a->st.echoed++;
		send_or_queue(a, ch, binary, p, n);
		break;
	case APP_CHAT:
		chat_in(a, p, n);
		break;
	default:
		break;
	}
}

void
apps_on_close(struct apps *a, struct dc_channel *ch)
{
	dcq_drop(&a->out, ch->sid);
	if (ch == a->chat) {
		for (int i = 0; i < a->nrooms; i++)
			a->host.room_leave(a->host.arg, a->rooms[i]);
		a->nrooms = 0;
		a->chat = NULL;
	}
}

void
apps_on_deliver(struct apps *a, const char *room, uint32_t from_conn, uint32_t lost,
    const uint8_t *p, size_t n)
{
	if (a->chat == NULL)
		return;
	if (lost > a->lost_reported) {
		json_t *j = json_pack("{ss ss si}", "type", "lost", "room", room, "count",
		    (int)(lost - a->lost_reported));
		a->lost_reported = lost;
		if (j)
			chat_send_json(a, j);
		json_decref(j);
	}
	send_or_queue(a, a->chat, 0, p, n);
	(void)from_conn;
}
