/* sup: the supervisor's shared state and the interfaces between its modules
 * (listener, router, workers, wchan, control, http, privdrop). One struct sup
 * exists per process; everything runs on its single libevent loop. */
#ifndef RTCD_SUP_H
#define RTCD_SUP_H

#include <stdint.h>
#include <sys/queue.h>
#include <sys/types.h>
#include <event2/event.h>

#include "common/addr.h"
#include "common/wire.h"
#include "config.h"
#include "metrics.h"

#ifndef TAILQ_FOREACH_SAFE
#define TAILQ_FOREACH_SAFE(var, head, field, tvar) \
	for ((var) = TAILQ_FIRST(head); (var) && ((tvar) = TAILQ_NEXT(var, field), 1); (var) = (tvar))
#endif

struct htab;
struct evhttp_request;

#define SUP_MAX_LISTENERS CONFIG_MAX_UDP
#define SUP_MAX_TUPLES_PER_WORKER 16     /* pending + bound UDP tuples */
#define SUP_MAX_ROOMS_PER_WORKER 64

struct counters {
	uint64_t dgrams_in, dgrams_out, bytes_in, bytes_out;
	uint64_t dropped_unrouted;       /* no flow and not a routable STUN request */
	uint64_t dropped_limit;          /* a limit refused a new flow */
	uint64_t dropped_worker_busy;    /* worker socket full */
	uint64_t dropped_send;           /* sendmsg failed for one datagram */
	uint64_t dropped_truncated;      /* datagram larger than WIRE_MAX_DGRAM */
	uint64_t dropped_forbidden;      /* worker tried to send to a tuple not bound to it */
	uint64_t peer_errors;            /* ICMP errors attributed to a remote */
	uint64_t peer_errors_unrouted;   /* ICMP errors for remotes with no flow */
	uint64_t listener_errors;        /* unexpected errors on a listener socket */
	uint64_t listener_reopens;
	uint64_t flows_opened, flows_bound, binds_refused;
	uint64_t workers_spawned, workers_crashed, workers_killed, workers_exited;
	uint64_t worker_violations, worker_start_failures;
	uint64_t worker_logs_dropped;
	uint64_t offers_ok, offers_failed, offers_limited;
	uint64_t control_requests, control_errors;
	uint64_t http_requests;
	uint64_t room_published, room_delivered, room_lost, room_rate_limited, room_refused;
};

struct listener {
	int fd;
	int index;
	struct addr bound;               /* actual address (port resolved) */
	struct event *ev;
	int wildcard;                    /* bound to 0.0.0.0 / :: (needs PKTINFO on send) */
};

enum wstate {
	WS_SPAWNED = 0,   /* exec'd, not READY yet */
	WS_IDLE,          /* READY, in the pool */
	WS_ASSIGNED,      /* serving a connection: handshake in progress */
	WS_CONNECTED,     /* handshake done */
	WS_CLOSING,       /* SHUTDOWN sent / BYE received / killed */
};

struct flow;
struct room;

struct worker {
	TAILQ_ENTRY(worker) all_link;
	TAILQ_ENTRY(worker) pool_link;
	LIST_HEAD(, flow) flows;
	struct sup *sup;
	uint32_t id;                     /* connection id (0 while in the pool) */
	uint32_t serial;                 /* spawn serial, for logs before id */
	pid_t pid;
	int fd;
	struct event *ev;
	struct event *timer;
	enum wstate state;
	uint8_t mode;                    /* WIRE_MODE_* once assigned */
	uint8_t phase;                   /* last STATE phase */
	int in_pool;
	int was_ready;                   /* READY received */
	int eof;                         /* channel closed */
	int reaped;
	int kill_sent;
	int ntuples;
	int answered;                    /* ANSWER received (offer mode) */
	int signed_once;                 /* SIGN_REQ served (direct mode, once) */
	int counted_pending;             /* counts against limits.max_pending */
	int counted_ip;                  /* counts against limits.max_pending_per_ip */
	uint64_t spawned_ms, assigned_ms, connected_ms;
	uint64_t bytes_in, bytes_out, dgrams_in, dgrams_out;
	struct wire_state st;            /* last STATE from the worker */
	struct addr remote;              /* first bound remote, for listings */
	struct addr first_remote_ip;     /* source of the flow that took it (penalties) */
	char ufrag[WIRE_MAX_UFRAG + 1];  /* registered routing ufrag, "" if none */
	char close_reason[64];
	struct evhttp_request *offer_req;   /* pending POST /v1/offer */
	uint32_t log_tokens;             /* worker LOG rate limit */
	uint64_t log_refill_ms;
	struct room *rooms[SUP_MAX_ROOMS_PER_WORKER];   /* rooms joined */
	int nrooms;
	uint32_t room_lost;              /* deliveries this worker missed */
	double room_tokens;              /* publish rate limit */
	uint64_t room_refill_ms;
};

struct flow {
	LIST_ENTRY(flow) wlink;
	struct tuple t;
	uint32_t tuple_id;
	struct worker *w;
	int bound;
	int listener;
	uint64_t created_ms, last_ms;
};

struct sup {
	struct config cfg;
	struct config cli;               /* command line values, re-applied on reload */
	const char *config_path;
	struct event_base *base;
	int nlisteners;
	struct listener listeners[SUP_MAX_LISTENERS];
	struct addr cands[WIRE_MAX_CANDS];   /* ICE host candidates (wildcards expanded) */
	int ncands;
	char multiaddrs[WIRE_MAX_CANDS][300];   /* WebRTC Direct address of each candidate */
	int nmultiaddrs;
	char peer_id[64];
	uint8_t cert_fp[32];
	struct counters c;
	struct metrics m;
	uint64_t start_ms;
	uid_t worker_uid;
	gid_t worker_gid;
	char worker_path[CONFIG_PATH_MAX];
	char web_root[CONFIG_PATH_MAX];
	/* workers */
	TAILQ_HEAD(, worker) workers;
	TAILQ_HEAD(, worker) pool;
	int nworkers, nidle, nspawning, npending;
	uint32_t next_conn_id, next_serial;
	int start_failures;              /* consecutive: drives the spawn backoff */
	uint64_t backoff_until_ms;
	struct event *refill_timer;
	/* routing */
	struct htab *flows;              /* struct tuple -> bound flow (routing) */
	struct htab *tuple_ids;          /* uint32 -> flow, bound or pending */
	struct htab *remotes;            /* struct addr -> flow (ICMP attribution) */
	struct htab *ufrags;             /* ufrag string -> worker */
	struct htab *ip_buckets;         /* source IP -> token bucket */
	uint32_t next_tuple_id;
	int npending_offers;
	/* lifecycle */
	int draining;
	uint64_t drain_deadline_ms;      /* 0: no deadline */
	struct event *drain_timer;
	int stopping;
	uint64_t stop_deadline_ms;
	struct event *stop_timer;
	struct event *sweep_timer;
	/* control + http */
	struct evconnlistener *control;
	int ncontrol;
	struct evhttp *http;
	struct addr http_bound;
	/* identity (DTLS certificate, libp2p key) */
	struct identity *id;
	struct cluster *cluster;         /* rooms shared with other hosts (NULL: single host) */
	struct spawner *spawner;         /* the worker template (spawner.c) */
	uint8_t cert_der[WIRE_MAX_CERT];
	uint16_t cert_len;
	uint8_t key_der[WIRE_MAX_KEY];
	uint16_t key_len;
};

/* listener.c */
int listener_open_all(struct sup *s);
void listener_close_all(struct sup *s);
/* Queue one datagram for sending on a listener; flushed by listener_flush. */
void listener_queue_send(struct sup *s, int li, const struct tuple *t, const uint8_t *p, size_t n);
void listener_flush(struct sup *s);
int listener_candidates(struct sup *s, struct addr *out, int max);

/* router.c */
int router_init(struct sup *s);
void router_free(struct sup *s);
/* Route one received datagram (from listener li). */
void router_input(struct sup *s, int li, const struct tuple *t, const uint8_t *p, size_t n);
/* Send the batched DGRAM_IN messages queued by router_input. */
void router_flush(struct sup *s);
int router_bind(struct sup *s, struct worker *w, uint32_t tuple_id, int nominated);
/* A DGRAM_OUT from worker w: checked against its bound tuples, then queued. */
void router_output(struct sup *s, struct worker *w, uint32_t tuple_id, const uint8_t *p, size_t n);
int router_register_ufrag(struct sup *s, struct worker *w, const char *ufrag);
/* A libp2p WebRTC Direct ufrag (version prefix + ice-chars, <= 256): 1 or 0. */
int router_is_libp2p_ufrag(const char *u);
void router_forget_worker(struct sup *s, struct worker *w);
void router_peer_error(struct sup *s, int li, const struct addr *remote, int err,
    uint8_t origin, uint8_t type, uint8_t code);
/* Per-source-IP new-flow budget (token bucket); 1 = allowed. */
int router_ip_allow(struct sup *s, const struct addr *ip, uint64_t now, int cost);
/* Adjust (delta) and return the handshakes in progress from ip. */
int router_ip_pending(struct sup *s, const struct addr *ip, int delta);
void router_sweep(struct sup *s, uint64_t now);

/* workers.c */
int workers_init(struct sup *s);
void workers_refill(struct sup *s);
/* Take an idle worker and assign it a connection; NULL when none/limits. */
struct worker *workers_take(struct sup *s, uint8_t mode, const struct addr *src);
void workers_kill(struct worker *w, const char *why);
void workers_shutdown_all(struct sup *s, int reason);
struct worker *workers_find(struct sup *s, uint32_t id);
void workers_set_state(struct worker *w, enum wstate st);
void workers_arm_timer(struct worker *w, uint64_t ms);
int workers_send(struct worker *w, const struct wire_msg *m);
const char *wstate_name(enum wstate st);
/* "conn ID (remote)" for log lines; "worker pid N" before assignment. */
const char *workers_label(const struct worker *w, char *buf, size_t len);
void workers_free_all(struct sup *s);
/* fork + exec rtcd-worker on chan (as_template: the worker template). */
pid_t workers_fork_exec(struct sup *s, int chan, int as_template);
/* The template told w's pid (spawner.c). */
void workers_set_pid(struct sup *s, struct worker *w, pid_t pid);
/* w's process ended with status (from SIGCHLD, or remembered by spawner.c). */
void workers_exited(struct sup *s, struct worker *w, int status);
/* Forget w without a process exit to account (its process never started,
 * or its pid will never be known). */
void workers_discard(struct sup *s, struct worker *w);

/* wchan.c: messages from workers */
void wchan_on_read(evutil_socket_t fd, short ev, void *arg);

/* control.c */
int control_open(struct sup *s);
void control_close(struct sup *s);
json_t *control_status(struct sup *s);
/* One request line (without its newline) -> the reply line (malloc'd,
 * compact JSON without a newline; NULL only when out of memory). */
char *control_handle_line(struct sup *s, const char *line, size_t len);

/* http.c */
int http_open(struct sup *s);
void http_close(struct sup *s);
void http_offer_answered(struct sup *s, struct worker *w, const char *sdp, size_t len);
void http_offer_failed(struct sup *s, struct worker *w, int status, const char *reason);
/* A worker became available: serve offers waiting for one. */
void http_offer_dispatch(struct sup *s);
/* Copy a URL path that is safe to serve from web_root into out: 0, or -1
 * (anything but [A-Za-z0-9._-] segments, empty, dot or hidden segments). */
int http_safe_path(const char *p, char *out, size_t outlen);

/* privdrop.c */
int privdrop_resolve_worker_user(struct sup *s, char *err, size_t errlen);
int privdrop_prepare_chroot(struct sup *s, char *err, size_t errlen);
int privdrop_supervisor(struct sup *s, char *err, size_t errlen);

/* main.c */
void sup_request_stop(struct sup *s, const char *why);
int sup_reload(struct sup *s, char *err, size_t errlen);
/* Stop taking connections; exit when the last closes or, when deadline_s is
 * not 0, close what is left after deadline_s seconds. */
void sup_drain(struct sup *s, int deadline_s);

#endif
