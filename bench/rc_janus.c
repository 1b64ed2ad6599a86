/* rc_janus: offer mode against the Janus echotest plugin through Janus's
 * REST transport (the HTTP exchange itself is rc_offer.c's): POST
 * {"janus":"create"} -> session id, POST {"janus":"attach","plugin":
 * "janus.plugin.echotest"} to the session -> handle id, POST
 * {"janus":"message","body":{"audio":false,"video":false,"data":true},
 * "jsep":{"type":"offer","sdp":...,"trickle":false}} to the handle, then
 * GET long-polls on the session (bounded count; the connection's setup
 * deadline bounds the time) until an event carries the answer. The
 * session is left to Janus's session timeout; the handle hangs up when
 * DTLS closes. Every response is parsed with jansson and checked. */
#include "bench/rc_int.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

#define JANUS_MAX_POLLS 20           /* long-polls for the answer */
#define JANUS_MAXEV 5                /* events per long-poll */
#define JANUS_TX_LEN 12
#define JANUS_URL_MAX (RC_PATH_MAX + 64)
#define JANUS_PLUGIN "janus.plugin.echotest"

enum janus_step { JS_CREATE = 0, JS_ATTACH, JS_MESSAGE, JS_POLL };

struct rc_janus {
	enum janus_step step;
	json_int_t session, handle;
	int polls;
};

static const char *const step_names[] = { "create", "attach", "message", "poll" };

/* POST one JSON object (a "transaction" is added) to path. */
static int
post(struct rc_conn *c, const char *path, json_t *j, char *err, size_t errlen)
{
	char tx[JANUS_TX_LEN + 1], *s;
	int r = -1;

	if (j == NULL || random_token(tx, JANUS_TX_LEN) < 0 ||
	    json_object_set_new(j, "transaction", json_string(tx)) < 0 ||
	    (s = json_dumps(j, JSON_COMPACT)) == NULL) {
		snprintf(err, errlen, "janus: cannot build a request");
		json_decref(j);
		return -1;
	}
	r = rc_offer_request(c, "POST", path, s, strlen(s), err, errlen);
	free(s);
	json_decref(j);
	return r;
}

int
rc_janus_start(struct rc_conn *c, char *err, size_t errlen)
{
	if ((c->janus = calloc(1, sizeof(*c->janus))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	c->janus->step = JS_CREATE;
	return post(c, c->cfg.http_path, json_pack("{ss}", "janus", "create"), err, errlen);
}

void
rc_janus_free(struct rc_conn *c)
{
	free(c->janus);
	c->janus = NULL;
}

static int
attach(struct rc_conn *c, char *err, size_t errlen)
{
	char path[JANUS_URL_MAX];

	snprintf(path, sizeof(path), "%s/%lld", c->cfg.http_path, (long long)c->janus->session);
	c->janus->step = JS_ATTACH;
	return post(c, path, json_pack("{ss ss}", "janus", "attach", "plugin", JANUS_PLUGIN),
	    err, errlen);
}

static int
message(struct rc_conn *c, char *err, size_t errlen)
{
	char path[JANUS_URL_MAX];

	snprintf(path, sizeof(path), "%s/%lld/%lld", c->cfg.http_path,
	    (long long)c->janus->session, (long long)c->janus->handle);
	c->janus->step = JS_MESSAGE;
	c->t.offer = now_us();
	return post(c, path, json_pack("{ss s{sbsbsb} s{sssssb}}", "janus", "message",
	    "body", "audio", 0, "video", 0, "data", 1,
	    "jsep", "type", "offer", "sdp", rc_offer_sdp(c), "trickle", 0), err, errlen);
}

static int
poll_events(struct rc_conn *c, char *err, size_t errlen)
{
	char path[JANUS_URL_MAX];

	if (c->janus->polls++ == JANUS_MAX_POLLS) {
		snprintf(err, errlen, "janus: no answer after %d long-polls", JANUS_MAX_POLLS);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/%lld?maxev=%d&rid=%d", c->cfg.http_path,
	    (long long)c->janus->session, JANUS_MAXEV, c->janus->polls);
	c->janus->step = JS_POLL;
	return rc_offer_request(c, "GET", path, NULL, 0, err, errlen);
}

/* {"janus":"success","data":{"id":N}} -> N, or -1. */
static json_int_t
success_id(const json_t *j)
{
	const char *kind = json_string_value(json_object_get(j, "janus"));
	json_t *id = json_object_get(json_object_get(j, "data"), "id");

	if (kind == NULL || strcmp(kind, "success") != 0 || !json_is_integer(id) ||
	    json_integer_value(id) <= 0)
		return -1;
	return json_integer_value(id);
}

/* One event: 1 = it carried the answer (consumed), 0 = not this one,
 * -1 = Janus reported an error (why filled). */
static int
event(struct rc_conn *c, const json_t *e, char *why, size_t whylen)
{
	const char *kind = json_string_value(json_object_get(e, "janus"));
	json_t *jsep = json_object_get(e, "jsep");
	json_t *perr = json_object_get(json_object_get(json_object_get(e, "plugindata"), "data"),
	    "error");
	const char *type = json_string_value(json_object_get(jsep, "type"));
	const char *sdp = json_string_value(json_object_get(jsep, "sdp"));
	char *copy;

	if ((kind != NULL && strcmp(kind, "error") == 0) || json_is_string(perr)) {
		json_t *m = json_object_get(json_object_get(e, "error"), "reason");
		snprintf(why, whylen, "janus: %.100s",
		    json_is_string(perr) ? json_string_value(perr) :
		    json_is_string(m) ? json_string_value(m) : "error");
		return -1;
	}
	if (type == NULL || sdp == NULL || strcmp(type, "answer") != 0)
		return 0;
	if (strlen(sdp) >= RC_HTTP_MAX || (copy = strdup(sdp)) == NULL) {
		snprintf(why, whylen, "janus: unusable answer");
		return -1;
	}
	rc_offer_answer(c, copy);
	free(copy);
	return 1;
}

/* A long-poll answer: one event or an array of them. */
static int
events(struct rc_conn *c, const json_t *j, char *why, size_t whylen)
{
	size_t i;
	json_t *e;
	int r;

	if (!json_is_array(j))
		return event(c, j, why, whylen);
	json_array_foreach(j, i, e)
		if ((r = event(c, e, why, whylen)) != 0)
			return r;
	return 0;
}

static int
step(struct rc_conn *c, const json_t *j, char *err, size_t errlen)
{
	struct rc_janus *jn = c->janus;
	const char *kind;
	int r;

	switch (jn->step) {
	case JS_CREATE:
		if ((jn->session = success_id(j)) < 0)
			break;
		return attach(c, err, errlen);
	case JS_ATTACH:
		if ((jn->handle = success_id(j)) < 0)
			break;
		return message(c, err, errlen);
	case JS_MESSAGE:
		kind = json_string_value(json_object_get(j, "janus"));
		if (kind != NULL && strcmp(kind, "ack") == 0)
			return poll_events(c, err, errlen);
		if ((r = events(c, j, err, errlen)) != 0)
			return r < 0 ? -1 : 0;
		break;
	case JS_POLL:
		if ((r = events(c, j, err, errlen)) != 0)
			return r < 0 ? -1 : 0;
		return poll_events(c, err, errlen);
	}
	if (err[0] == '\0')
		snprintf(err, errlen, "janus: unexpected answer to %s", step_names[jn->step]);
	return -1;
}

void
rc_janus_response(struct rc_conn *c, int status, const char *body, size_t len)
{
	char err[RC_REASON_MAX] = "";
	json_error_t je;
	json_t *j;

	if (status != 200) {
		rc_fail(c, 1, "janus: HTTP %d to %s", status, step_names[c->janus->step]);
		return;
	}
	if ((j = json_loadb(body, len, 0, &je)) == NULL) {
		rc_fail(c, 1, "janus: bad JSON in the answer to %s", step_names[c->janus->step]);
		return;
	}
	if (step(c, j, err, sizeof(err)) < 0)
		rc_fail(c, 1, "%s", err);
	json_decref(j);
}
