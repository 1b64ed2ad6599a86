/* cluster_int: state shared by the two halves of the cluster link:
 * cluster.c (the Redis connections, the outbound queue, the host list,
 * status) and cluster_room.c (per-room snapshots, presence, history and
 * the XREAD reader). Not for other modules: they use cluster.h. */
#ifndef RTCD_CLUSTER_INT_H
#define RTCD_CLUSTER_INT_H

#include <stdint.h>
#include <sys/queue.h>
#include <hiredis/hiredis.h>
#include <hiredis/async.h>

#include "cluster.h"
#include "config.h"
#include "cstream.h"

#define CL_TICK_MS 100                /* timers: connect timeout, watchdog, heartbeat, retries */
#define CL_CONNECT_TIMEOUT_MS 2000
#define CL_CMD_TIMEOUT_MS 3000        /* a command unanswered this long: the link is dead */
#define CL_BLOCK_MS 2000              /* XREAD BLOCK */
#define CL_BACKOFF_MIN_MS 200
#define CL_BACKOFF_MAX_MS 2000
#define CL_MAX_INFLIGHT 256           /* publishes sent and not yet answered */
#define CL_QUEUE_MAX_BYTES (16 * 1024 * 1024)
#define CL_READ_COUNT 64              /* entries per stream per XREAD */
#define CL_PRESENCE_MAXLEN 1000       /* presence stream length */
#define CL_HISTORY_SLACK 32           /* extra entries read for history (filtered out ones) */
#define CL_MAX_HIST_INFLIGHT 256      /* history reads in flight */
#define CL_MAX_HIST_WAITING 64        /* per room, joiners waiting for the link */
#define CL_MAX_NODES 64               /* hosts remembered */
#define CL_KEY_MAX 160
#define CL_XREAD_RETRY_MS 1000        /* after an XREAD error */

enum cl_state { CL_DOWN = 0, CL_CONNECTING, CL_UP };

enum cl_req_kind {
	REQ_OTHER = 0, REQ_PUBLISH, REQ_BEAT, REQ_CLIENT_ID, REQ_UNBLOCK,
	REQ_OPEN, REQ_SYNC, REQ_HIST, REQ_XREAD,
};

struct cl_link {
	redisAsyncContext *ac;
	const char *name;
	int connected;
	int pending;                  /* commands awaiting a reply */
	uint64_t progress_ms;         /* last reply, or when pending became non-zero */
	uint64_t timeout_ms;          /* allowed silence while commands are pending */
};

struct qitem {                        /* one message on its way to Redis */
	TAILQ_ENTRY(qitem) link;
	uint64_t seq;
	uint32_t conn;
	uint32_t gen;                 /* link generation it was sent on; 0 = not sent */
	int waited;                   /* queued while the link was down */
	size_t jlen, glen;
	char room[WIRE_MAX_NAME + 1];
	uint8_t data[];               /* json, then gossip */
};

struct hist {                         /* a joining member owed history */
	TAILQ_ENTRY(hist) link;
	uint32_t conn;
	uint64_t room_serial;
	uint64_t seq_next;            /* our next sequence when it joined */
	int have_boundary;            /* else: the room's first read position */
	struct cstream_id boundary;
	char room[WIRE_MAX_NAME + 1];
};

struct cl_req {                       /* privdata of every command */
	uint32_t gen;
	enum cl_req_kind kind;
	struct cl_link *l;
	uint64_t serial;              /* croom serial (OPEN, SYNC) */
	struct qitem *item;           /* PUBLISH */
	struct hist *hist;            /* HIST (owned) */
	char room[WIRE_MAX_NAME + 1];
};

struct cl_node {
	char name[CONFIG_NODE_MAX + 1];
	char boot[CSTREAM_BOOT_LEN + 1];
	json_t *info;
};

struct event;
struct htab;

struct cluster {
	struct sup *s;
	struct cluster_cfg cfg;
	char boot[CSTREAM_BOOT_LEN + 1];
	enum cl_state state;
	uint32_t gen;                 /* bumped on every connect and failure */
	struct cl_link cmd, rd;
	struct event *tick, *reap;
	uint64_t connect_deadline_ms, next_try_ms, backoff_ms, down_since_ms, up_since_ms;
	uint64_t next_beat_ms;
	int beat_inflight, beaten, stopping, freeing, need_reap;
	/* outbound queue */
	TAILQ_HEAD(, qitem) queue;
	int nqueued, ninflight;
	size_t qbytes;
	uint64_t next_seq;
	uint64_t last_drop_log_ms, drops_unlogged;
	/* rooms (cluster_room.c) */
	struct htab *rooms;
	int nrooms;
	uint64_t next_serial;
	int nhist_inflight;
	/* reader */
	long long reader_id;          /* CLIENT ID of the reader link, -1 unknown */
	int xread_inflight, unblock_inflight, reissue;
	uint64_t xread_not_before_ms;
	/* hosts */
	struct cl_node nodes[CL_MAX_NODES];
	int nnodes;
	/* status */
	char last_error[160];
	uint64_t lag_ms;
	struct cluster_stats st;
};

/* cluster.c */
struct cl_req *cluster_req_new(struct cluster *cl, enum cl_req_kind kind, struct cl_link *l);
void cluster_req_free(struct cl_req *q);
/* Send one command; takes q (freed on failure, which also fails the link). */
int cluster_send(struct cluster *cl, struct cl_req *q, int argc, const char **argv,
    const size_t *lens);
void cluster_fail(struct cluster *cl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int cluster_transient(const redisReply *r);
uint64_t cluster_wall_ms(void);
const struct cl_node *cluster_find_node(const struct cluster *cl, const char *name);
void cluster_key(char *out, size_t cap, const char *room, const char *what);

/* cluster_room.c */
int cluster_rooms_init(struct cluster *cl);
void cluster_rooms_free(struct cluster *cl);
void cluster_rooms_on_up(struct cluster *cl);
void cluster_rooms_on_down(struct cluster *cl);
void cluster_rooms_kick(struct cluster *cl);
void cluster_rooms_reply(struct cluster *cl, struct cl_req *q, redisReply *r);
/* After a host list update: drop members of hosts gone or restarted. */
void cluster_rooms_liveness(struct cluster *cl);
/* NULL-terminated array of the names of rooms with local members (malloc'd). */
const char **cluster_rooms_names(struct cluster *cl, int *n);

#endif
