/* metrics: histograms, kill/crash classification, the event loop lag probe
 * and the Prometheus text exposition of the supervisor's state. Names start
 * with rtcd_, every family has HELP and TYPE lines, counters end in _total;
 * label values come from fixed tables only (never from peers or workers). */
#include "metrics.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <event2/event.h>
#include <jansson.h>

#include "common/util.h"
#include "rooms.h"
#include "sup.h"

/* Handshakes take tens of ms on a LAN, seconds through lossy paths or
 * slow clients; the handshake deadline is 20 s by default. */
static const double handshake_bounds[] = { 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30 };
/* A healthy loop fires the probe within a millisecond. */
static const double lag_bounds[] = { 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
	0.5, 1 };

void
metrics_hist_init(struct histogram *h, const double *bounds, int n)
{
	memset(h, 0, sizeof(*h));
	h->bounds = bounds;
	h->nbounds = MIN(n, METRICS_MAX_BOUNDS);
}

void
metrics_hist_observe(struct histogram *h, double v)
{
	int i = 0;

	while (i < h->nbounds && v > h->bounds[i])
		i++;
	h->counts[i]++;
	h->count++;
	h->sum += v;
}

void
metrics_init(struct metrics *m)
{
	memset(m, 0, sizeof(*m));
	metrics_hist_init(&m->handshake, handshake_bounds, (int)ARRAY_LEN(handshake_bounds));
	metrics_hist_init(&m->loop_lag, lag_bounds, (int)ARRAY_LEN(lag_bounds));
}

static void
arm_lag(struct sup *s)
{
	struct timeval tv = { 0, METRICS_LAG_PERIOD_MS * 1000 };

	s->m.lag_expected_us = now_us() + METRICS_LAG_PERIOD_MS * 1000;
	evtimer_add(s->m.lag_timer, &tv);
}

/* How late the timer fired is how long the loop was busy with something
 * else (or the process was not scheduled): the supervisor's latency. */
static void
on_lag(evutil_socket_t fd, short ev, void *arg)
{
	struct sup *s = arg;
	uint64_t now = now_us();
	uint64_t late = now > s->m.lag_expected_us ? now - s->m.lag_expected_us : 0;

	metrics_hist_observe(&s->m.loop_lag, (double)late / 1e6);
	arm_lag(s);
}

int
metrics_start(struct sup *s)
{
	s->m.lag_timer = evtimer_new(s->base, on_lag, s);
	if (s->m.lag_timer == NULL)
		return -1;
	arm_lag(s);
	return 0;
}

void
metrics_stop(struct sup *s)
{
	if (s->m.lag_timer)
		event_free(s->m.lag_timer);
	s->m.lag_timer = NULL;
}

void
metrics_handshake(struct sup *s, int ok, uint64_t ms)
{
	if (ok) {
		s->m.handshakes_ok++;
		metrics_hist_observe(&s->m.handshake, (double)ms / 1000.0);
	} else {
		s->m.handshakes_failed++;
	}
}

static const struct {
	const char *prefix;
	enum kill_cause cause;
} kill_table[] = {
	{ "protocol violation", KILL_VIOLATION },
	{ "sent to a tuple", KILL_VIOLATION },
	{ "did not become ready", KILL_READY_TIMEOUT },
	{ "handshake deadline", KILL_HANDSHAKE_TIMEOUT },
	{ "did not exit after SHUTDOWN", KILL_CLOSE_TIMEOUT },
	{ "channel ", KILL_CHANNEL },
	{ "HELLO could not be delivered", KILL_CHANNEL },
	{ "offer ", KILL_OFFER },
	{ "answer ufrag", KILL_OFFER },
	{ "killed by operator", KILL_OPERATOR },
	{ "shutting down", KILL_SHUTDOWN },
	{ "shutdown deadline", KILL_SHUTDOWN },
	{ "drain", KILL_SHUTDOWN },
	{ "not needed any more", KILL_SHUTDOWN },
};

static const char *kill_names[KILL_NCAUSES] = {
	[KILL_VIOLATION] = "violation", [KILL_READY_TIMEOUT] = "ready_timeout",
	[KILL_HANDSHAKE_TIMEOUT] = "handshake_timeout", [KILL_CLOSE_TIMEOUT] = "close_timeout",
	[KILL_CHANNEL] = "channel", [KILL_OFFER] = "offer", [KILL_OPERATOR] = "operator",
	[KILL_SHUTDOWN] = "shutdown", [KILL_OTHER] = "other",
};

enum kill_cause
metrics_kill_cause(const char *why)
{
	for (size_t i = 0; why && i < ARRAY_LEN(kill_table); i++)
		if (strncmp(why, kill_table[i].prefix, strlen(kill_table[i].prefix)) == 0)
			return kill_table[i].cause;
	return KILL_OTHER;
}

const char *
metrics_kill_cause_name(enum kill_cause c)
{
	return (unsigned)c < KILL_NCAUSES ? kill_names[c] : "other";
}

void
metrics_worker_killed(struct sup *s, const char *why)
{
	s->m.kills[metrics_kill_cause(why)]++;
}

static const char *crash_names[CRASH_NKINDS] = {
	[CRASH_SEGV] = "SIGSEGV", [CRASH_SYS] = "SIGSYS", [CRASH_ABRT] = "SIGABRT",
	[CRASH_BUS] = "SIGBUS", [CRASH_FPE] = "SIGFPE", [CRASH_ILL] = "SIGILL",
	[CRASH_KILL] = "SIGKILL", [CRASH_OTHER] = "other",
};

void
metrics_worker_crashed(struct sup *s, int sig)
{
	enum crash_kind k;

	switch (sig) {
	case SIGSEGV: k = CRASH_SEGV; break;
	case SIGSYS: k = CRASH_SYS; break;
	case SIGABRT: k = CRASH_ABRT; break;
	case SIGBUS: k = CRASH_BUS; break;
	case SIGFPE: k = CRASH_FPE; break;
	case SIGILL: k = CRASH_ILL; break;
	case SIGKILL: k = CRASH_KILL; break;   /* not ours: the OOM killer, an admin */
	default: k = CRASH_OTHER; break;
	}
	s->m.crashes[k]++;
}

/* ---- exposition ---- */

struct sbuf {
	char *p;
	size_t len, cap;
	int failed;
};

static void
sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->failed)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->failed = 1;
			return;
		}
		if ((size_t)n < b->cap - b->len) {
			b->len += (size_t)n;
			return;
		}
		if (b->cap >= METRICS_MAX_TEXT) {
			b->failed = 1;
			return;
		}
		{
			size_t ncap = MIN((size_t)METRICS_MAX_TEXT, b->cap * 2);
			char *np = realloc(b->p, ncap);
			if (np == NULL) {
				b->failed = 1;
				return;
			}
			b->p = np;
			b->cap = ncap;
		}
	}
}

static void
family(struct sbuf *b, const char *name, const char *type, const char *help)
{
	sb_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void
one(struct sbuf *b, const char *name, const char *type, const char *help, uint64_t v)
{
	family(b, name, type, help);
	sb_printf(b, "%s %llu\n", name, (unsigned long long)v);
}

/* A family with one label: values[i] for label value names[i]. */
static void
labeled(struct sbuf *b, const char *name, const char *type, const char *help, const char *label,
    const char *const *names, const uint64_t *values, size_t n)
{
	family(b, name, type, help);
	for (size_t i = 0; i < n; i++)
		sb_printf(b, "%s{%s=\"%s\"} %llu\n", name, label, names[i], (unsigned long long)values[i]);
}

static void
histogram(struct sbuf *b, const char *name, const char *help, const struct histogram *h)
{
	uint64_t cum = 0;

	family(b, name, "histogram", help);
	for (int i = 0; i < h->nbounds; i++) {
		cum += h->counts[i];
		sb_printf(b, "%s_bucket{le=\"%g\"} %llu\n", name, h->bounds[i], (unsigned long long)cum);
	}
	cum += h->counts[h->nbounds];
	sb_printf(b, "%s_bucket{le=\"+Inf\"} %llu\n", name, (unsigned long long)cum);
	sb_printf(b, "%s_sum %.6f\n", name, h->sum);
	sb_printf(b, "%s_count %llu\n", name, (unsigned long long)h->count);
}

static void
render_connections(struct sbuf *b, struct sup *s)
{
	static const char *modes[] = { "webrtc", "webrtc-direct" };
	static const char *states[] = { "handshake", "connected", "closing" };
	uint64_t n[2][3] = { { 0 } };
	struct worker *w;

	TAILQ_FOREACH(w, &s->workers, all_link) {
		int mi = w->mode == WIRE_MODE_DIRECT ? 1 : 0;
		int si = w->state == WS_ASSIGNED ? 0 : w->state == WS_CONNECTED ? 1 :
		    w->state == WS_CLOSING ? 2 : -1;
		if (w->id == 0 || si < 0)
			continue;
		n[mi][si]++;
	}
	family(b, "rtcd_connections", "gauge",
	    "Connections by mode (webrtc = offer/answer, webrtc-direct = libp2p) and state.");
	for (int i = 0; i < 2; i++)
		for (int j = 0; j < 3; j++)
			sb_printf(b, "rtcd_connections{mode=\"%s\",state=\"%s\"} %llu\n", modes[i], states[j],
			    (unsigned long long)n[i][j]);
}

static void
render_rooms(struct sbuf *b, struct sup *s)
{
	json_t *list = rooms_list(s), *r;
	uint64_t members = 0;
	size_t i;

	json_array_foreach(list, i, r)
		members += (uint64_t)json_integer_value(json_object_get(r, "members"));
	one(b, "rtcd_rooms", "gauge", "Chat rooms alive.", json_array_size(list));
	one(b, "rtcd_room_members", "gauge", "Memberships summed over all rooms.", members);
	json_decref(list);
}

static void
render_gauges(struct sbuf *b, struct sup *s)
{
	static const char *wstates[] = { "spawning", "idle", "busy" };
	uint64_t wv[] = { (uint64_t)s->nspawning, (uint64_t)s->nidle,
		(uint64_t)(s->nworkers - s->nidle - s->nspawning) };

	family(b, "rtcd_build_info", "gauge", "rtcd version (always 1).");
	sb_printf(b, "rtcd_build_info{version=\"%s\"} 1\n", PACKAGE_VERSION);
	one(b, "rtcd_uptime_seconds", "gauge", "Seconds since the supervisor started.",
	    (now_ms() - s->start_ms) / 1000);
	one(b, "rtcd_draining", "gauge", "1 while draining (no new connections).",
	    (uint64_t)(s->draining != 0));
	render_connections(b, s);
	labeled(b, "rtcd_workers", "gauge",
	    "Worker processes: spawning (not ready yet), idle (in the pool), busy (serving).",
	    "state", wstates, wv, ARRAY_LEN(wv));
	one(b, "rtcd_handshakes_in_progress", "gauge", "Connections still in their handshake.",
	    (uint64_t)s->npending);
	one(b, "rtcd_offers_pending", "gauge", "HTTP offers handed to a worker and not answered yet.",
	    (uint64_t)s->npending_offers);
	one(b, "rtcd_control_clients", "gauge", "Open control socket connections.",
	    (uint64_t)s->ncontrol);
	render_rooms(b, s);
}

static void
render_traffic(struct sbuf *b, struct sup *s)
{
	static const char *dirs[] = { "in", "out" };
	static const char *drops[] = { "unrouted", "limit", "worker_busy", "send", "truncated",
		"forbidden" };
	static const char *attributed[] = { "true", "false" };
	const struct counters *k = &s->c;
	uint64_t dg[] = { k->dgrams_in, k->dgrams_out }, by[] = { k->bytes_in, k->bytes_out };
	uint64_t dv[] = { k->dropped_unrouted, k->dropped_limit, k->dropped_worker_busy,
		k->dropped_send, k->dropped_truncated, k->dropped_forbidden };
	uint64_t pe[] = { k->peer_errors, k->peer_errors_unrouted };

	labeled(b, "rtcd_datagrams_total", "counter", "UDP datagrams received (in) and sent (out).",
	    "direction", dirs, dg, 2);
	labeled(b, "rtcd_bytes_total", "counter", "UDP payload bytes received (in) and sent (out).",
	    "direction", dirs, by, 2);
	labeled(b, "rtcd_dropped_datagrams_total", "counter",
	    "Datagrams dropped, by reason: unrouted (no flow, not a routable STUN check), limit "
	    "(a limit refused a new flow), worker_busy (worker channel full), send (sendmsg failed), "
	    "truncated (too large), forbidden (a worker sent to a tuple not bound to it).",
	    "reason", drops, dv, ARRAY_LEN(dv));
	labeled(b, "rtcd_peer_errors_total", "counter",
	    "ICMP errors read from the listeners, attributed to a connection or not.",
	    "attributed", attributed, pe, 2);
	one(b, "rtcd_listener_errors_total", "counter", "Unexpected errors on a UDP listener.",
	    k->listener_errors);
	one(b, "rtcd_listener_reopens_total", "counter", "UDP listeners re-opened after an error.",
	    k->listener_reopens);
	one(b, "rtcd_flows_opened_total", "counter", "New flows given to a worker.", k->flows_opened);
	one(b, "rtcd_flows_bound_total", "counter", "Flows a worker authenticated and bound.",
	    k->flows_bound);
	one(b, "rtcd_binds_refused_total", "counter", "Binds refused (tuple owned by another connection).",
	    k->binds_refused);
}

static void
render_workers(struct sbuf *b, struct sup *s)
{
	static const char *results[] = { "ok", "failed" };
	static const char *how[] = { "exited", "crashed", "killed" };
	const struct counters *k = &s->c;
	uint64_t hs[] = { s->m.handshakes_ok, s->m.handshakes_failed };
	uint64_t ends[] = { k->workers_exited, k->workers_crashed, k->workers_killed };

	labeled(b, "rtcd_handshakes_total", "counter",
	    "Connection handshakes: ok (connected) or failed (the worker ended before connecting).",
	    "result", results, hs, 2);
	histogram(b, "rtcd_handshake_duration_seconds",
	    "Time from worker assignment to the connection being open (successful handshakes).",
	    &s->m.handshake);
	one(b, "rtcd_worker_spawns_total", "counter", "Worker processes started.", k->workers_spawned);
	labeled(b, "rtcd_worker_exits_total", "counter",
	    "Worker processes that ended: exited (by themselves), crashed (a signal we did not send), "
	    "killed (by the supervisor).", "how", how, ends, ARRAY_LEN(ends));
	labeled(b, "rtcd_worker_crashes_total", "counter", "Worker crashes by signal.", "signal",
	    crash_names, s->m.crashes, CRASH_NKINDS);
	labeled(b, "rtcd_worker_kills_total", "counter", "Workers killed by the supervisor, by cause.",
	    "cause", kill_names, s->m.kills, KILL_NCAUSES);
	one(b, "rtcd_worker_start_failures_total", "counter",
	    "Workers that failed before becoming ready (drives the spawn backoff).",
	    k->worker_start_failures);
	one(b, "rtcd_worker_violations_total", "counter", "Workers killed for a protocol violation.",
	    k->worker_violations);
	one(b, "rtcd_worker_log_lines_dropped_total", "counter",
	    "Worker log lines dropped by the per-worker rate limit.", k->worker_logs_dropped);
}

static void
render_services(struct sbuf *b, struct sup *s)
{
	static const char *offers[] = { "ok", "failed", "limited" };
	static const char *events[] = { "published", "delivered", "lost", "rate_limited", "refused" };
	const struct counters *k = &s->c;
	uint64_t ov[] = { k->offers_ok, k->offers_failed, k->offers_limited };
	uint64_t rv[] = { k->room_published, k->room_delivered, k->room_lost, k->room_rate_limited,
		k->room_refused };

	labeled(b, "rtcd_offers_total", "counter",
	    "HTTP offers: ok (answered), failed (bad SDP, worker failure, client gone), limited "
	    "(refused by a limit).", "result", offers, ov, ARRAY_LEN(ov));
	labeled(b, "rtcd_room_messages_total", "counter",
	    "Chat room traffic: published, delivered (per recipient), lost (a slow recipient), "
	    "rate_limited, refused.", "event", events, rv, ARRAY_LEN(rv));
	one(b, "rtcd_http_requests_total", "counter", "HTTP requests.", k->http_requests);
	one(b, "rtcd_control_requests_total", "counter", "Control socket requests.", k->control_requests);
	one(b, "rtcd_control_errors_total", "counter", "Control socket requests answered with an error.",
	    k->control_errors);
	one(b, "rtcd_control_refused_total", "counter",
	    "Control socket clients refused because of their uid (SO_PEERCRED).", s->m.control_refused);
	histogram(b, "rtcd_loop_lag_seconds",
	    "How late a 100 ms timer fires: the supervisor event loop's latency.", &s->m.loop_lag);
}

char *
metrics_render(struct sup *s, size_t *len)
{
	struct sbuf b = { malloc(16384), 0, 16384, 0 };

	if (b.p == NULL)
		return NULL;
	render_gauges(&b, s);
	render_traffic(&b, s);
	render_workers(&b, s);
	render_services(&b, s);
	if (b.failed) {
		free(b.p);
		return NULL;
	}
	*len = b.len;
	return b.p;
}
