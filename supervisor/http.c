/* http: the supervisor's HTTP listener (libevent evhttp): the web demo as
 * static files (safe paths, MIME types, no directory escape) and the
 * WHIP-style signalling endpoint: POST /v1/offer hands the raw SDP to a pool
 * worker (the only place SDP is parsed) and answers 201 with its SDP;
 * DELETE /v1/session/ID ends that session. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>

#include "common/log.h"
#include "common/util.h"
#include "sup.h"


#define MAX_STATIC_BYTES (16 * 1024 * 1024)
#define OFFER_WAIT_MS 5000     /* how long an offer may wait for a pool worker */

/* Offers that arrived while the pool was empty (a burst larger than the
 * pool): they wait, bounded in number and time, for the next READY worker. */
struct offer_wait {
	TAILQ_ENTRY(offer_wait) link;
	struct evhttp_request *req;
	uint64_t deadline_ms;
	size_t len;
	char sdp[];
};
static TAILQ_HEAD(, offer_wait) waiting = TAILQ_HEAD_INITIALIZER(waiting);
static int nwaiting;
static struct event *wait_timer;

static const struct { const char *ext, *type; } mime[] = {
	{ ".html", "text/html; charset=utf-8" },
	{ ".js", "text/javascript; charset=utf-8" },
	{ ".mjs", "text/javascript; charset=utf-8" },
	{ ".css", "text/css; charset=utf-8" },
	{ ".json", "application/json" },
	{ ".map", "application/json" },
	{ ".svg", "image/svg+xml" },
	{ ".png", "image/png" },
	{ ".ico", "image/x-icon" },
	{ ".txt", "text/plain; charset=utf-8" },
	{ ".wasm", "application/wasm" },
};

static void
reply_text(struct evhttp_request *req, int code, const char *reason, const char *text)
{
	struct evbuffer *b = evbuffer_new();

	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
	    "text/plain; charset=utf-8");
	if (b)
		evbuffer_add_printf(b, "%s\n", text);
	evhttp_send_reply(req, code, reason, b);
	if (b)
		evbuffer_free(b);
}

static void
common_headers(struct evhttp_request *req)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);

	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	evhttp_add_header(h, "Cache-Control", "no-store");
	evhttp_add_header(h, "Access-Control-Allow-Origin", "*");
	evhttp_add_header(h, "Access-Control-Allow-Methods", "GET, POST, DELETE, OPTIONS");
	evhttp_add_header(h, "Access-Control-Allow-Headers", "Content-Type");
	evhttp_add_header(h, "Access-Control-Expose-Headers", "Location");
}

/* Accept only [A-Za-z0-9._-] path segments, no "." or ".." segments, no
 * hidden files: anything else is 404, so nothing outside web_root is served. */
static int
safe_path(const char *p, char *out, size_t outlen)
{
	size_t n = 0;
	const char *seg = p;

	if (*p != '/')
		return -1;
	for (const char *c = p + 1;; c++) {
		if (*c == '/' || *c == '\0') {
			size_t sl = (size_t)(c - seg - 1);
			if (*c == '/' && sl == 0)
				return -1;
			if (seg[1] == '.')
				return -1;   /* ".", "..", hidden files */
			seg = c;
			if (*c == '\0')
				break;
			continue;
		}
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		    (*c >= '0' && *c <= '9') || *c == '.' || *c == '_' || *c == '-'))
			return -1;
	}
	n = strlen(p);
	if (n + 1 > outlen)
		return -1;
	memcpy(out, p, n + 1);
	return 0;
}

static void
serve_static(struct sup *s, struct evhttp_request *req, const char *path)
{
	char rel[512], full[CONFIG_PATH_MAX + 600];
	const char *type = "application/octet-stream";
	struct evbuffer *b;
	struct stat st;
	int fd;

	if (strcmp(path, "/") == 0)
		path = "/index.html";
	if (s->web_root[0] == '\0' || safe_path(path, rel, sizeof(rel)) < 0) {
		reply_text(req, 404, "Not Found", "not found");
		return;
	}
	snprintf(full, sizeof(full), "%s%s", s->web_root, rel);
	fd = open(full, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > MAX_STATIC_BYTES) {
		if (fd >= 0)
			close(fd);
		reply_text(req, 404, "Not Found", "not found");
		return;
	}
	for (size_t i = 0; i < ARRAY_LEN(mime); i++) {
		size_t el = strlen(mime[i].ext), pl = strlen(rel);
		if (pl > el && strcmp(rel + pl - el, mime[i].ext) == 0)
			type = mime[i].type;
	}
	b = evbuffer_new();
	if (b == NULL || evbuffer_add_file(b, fd, 0, st.st_size) < 0) {
		if (b)
			evbuffer_free(b);
		else
			close(fd);
		reply_text(req, 500, "Internal Server Error", "cannot read file");
		return;
	}
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", type);
	evhttp_send_reply(req, 200, "OK", b);
	evbuffer_free(b);
}

/* The client went away while its offer was being answered: evhttp frees the
 * request, so forget it and end the worker it had taken. */
static void
on_offer_conn_close(struct evhttp_connection *evcon, void *arg)
{
	struct sup *s = arg;
	struct worker *w;

	TAILQ_FOREACH(w, &s->workers, all_link) {
		if (w->offer_req && evhttp_request_get_connection(w->offer_req) == evcon) {
			w->offer_req = NULL;
			s->npending_offers--;
			s->c.offers_failed++;
			workers_kill(w, "offer abandoned by the HTTP client");
		}
	}
}

static struct evhttp_request *
take_offer_req(struct sup *s, struct worker *w)
{
	struct evhttp_request *req = w->offer_req;

	if (req == NULL)
		return NULL;
	w->offer_req = NULL;
	s->npending_offers--;
	evhttp_connection_set_closecb(evhttp_request_get_connection(req), NULL, NULL);
	return req;
}

/* Hand one offer to worker w. 0, or -1 after replying with an error. */
static int
give_offer(struct sup *s, struct worker *w, struct evhttp_request *req, const char *sdp, size_t len)
{
	struct wire_msg m;

	wire_init(&m, WIRE_OFFER, 0);
	m.data = (const uint8_t *)sdp;
	m.data_len = len;
	if (workers_send(w, &m) < 0) {
		reply_text(req, 503, "Service Unavailable", "worker unavailable; retry later");
		return -1;
	}
	w->offer_req = req;
	s->npending_offers++;
	evhttp_connection_set_closecb(evhttp_request_get_connection(req), on_offer_conn_close, s);
	return 0;
}

static void
wait_free(struct offer_wait *ow)
{
	TAILQ_REMOVE(&waiting, ow, link);
	nwaiting--;
	free(ow);
}

/* A waiting client disconnected: evhttp frees its request. */
static void
on_wait_conn_close(struct evhttp_connection *evcon, void *arg)
{
	struct offer_wait *ow, *tmp;

	TAILQ_FOREACH_SAFE(ow, &waiting, link, tmp)
		if (evhttp_request_get_connection(ow->req) == evcon)
			wait_free(ow);
}

static void
arm_wait_timer(void)
{
	struct offer_wait *ow = TAILQ_FIRST(&waiting);
	uint64_t now = now_ms(), d;
	struct timeval tv;

	if (ow == NULL || wait_timer == NULL)
		return;
	d = ow->deadline_ms > now ? ow->deadline_ms - now : 0;
	tv.tv_sec = (time_t)(d / 1000);
	tv.tv_usec = (suseconds_t)((d % 1000) * 1000);
	evtimer_add(wait_timer, &tv);
}

void
http_offer_dispatch(struct sup *s)
{
	struct offer_wait *ow;
	uint64_t now = now_ms();

	while ((ow = TAILQ_FIRST(&waiting)) != NULL) {
		struct worker *w;
		struct evhttp_request *req = ow->req;
		if (ow->deadline_ms <= now) {
			evhttp_connection_set_closecb(evhttp_request_get_connection(req), NULL, NULL);
			s->c.offers_limited++;
			reply_text(req, 503, "Service Unavailable", "no worker became available; retry later");
			wait_free(ow);
			continue;
		}
		w = workers_take(s, WIRE_MODE_OFFER, NULL);
		if (w == NULL)
			break;
		evhttp_connection_set_closecb(evhttp_request_get_connection(req), NULL, NULL);
		TAILQ_REMOVE(&waiting, ow, link);
		nwaiting--;
		(void)give_offer(s, w, req, ow->sdp, ow->len);
		free(ow);
	}
	arm_wait_timer();
}

static void
on_wait_timer(evutil_socket_t fd, short ev, void *arg)
{
	http_offer_dispatch(arg);
}

static void
on_offer(struct sup *s, struct evhttp_request *req)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	const char *ct = evhttp_find_header(evhttp_request_get_input_headers(req), "Content-Type");
	size_t len = evbuffer_get_length(in);
	struct offer_wait *ow;
	struct worker *w;

	if (ct == NULL || strncasecmp(ct, "application/sdp", 15) != 0) {
		reply_text(req, 415, "Unsupported Media Type", "Content-Type must be application/sdp");
		return;
	}
	if (len == 0 || len > (size_t)s->cfg.limits.max_offer_bytes) {
		reply_text(req, 400, "Bad Request", len ? "offer too large" : "empty offer");
		return;
	}
	if (s->draining || s->stopping) {
		reply_text(req, 503, "Service Unavailable", "server is draining");
		return;
	}
	if (s->npending_offers + nwaiting >= s->cfg.limits.max_pending_offers) {
		s->c.offers_limited++;
		reply_text(req, 503, "Service Unavailable", "too many pending offers; retry later");
		return;
	}
	ow = malloc(sizeof(*ow) + len);
	if (ow == NULL || evbuffer_copyout(in, ow->sdp, len) != (ev_ssize_t)len) {
		free(ow);
		reply_text(req, 500, "Internal Server Error", "out of memory");
		return;
	}
	ow->len = len;
	w = TAILQ_EMPTY(&waiting) ? workers_take(s, WIRE_MODE_OFFER, NULL) : NULL;
	if (w != NULL) {
		(void)give_offer(s, w, req, ow->sdp, len);
		free(ow);
		return;
	}
	/* No idle worker right now (a burst larger than the pool, or the
	 * handshake limit): wait for one, in arrival order. */
	ow->req = req;
	ow->deadline_ms = now_ms() + OFFER_WAIT_MS;
	TAILQ_INSERT_TAIL(&waiting, ow, link);
	nwaiting++;
	evhttp_connection_set_closecb(evhttp_request_get_connection(req), on_wait_conn_close, s);
	arm_wait_timer();
}

void
http_offer_answered(struct sup *s, struct worker *w, const char *sdp, size_t len)
{
	struct evhttp_request *req = take_offer_req(s, w);
	struct evbuffer *b;
	char loc[64];

	if (req == NULL)
		return;
	s->c.offers_ok++;
	b = evbuffer_new();
	if (b == NULL || evbuffer_add(b, sdp, len) < 0) {
		if (b)
			evbuffer_free(b);
		reply_text(req, 500, "Internal Server Error", "out of memory");
		return;
	}
	snprintf(loc, sizeof(loc), "/v1/session/%u", w->id);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", "application/sdp");
	evhttp_add_header(evhttp_request_get_output_headers(req), "Location", loc);
	evhttp_send_reply(req, 201, "Created", b);
	evbuffer_free(b);
}

void
http_offer_failed(struct sup *s, struct worker *w, int status, const char *reason)
{
	struct evhttp_request *req = take_offer_req(s, w);

	if (req == NULL)
		return;
	s->c.offers_failed++;
	reply_text(req, status, status == 400 ? "Bad Request" : "Service Unavailable", reason);
	if (status == 400)
		workers_kill(w, "offer refused");   /* no worker left behind */
}

static void
on_delete_session(struct sup *s, struct evhttp_request *req, const char *id_str)
{
	char *end;
	unsigned long id = strtoul(id_str, &end, 10);
	struct worker *w;
	struct wire_msg m;

	if (*id_str == '\0' || *end != '\0' || id == 0 || id > UINT32_MAX ||
	    (w = workers_find(s, (uint32_t)id)) == NULL || w->mode != WIRE_MODE_OFFER) {
		reply_text(req, 404, "Not Found", "no such session");
		return;
	}
	wire_init(&m, WIRE_SHUTDOWN, 0);
	m.u.code = 1;
	if (workers_send(w, &m) == 0)
		workers_set_state(w, WS_CLOSING);
	evhttp_send_reply(req, 204, "No Content", NULL);
}

static void
reply_json(struct evhttp_request *req, json_t *j)
{
	struct evbuffer *b = evbuffer_new();
	char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;

	if (b == NULL || text == NULL) {
		free(text);
		if (b)
			evbuffer_free(b);
		json_decref(j);
		reply_text(req, 500, "Internal Server Error", "out of memory");
		return;
	}
	evbuffer_add(b, text, strlen(text));
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", "application/json");
	evhttp_send_reply(req, 200, "OK", b);
	evbuffer_free(b);
	free(text);
	json_decref(j);
}

/* GET /v1/status: a sanitized, read-only subset of `rtcctl status` for the
 * web demo's server panel: counts only, no peer addresses. */
static json_t *
public_status(struct sup *s)
{
	json_t *full = control_status(s), *out;

	if (full == NULL)
		return NULL;
	out = json_pack("{sO sO sO sO}", "version", json_object_get(full, "version"),
	    "uptime_s", json_object_get(full, "uptime_s"), "workers", json_object_get(full, "workers"),
	    "counters", json_object_get(full, "counters"));
	if (out) {
		json_t *conns = json_array();
		struct worker *w;
		TAILQ_FOREACH(w, &s->workers, all_link) {
			if (w->id == 0)
				continue;
			json_array_append_new(conns, json_pack("{sI ss ss sI sI sI}", "id", (json_int_t)w->id,
			    "mode", w->mode == WIRE_MODE_DIRECT ? "webrtc-direct" : "webrtc",
			    "state", wstate_name(w->state), "age_s", (json_int_t)((now_ms() - w->assigned_ms) / 1000),
			    "bytes_in", (json_int_t)w->bytes_in, "bytes_out", (json_int_t)w->bytes_out));
		}
		json_object_set_new(out, "connections", conns);
	}
	json_decref(full);
	return out;
}

/* GET /metrics: the Prometheus text exposition (same as rtcctl metrics). */
static void
reply_metrics(struct sup *s, struct evhttp_request *req)
{
	size_t len;
	char *text = metrics_render(s, &len);
	struct evbuffer *b = evbuffer_new();

	if (text == NULL || b == NULL || evbuffer_add(b, text, len) < 0) {
		free(text);
		if (b)
			evbuffer_free(b);
		reply_text(req, 500, "Internal Server Error", "out of memory");
		return;
	}
	free(text);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
	    "text/plain; version=0.0.4; charset=utf-8");
	evhttp_send_reply(req, 200, "OK", b);
	evbuffer_free(b);
}

static void
on_request(struct evhttp_request *req, void *arg)
{
	struct sup *s = arg;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);

	s->c.http_requests++;
	common_headers(req);
	if (path == NULL || *path == '\0')
		path = "/";
	if (cmd == EVHTTP_REQ_OPTIONS) {
		evhttp_send_reply(req, 204, "No Content", NULL);
		return;
	}
	if (strcmp(path, "/v1/offer") == 0) {
		if (cmd == EVHTTP_REQ_POST)
			on_offer(s, req);
		else
			reply_text(req, 405, "Method Not Allowed", "use POST");
		return;
	}
	if (strcmp(path, "/v1/info") == 0 || strcmp(path, "/v1/status") == 0) {
		if (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD) {
			reply_text(req, 405, "Method Not Allowed", "use GET");
		} else if (path[4] == 'i') {
			json_t *st = control_status(s);
			reply_json(req, json_pack("{sO sO sO}", "version", json_object_get(st, "version"),
			    "multiaddrs", json_object_get(st, "multiaddrs"), "udp", json_object_get(st, "udp")));
			json_decref(st);
		} else if (!s->cfg.status_api) {
			reply_text(req, 404, "Not Found", "status API disabled (config status_api)");
		} else {
			reply_json(req, public_status(s));
		}
		return;
	}
	if (strcmp(path, "/metrics") == 0) {
		if (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD)
			reply_text(req, 405, "Method Not Allowed", "use GET");
		else if (!s->cfg.metrics_api)
			reply_text(req, 404, "Not Found", "metrics API disabled (config metrics_api)");
		else
			reply_metrics(s, req);
		return;
	}
	if (strncmp(path, "/v1/session/", 12) == 0) {
		if (cmd == EVHTTP_REQ_DELETE)
			on_delete_session(s, req, path + 12);
		else
			reply_text(req, 405, "Method Not Allowed", "use DELETE");
		return;
	}
	if (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD) {
		reply_text(req, 405, "Method Not Allowed", "method not allowed");
		return;
	}
	serve_static(s, req, path);
}

int
http_open(struct sup *s)
{
	char buf[ADDR_STRLEN], ip[ADDR_STRLEN];
	struct evhttp_bound_socket *bs;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	if (!s->cfg.http_enabled)
		return 0;
	s->http = evhttp_new(s->base);
	wait_timer = evtimer_new(s->base, on_wait_timer, s);
	if (s->http == NULL || wait_timer == NULL)
		return -1;
	evhttp_set_max_body_size(s->http, (ev_ssize_t)s->cfg.limits.max_offer_bytes);
	evhttp_set_max_headers_size(s->http, 16 * 1024);
	evhttp_set_timeout(s->http, s->cfg.limits.http_timeout_s);
	evhttp_set_allowed_methods(s->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST |
	    EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS);
	evhttp_set_gencb(s->http, on_request, s);
	addr_format_ip(&s->cfg.http, ip, sizeof(ip));
	bs = evhttp_bind_socket_with_handle(s->http, ip, s->cfg.http.port);
	if (bs == NULL) {
		log_error("http: cannot listen on %s: %s",
		    addr_format(&s->cfg.http, buf, sizeof(buf)), strerror(errno));
		return -1;
	}
	if (getsockname(evhttp_bound_socket_get_fd(bs), (struct sockaddr *)&ss, &sl) < 0 ||
	    addr_from_sockaddr(&s->http_bound, (struct sockaddr *)&ss, sl) < 0)
		return -1;
	log_info("listening on http://%s/ (web demo from %s)",
	    addr_format(&s->http_bound, buf, sizeof(buf)),
	    s->web_root[0] ? s->web_root : "(none found)");
	return 0;
}

void
http_close(struct sup *s)
{
	while (!TAILQ_EMPTY(&waiting)) {
		struct offer_wait *ow = TAILQ_FIRST(&waiting);
		evhttp_connection_set_closecb(evhttp_request_get_connection(ow->req), NULL, NULL);
		reply_text(ow->req, 503, "Service Unavailable", "server is stopping");
		wait_free(ow);
	}
	if (wait_timer)
		event_free(wait_timer);
	wait_timer = NULL;
	if (s->http)
		evhttp_free(s->http);
	s->http = NULL;
}
