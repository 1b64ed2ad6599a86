/* control: the control socket (DESIGN.md §6): a Unix stream socket speaking
 * newline-delimited JSON. One request per line ({"cmd": "status"}), one JSON
 * reply per line. Bad input gets {"error": "..."}; nothing a client sends can
 * hurt the supervisor (bounded lines, bounded clients, idle timeout). Who may
 * connect: root, rtcd's own uid, control_allow_uids and members of
 * control_group, checked with SO_PEERCRED on every connection. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>
#include <jansson.h>

#include "common/log.h"
#include "common/util.h"
#include "cluster.h"
#include "rooms.h"
#include "spawner.h"
#include "sup.h"

#define MAX_LINE (64 * 1024)
#define IDLE_TIMEOUT_S 30
#define MAX_GROUPS 256          /* supplementary groups looked at per client */
#define MAX_DRAIN_DEADLINE_S (7 * 86400)
#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

static gid_t control_gid;       /* control_group, when set */
static int have_control_gid;
static uint64_t last_refusal_log_ms;

static const char *
mode_name(uint8_t mode)
{
	return mode == WIRE_MODE_DIRECT ? "webrtc-direct" : mode == WIRE_MODE_OFFER ? "webrtc" : "none";
}

static const char *
phase_name(uint8_t p)
{
	static const char *n[] = { "idle", "ice", "dtls", "sctp", "open", "closing" };
	return p < ARRAY_LEN(n) ? n[p] : "?";
}

json_t *
control_status(struct sup *s)
{
	char buf[ADDR_STRLEN];
	json_t *udp = json_array(), *maddrs = json_array(), *c;
	struct counters *k = &s->c;

	for (int i = 0; i < s->nlisteners; i++)
		json_array_append_new(udp, json_string(addr_format(&s->listeners[i].bound, buf, sizeof(buf))));
	for (int i = 0; i < s->nmultiaddrs; i++)
		json_array_append_new(maddrs, json_string(s->multiaddrs[i]));
	c = json_pack("{sI sI sI sI sI sI sI sI sI sI sI sI sI sI sI sI sI sI sI sI sI sI sI sI sI sI sI sI sI sI}",
	    "dgrams_in", (json_int_t)k->dgrams_in, "dgrams_out", (json_int_t)k->dgrams_out,
	    "bytes_in", (json_int_t)k->bytes_in, "bytes_out", (json_int_t)k->bytes_out,
	    "dropped_unrouted", (json_int_t)k->dropped_unrouted,
	    "dropped_limit", (json_int_t)k->dropped_limit,
	    "dropped_worker_busy", (json_int_t)k->dropped_worker_busy,
	    "dropped_send", (json_int_t)k->dropped_send,
	    "dropped_truncated", (json_int_t)k->dropped_truncated,
	    "dropped_forbidden", (json_int_t)k->dropped_forbidden,
	    "peer_errors", (json_int_t)k->peer_errors,
	    "peer_errors_unrouted", (json_int_t)k->peer_errors_unrouted,
	    "listener_errors", (json_int_t)k->listener_errors,
	    "listener_reopens", (json_int_t)k->listener_reopens,
	    "flows_opened", (json_int_t)k->flows_opened,
	    "flows_bound", (json_int_t)k->flows_bound,
	    "worker_violations", (json_int_t)k->worker_violations,
	    "worker_logs_dropped", (json_int_t)k->worker_logs_dropped,
	    "offers_ok", (json_int_t)k->offers_ok,
	    "offers_failed", (json_int_t)k->offers_failed,
	    "offers_limited", (json_int_t)k->offers_limited,
	    "control_requests", (json_int_t)k->control_requests,
	    "control_errors", (json_int_t)k->control_errors,
	    "binds_refused", (json_int_t)k->binds_refused,
	    "http_requests", (json_int_t)k->http_requests,
	    "room_published", (json_int_t)k->room_published,
	    "room_delivered", (json_int_t)k->room_delivered,
	    "room_lost", (json_int_t)k->room_lost,
	    "room_rate_limited", (json_int_t)k->room_rate_limited,
	    "room_refused", (json_int_t)k->room_refused);
	cluster_counters(s, c);
	return json_pack("{ss sI sI so so? so ss s{sI sI sI sI sI sI sI sI sI} so sb sI so so*}",
	    "version", PACKAGE_VERSION,
	    "uptime_s", (json_int_t)((now_ms() - s->start_ms) / 1000),
	    "pid", (json_int_t)getpid(),
	    "udp", udp,
	    "http", s->http ? json_string(addr_format(&s->http_bound, buf, sizeof(buf))) : NULL,
	    "multiaddrs", maddrs,
	    "peer_id", s->peer_id,
	    "workers",
	    "active", (json_int_t)(s->nworkers - s->nidle - s->nspawning),
	    "idle", (json_int_t)s->nidle,
	    "spawning", (json_int_t)s->nspawning,
	    "handshaking", (json_int_t)s->npending,
	    "crashed_total", (json_int_t)k->workers_crashed,
	    "spawned_total", (json_int_t)k->workers_spawned,
	    "killed_total", (json_int_t)k->workers_killed,
	    "exited_total", (json_int_t)k->workers_exited,
	    "start_failures_total", (json_int_t)k->worker_start_failures,
	    "counters", c,
	    "draining", s->draining,
	    "drain_deadline_s", (json_int_t)(s->drain_deadline_ms > now_ms() ?
	    (s->drain_deadline_ms - now_ms() + 999) / 1000 : 0),
	    "spawner", spawner_status(s),
	    "cluster", cluster_status(s));
}

static json_t *
connections(struct sup *s)
{
	json_t *a = json_array();
	struct worker *w;
	char buf[ADDR_STRLEN];
	uint64_t now = now_ms();

	TAILQ_FOREACH(w, &s->workers, all_link) {
		if (w->id == 0)
			continue;
		json_array_append_new(a, json_pack("{sI sI ss ss ss ss sI sI sI sI sI ss}",
		    "id", (json_int_t)w->id, "pid", (json_int_t)w->pid,
		    "mode", mode_name(w->mode),
		    "remote", w->remote.family ? addr_format(&w->remote, buf, sizeof(buf)) : "",
		    "state", wstate_name(w->state), "phase", phase_name(w->phase),
		    "age_s", (json_int_t)((now - w->assigned_ms) / 1000),
		    "bytes_in", (json_int_t)w->bytes_in, "bytes_out", (json_int_t)w->bytes_out,
		    "dgrams_in", (json_int_t)w->dgrams_in, "dgrams_out", (json_int_t)w->dgrams_out,
		    "peer", w->st.peer));
	}
	return a;
}

static json_t *
flows_of(struct worker *w, uint64_t now)
{
	json_t *a = json_array();
	struct flow *f;
	char l[ADDR_STRLEN], r[ADDR_STRLEN];

	LIST_FOREACH(f, &w->flows, wlink)
		json_array_append_new(a, json_pack("{sI ss ss sb sI sI}", "tuple_id", (json_int_t)f->tuple_id,
		    "local", addr_format(&f->t.local, l, sizeof(l)),
		    "remote", addr_format(&f->t.remote, r, sizeof(r)), "bound", f->bound,
		    "age_s", (json_int_t)((now - f->created_ms) / 1000),
		    "idle_ms", (json_int_t)(now - f->last_ms)));
	return a;
}

/* show ID: one connection in detail. */
static json_t *
connection_detail(struct sup *s, struct worker *w)
{
	json_t *rooms = json_array();
	char buf[ADDR_STRLEN];
	uint64_t now = now_ms();

	for (int i = 0; i < w->nrooms; i++)
		json_array_append_new(rooms, json_string(rooms_name(w->rooms[i])));
	return json_pack("{sI sI ss ss ss ss ss sI sI so? sI sI sI sI sI sI so so si ss ss}",
	    "id", (json_int_t)w->id, "pid", (json_int_t)w->pid, "mode", mode_name(w->mode),
	    "remote", w->remote.family ? addr_format(&w->remote, buf, sizeof(buf)) : "",
	    "state", wstate_name(w->state), "phase", phase_name(w->phase),
	    "peer", w->st.peer,
	    "age_s", (json_int_t)((now - w->assigned_ms) / 1000),
	    "connected_s", (json_int_t)(w->connected_ms ? (now - w->connected_ms) / 1000 : 0),
	    "handshake_ms", w->connected_ms ? json_integer((json_int_t)(w->connected_ms -
	    w->assigned_ms)) : NULL,
	    "bytes_in", (json_int_t)w->bytes_in, "bytes_out", (json_int_t)w->bytes_out,
	    "dgrams_in", (json_int_t)w->dgrams_in, "dgrams_out", (json_int_t)w->dgrams_out,
	    "messages_in", (json_int_t)w->st.msgs_in, "messages_out", (json_int_t)w->st.msgs_out,
	    "flows", flows_of(w, now), "rooms", rooms, "room_lost", (int)w->room_lost,
	    "ufrag", w->ufrag, "close_reason", w->close_reason);
}

static json_t *
workers_list(struct sup *s)
{
	json_t *a = json_array();
	struct worker *w;

	TAILQ_FOREACH(w, &s->workers, all_link)
		json_array_append_new(a, json_pack("{sI sI ss}", "pid", (json_int_t)w->pid,
		    "id", (json_int_t)w->id, "state", wstate_name(w->state)));
	return a;
}

static json_t *
err(struct sup *s, const char *msg)
{
	s->c.control_errors++;
	return json_pack("{ss}", "error", msg);
}

static struct worker *
find_target(struct sup *s, json_t *req)
{
	json_t *id = json_object_get(req, "id"), *pid = json_object_get(req, "pid");
	struct worker *w;

	if (json_is_integer(id))
		return workers_find(s, (uint32_t)json_integer_value(id));
	if (json_is_integer(pid) && json_integer_value(pid) > 0)
		TAILQ_FOREACH(w, &s->workers, all_link)
			if (w->pid == (pid_t)json_integer_value(pid))
				return w;
	return NULL;
}

static json_t *
cmd_debug(struct sup *s, json_t *req)
{
	const char *action = json_string_value(json_object_get(req, "action"));
	struct worker *w = find_target(s, req);
	struct wire_msg m;

	if (!s->cfg.debug_hooks)
		return err(s, "debug commands are disabled (config debug_hooks)");
	if (w == NULL)
		return err(s, "no such worker");
	wire_init(&m, WIRE_DEBUG, 0);
	if (action && strcmp(action, "forbidden-syscall") == 0)
		m.u.code = DEBUG_FORBIDDEN_SYSCALL;
	else if (action && strcmp(action, "crash") == 0)
		m.u.code = DEBUG_CRASH;
	else if (action && strcmp(action, "grow") == 0)
		m.u.code = DEBUG_GROW;
	else
		return err(s, "action must be forbidden-syscall, crash or grow");
	if (wire_send(w->fd, &m) < 0)
		return err(s, "worker channel unavailable");
	return json_pack("{sb sI}", "ok", 1, "pid", (json_int_t)w->pid);
}

/* {"cmd":"drain"} or {"cmd":"drain","deadline_s":N}: N = 0 waits for the
 * last connection however long it takes; the default is limits.drain_deadline_s. */
static json_t *
cmd_drain(struct sup *s, json_t *req)
{
	json_t *d = json_object_get(req, "deadline_s");
	int deadline = s->cfg.limits.drain_deadline_s;
	int active = s->nworkers - s->nidle - s->nspawning;

	if (d != NULL) {
		if (!json_is_integer(d) || json_integer_value(d) < 0 ||
		    json_integer_value(d) > MAX_DRAIN_DEADLINE_S)
			return err(s, "\"deadline_s\" must be an integer from 0 (no deadline) to 604800");
		deadline = (int)json_integer_value(d);
	}
	if (s->stopping)
		return err(s, "rtcd is already stopping");
	sup_drain(s, deadline);
	return json_pack("{sb sb si si}", "ok", 1, "draining", 1, "connections", active,
	    "deadline_s", deadline);
}

static json_t *
handle(struct sup *s, const char *line, size_t len)
{
	json_error_t je;
	json_t *req = json_loadb(line, len, JSON_REJECT_DUPLICATES, &je), *res;
	const char *cmd;

	s->c.control_requests++;
	if (req == NULL || !json_is_object(req)) {
		json_decref(req);
		return err(s, "request must be a JSON object like {\"cmd\": \"status\"}");
	}
	cmd = json_string_value(json_object_get(req, "cmd"));
	if (cmd == NULL) {
		res = err(s, "missing \"cmd\"");
	} else if (strcmp(cmd, "status") == 0) {
		res = control_status(s);
	} else if (strcmp(cmd, "connections") == 0) {
		res = connections(s);
	} else if (strcmp(cmd, "rooms") == 0) {
		res = rooms_list(s);
	} else if (strcmp(cmd, "workers") == 0) {
		res = workers_list(s);
	} else if (strcmp(cmd, "kill") == 0) {
		struct worker *w = find_target(s, req);
		if (w == NULL || w->id == 0) {
			res = err(s, "no such connection");
		} else {
			workers_kill(w, "killed by operator");
			res = json_pack("{sb sI}", "ok", 1, "id", (json_int_t)w->id);
		}
	} else if (strcmp(cmd, "show") == 0) {
		struct worker *w = find_target(s, req);
		res = w == NULL || w->id == 0 ? err(s, "no such connection") : connection_detail(s, w);
	} else if (strcmp(cmd, "drain") == 0) {
		res = cmd_drain(s, req);
	} else if (strcmp(cmd, "metrics") == 0) {
		size_t tlen;
		char *text = metrics_render(s, &tlen);
		res = text ? json_pack("{ss ss%}", "content_type", METRICS_CONTENT_TYPE, "text", text, tlen) :
		    err(s, "out of memory");
		free(text);
	} else if (strcmp(cmd, "reload") == 0) {
		char e[256];
		res = sup_reload(s, e, sizeof(e)) < 0 ? err(s, e) : json_pack("{sb}", "ok", 1);
	} else if (strcmp(cmd, "debug") == 0) {
		res = cmd_debug(s, req);
	} else {
		res = err(s, "unknown command (try status, connections, show, workers, rooms, kill, "
		    "metrics, drain, reload)");
	}
	json_decref(req);
	return res;
}

char *
control_handle_line(struct sup *s, const char *line, size_t len)
{
	json_t *res = handle(s, line, len);
	char *out = res ? json_dumps(res, JSON_COMPACT) : NULL;

	json_decref(res);
	return out;
}

/* Open clients, so that shutdown frees them (LeakSanitizer checks). */
struct client {
	TAILQ_ENTRY(client) link;
	struct bufferevent *bev;
	struct sup *s;
};
static TAILQ_HEAD(, client) clients = TAILQ_HEAD_INITIALIZER(clients);

static void
client_free(struct client *c)
{
	TAILQ_REMOVE(&clients, c, link);
	bufferevent_free(c->bev);
	c->s->ncontrol--;
	free(c);
}

static void
on_client_read(struct bufferevent *bev, void *arg)
{
	struct sup *s = ((struct client *)arg)->s;
	struct evbuffer *in = bufferevent_get_input(bev);
	char *line;
	size_t len;

	while ((line = evbuffer_readln(in, &len, EVBUFFER_EOL_LF)) != NULL) {
		char *out = control_handle_line(s, line, len);
		if (out) {
			bufferevent_write(bev, out, strlen(out));
			bufferevent_write(bev, "\n", 1);
			free(out);
		}
		free(line);
	}
	if (evbuffer_get_length(in) > MAX_LINE) {
		static const char msg[] = "{\"error\":\"request line too long\"}\n";
		s->c.control_errors++;
		evbuffer_drain(in, evbuffer_get_length(in));
		bufferevent_write(bev, msg, sizeof(msg) - 1);
		bufferevent_disable(bev, EV_READ);
	}
}

static void
on_client_event(struct bufferevent *bev, short what, void *arg)
{
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT))
		client_free(arg);
}

static int
in_group(uid_t uid, gid_t gid, gid_t want)
{
	struct passwd *pw;
	gid_t groups[MAX_GROUPS];
	int n = MAX_GROUPS;

	if (gid == want)
		return 1;
	pw = getpwuid(uid);
	if (pw == NULL || getgrouplist(pw->pw_name, pw->pw_gid, groups, &n) < 0)
		return 0;
	for (int i = 0; i < n; i++)
		if (groups[i] == want)
			return 1;
	return 0;
}

/* SO_PEERCRED: root, our own uid, control_allow_uids, control_group. A
 * refused client gets one error line and the connection is closed. */
static int
peer_allowed(struct sup *s, int fd)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);
	char msg[256];
	uint64_t now;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0 || len != sizeof(cr)) {
		s->c.control_errors++;
		return 0;
	}
	if (cr.uid == 0 || cr.uid == geteuid())
		return 1;
	for (int i = 0; i < s->cfg.ncontrol_uids; i++)
		if (cr.uid == s->cfg.control_uids[i])
			return 1;
	if (have_control_gid && in_group(cr.uid, cr.gid, control_gid))
		return 1;
	s->c.control_errors++;
	s->m.control_refused++;
	snprintf(msg, sizeof(msg), "{\"error\":\"permission denied: uid %u may not use the rtcd "
	    "control socket (allowed: root, rtcd's uid, control_allow_uids, control_group)\"}\n",
	    (unsigned)cr.uid);
	(void)!write(fd, msg, strlen(msg));
	now = now_ms();
	if (now - last_refusal_log_ms >= 1000) {   /* one line a second at most */
		last_refusal_log_ms = now;
		log_warn("control: refused a client with uid %u (pid %d): not root, rtcd's uid, "
		    "in control_allow_uids or in control_group", (unsigned)cr.uid, (int)cr.pid);
	}
	return 0;
}

static void
on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int socklen, void *arg)
{
	struct sup *s = arg;
	struct bufferevent *bev;
	struct client *cl;
	struct timeval idle = { IDLE_TIMEOUT_S, 0 };

	if (!peer_allowed(s, fd)) {
		close(fd);
		return;
	}
	if (s->ncontrol >= s->cfg.limits.max_control_clients) {
		static const char msg[] = "{\"error\":\"too many control clients; retry\"}\n";
		(void)!write(fd, msg, sizeof(msg) - 1);
		close(fd);
		s->c.control_errors++;
		return;
	}
	cl = calloc(1, sizeof(*cl));
	bev = cl ? bufferevent_socket_new(s->base, fd, BEV_OPT_CLOSE_ON_FREE) : NULL;
	if (bev == NULL) {
		free(cl);
		close(fd);
		return;
	}
	cl->bev = bev;
	cl->s = s;
	TAILQ_INSERT_TAIL(&clients, cl, link);
	s->ncontrol++;
	bufferevent_setcb(bev, on_client_read, NULL, on_client_event, cl);
	bufferevent_set_timeouts(bev, &idle, &idle);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
}

static int
resolve_group(struct sup *s)
{
	struct group *gr;

	have_control_gid = 0;
	if (s->cfg.control_group[0] == '\0')
		return 0;
	gr = getgrnam(s->cfg.control_group);
	if (gr == NULL) {
		log_error("control_group \"%s\": no such group (create it, e.g. with "
		    "'systemd-sysusers etc/rtcd.sysusers', or remove the key)", s->cfg.control_group);
		return -1;
	}
	control_gid = gr->gr_gid;
	have_control_gid = 1;
	return 0;
}

/* Mode 0660 (group control_group when set): the kernel keeps other users
 * out. With control_allow_uids, 0666: SO_PEERCRED decides alone. */
static int
set_access(struct sup *s)
{
	mode_t mode = s->cfg.ncontrol_uids > 0 ? 0666 : 0660;

	if (have_control_gid && chown(s->cfg.control, (uid_t)-1, control_gid) < 0) {
		log_error("control: cannot give %s to group %s: %s", s->cfg.control,
		    s->cfg.control_group, strerror(errno));
		return -1;
	}
	if (chmod(s->cfg.control, mode) < 0) {
		log_error("control: cannot chmod %s: %s", s->cfg.control, strerror(errno));
		return -1;
	}
	return 0;
}

int
control_open(struct sup *s)
{
	struct sockaddr_un sun;
	struct stat st;
	mode_t old;
	int fd;

	if (strlen(s->cfg.control) >= sizeof(sun.sun_path)) {
		log_error("control: socket path too long: %s", s->cfg.control);
		return -1;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, s->cfg.control);
	/* Remove a stale socket left by a previous run, never anything else. */
	if (lstat(s->cfg.control, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			log_error("control: %s exists and is not a socket", s->cfg.control);
			return -1;
		}
		unlink(s->cfg.control);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (resolve_group(s) < 0) {
		close(fd);
		return -1;
	}
	old = umask(0177);   /* 0600 until group and mode are set */
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		log_error("control: cannot bind %s: %s", s->cfg.control, strerror(errno));
		umask(old);
		close(fd);
		return -1;
	}
	umask(old);
	if (set_access(s) < 0) {
		close(fd);
		unlink(s->cfg.control);
		return -1;
	}
	s->control = evconnlistener_new(s->base, on_accept, s,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 16, fd);
	if (s->control == NULL) {
		close(fd);
		return -1;
	}
	log_info("control socket %s (mode %s%s%s)", s->cfg.control,
	    s->cfg.ncontrol_uids > 0 ? "0666, uids checked" : "0660",
	    have_control_gid ? ", group " : "", have_control_gid ? s->cfg.control_group : "");
	return 0;
}

void
control_close(struct sup *s)
{
	while (!TAILQ_EMPTY(&clients))
		client_free(TAILQ_FIRST(&clients));
	if (s->control) {
		evconnlistener_free(s->control);
		unlink(s->cfg.control);
	}
	s->control = NULL;
}
