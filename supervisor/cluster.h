/* cluster: several rtcd hosts share chat rooms through Redis (config
 * "cluster"; off by default). The supervisor keeps two connections to
 * Redis with hiredis's async API on its own libevent loop (never a blocking
 * call): one for commands, one that waits in XREAD BLOCK on the streams of
 * the rooms that have local members.
 *
 * Keys (prefix "rtcd:"; room names and node names are [A-Za-z0-9._-]):
 *   room:<R>:msgs      stream, one entry per chat message (MAXLEN cluster.maxlen)
 *   room:<R>:presence  stream, one entry per member join/update/leave
 *   room:<R>:members   hash "<node>/<boot>/<conn>" -> member info JSON
 *   room:<R>:seq       hash node -> "<boot>:<last seq>" (publish de-duplication)
 *   node:<N>           this host's info JSON (multiaddrs, http, udp), TTL cluster.ttl_s
 *   node:<N>:rooms     set of rooms where N has members
 *   nodes              set of node names
 * Messages go out through a bounded queue (cluster.queue entries): while
 * Redis is unreachable they wait there and are replayed in order when it
 * returns; past the bound they are dropped and counted. */
#ifndef RTCD_CLUSTER_H
#define RTCD_CLUSTER_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct sup;

#define CLUSTER_KEY_PREFIX "rtcd:"

struct cluster_stats {
	uint64_t published;        /* messages written to Redis */
	uint64_t publish_dups;     /* re-sent after a lost reply, refused by Redis as already there */
	uint64_t dropped;          /* not published: the queue was full (Redis unreachable or slow) */
	uint64_t publish_errors;   /* refused by Redis with an error (dropped and counted) */
	uint64_t replayed;         /* published after waiting in the queue for a reconnect */
	uint64_t received;         /* messages from other hosts delivered to local members */
	uint64_t duplicates;       /* from other hosts, skipped as already delivered */
	uint64_t invalid;          /* malformed stream entries or replies, skipped */
	uint64_t presence_in;      /* presence changes from other hosts */
	uint64_t history_sent;     /* history messages delivered to joining members */
	uint64_t history_skipped;  /* joins that got no history (too many waiting) */
	uint64_t connects, disconnects, timeouts;
};

/* Start the link (no-op when the cluster is off): connects in the
 * background, retrying with backoff. 0 or -1. */
int cluster_init(struct sup *s);
/* Stopping: stop announcing this host (its key is deleted). */
void cluster_stop(struct sup *s);
void cluster_free(struct sup *s);

/* Hooks from rooms.c; each is a no-op when the cluster is off. */
/* Member info gets "node": this host. */
void cluster_member_info(struct sup *s, json_t *info);
/* Local members of a room changed (join, update, leave): presence in Redis
 * follows (coalesced: at most one update per room in flight). */
void cluster_members_changed(struct sup *s, const char *room);
/* The last local member left. */
void cluster_room_closed(struct sup *s, const char *room);
/* Connection conn joined: it gets the room's history, to it alone. */
void cluster_joined(struct sup *s, const char *room, uint32_t conn);
/* A local member published (after local delivery). */
void cluster_publish(struct sup *s, const char *room, uint32_t conn, const uint8_t *json,
    size_t len, const uint8_t *gossip, size_t glen);
/* Append the room's members on other hosts to a presence members list. */
void cluster_add_members(struct sup *s, const char *room, json_t *members);

/* rtcctl status: {"node", "state", "lag_ms", ...}, or NULL when off. */
json_t *cluster_status(struct sup *s);
/* GET /v1/info: every live host, this one included: [{node, multiaddrs, ...}]. */
json_t *cluster_hosts(struct sup *s);
/* Adds cluster_* counters to the status counters object (nothing when off). */
void cluster_counters(struct sup *s, json_t *counters);
/* Prometheus text (rtcd_cluster_* families) into buf; returns the length it
 * needs (like snprintf); 0 when off. */
size_t cluster_metrics(struct sup *s, char *buf, size_t cap);
/* This host's node name, or NULL when off. */
const char *cluster_node(struct sup *s);
const struct cluster_stats *cluster_get_stats(struct sup *s);

#endif
