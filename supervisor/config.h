/* config: rtcd's configuration: the embedded defaults, the strict JSON file
 * schema (unknown keys and bad values are errors naming the key), command
 * line overrides, and printing the effective config. */
#ifndef RTCD_CONFIG_H
#define RTCD_CONFIG_H

#include <stddef.h>
#include <jansson.h>

#include "common/addr.h"

#define CONFIG_MAX_UDP 8
#define CONFIG_PATH_MAX 256
#define CONFIG_MAX_UIDS 16          /* control_allow_uids entries */

struct limits {
	int max_workers;            /* live worker processes, pool included */
	int pool_size;              /* idle, pre-forked workers kept ready */
	int max_pending;            /* connections still in handshake */
	int max_pending_per_ip;     /* of those, from one source IP */
	int worker_memory_mb;       /* address-space limit of each worker */
	int new_flows_per_ip;       /* new flows per second per source IP */
	int new_flows_burst;        /* token bucket depth */
	int consent_timeout_s;      /* no valid STUN check for this long ends a connection */
	int handshake_timeout_s;    /* flow/offer to connected */
	int max_pending_offers;     /* HTTP offers awaiting the first STUN check */
	int max_offer_bytes;        /* HTTP body limit for POST /v1/offer */
	int http_timeout_s;         /* HTTP request timeout */
	int max_control_clients;
	int max_rooms;              /* rooms alive at once */
	int room_members;           /* members per room */
	int rooms_per_conn;         /* rooms one connection may join */
	int room_msg_bytes;         /* largest chat message */
	int room_msgs_per_s;        /* publish rate per connection */
	int room_burst;
	int drain_deadline_s;        /* drain: close what is left after this long */
};

/* "cluster": several rtcd hosts sharing rooms through Redis (cluster.h);
 * absent or null = off, the single-host default. */
#define CONFIG_NODE_MAX 64
struct cluster_cfg {
	int enabled;
	char redis[CONFIG_PATH_MAX];        /* "IPv4:port" or "unix:/path" */
	char node[CONFIG_NODE_MAX + 1];     /* this host's name, unique in the cluster */
	int history;                        /* last messages a joining member gets */
	int maxlen;                         /* per-room stream length in Redis */
	int queue;                          /* messages kept while Redis is unreachable */
	int ttl_s;                          /* a silent host is gone after this */
	int keep_s;                         /* an idle room's keys expire after this */
};

struct config {
	int nudp;
	struct addr udp[CONFIG_MAX_UDP];
	int http_enabled;
	struct addr http;
	char run_dir[CONFIG_PATH_MAX];
	char control[CONFIG_PATH_MAX];      /* empty: <run_dir>/control.sock */
	char state_dir[CONFIG_PATH_MAX];
	char chroot_dir[CONFIG_PATH_MAX];   /* empty: <run_dir>/empty */
	char user[64];                      /* empty: stay uid 0 with reduced caps */
	char worker_user[64];
	char worker_path[CONFIG_PATH_MAX];  /* empty: search beside rtcd, then libexecdir */
	char web_root[CONFIG_PATH_MAX];     /* empty: build tree, then datadir */
	int log_level;
	int syslog;
	int debug_hooks;                    /* allow test-only control commands */
	char worker_spawn[16];              /* "template" (fork a pre-initialised worker) or "exec" */
	char worker_wrapper[CONFIG_PATH_MAX];   /* test-only: e.g. valgrind (needs debug_hooks) */
	int status_api;                     /* GET /v1/status on the HTTP listener */
	int metrics_api;                    /* GET /metrics on the HTTP listener */
	char control_group[64];             /* group owning the control socket; "" none */
	int ncontrol_uids;                  /* further uids allowed on the control socket */
	unsigned control_uids[CONFIG_MAX_UIDS];
	struct limits limits;
	struct cluster_cfg cluster;
};

void config_defaults(struct config *c);
/* Apply a JSON document over c. On error returns -1 with err naming the key. */
int config_apply_json(struct config *c, json_t *root, char *err, size_t errlen);
int config_load_file(struct config *c, const char *path, char *err, size_t errlen);
/* Fill derived paths (control socket, chroot dir) after all overrides. */
void config_finish(struct config *c);
/* A cluster node name: 1..64 of [A-Za-z0-9._-]. */
int config_valid_node(const char *name);
json_t *config_to_json(const struct config *c);

#endif
