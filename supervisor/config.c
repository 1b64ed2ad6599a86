/* config: table-driven strict JSON schema for rtcd.conf. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"

enum ftype { F_INT, F_STR, F_BOOL, F_ADDR, F_ADDR_LIST, F_LOGLEVEL, F_OBJ, F_UID_LIST,
	F_OPT_OBJ };                 /* an object that may be null (off); off = its enabled flag */

struct field {
	const char *key;
	enum ftype type;
	size_t off;
	long min, max;               /* F_INT range, F_STR max length */
	const struct field *sub;     /* F_OBJ */
};

#define L(k, f, lo, hi) { k, F_INT, offsetof(struct config, limits.f), lo, hi, NULL }
static const struct field limit_fields[] = {
	L("max_workers", max_workers, 1, 100000),
	L("pool_size", pool_size, 0, 1024),
	L("max_pending", max_pending, 1, 100000),
	L("max_pending_per_ip", max_pending_per_ip, 1, 100000),
	L("worker_memory_mb", worker_memory_mb, 32, 65536),
	L("new_flows_per_ip", new_flows_per_ip, 1, 1000000),
	L("new_flows_burst", new_flows_burst, 1, 1000000),
	L("consent_timeout_s", consent_timeout_s, 1, 3600),
	L("handshake_timeout_s", handshake_timeout_s, 1, 600),
	L("max_pending_offers", max_pending_offers, 1, 100000),
	L("max_offer_bytes", max_offer_bytes, 1024, 48 * 1024),
	L("http_timeout_s", http_timeout_s, 1, 600),
	L("max_control_clients", max_control_clients, 1, 1024),
	L("max_rooms", max_rooms, 1, 100000),
	L("room_members", room_members, 2, 100000),
	L("rooms_per_conn", rooms_per_conn, 1, 64),
	L("room_msg_bytes", room_msg_bytes, 64, 32768),
	L("room_msgs_per_s", room_msgs_per_s, 1, 100000),
	L("room_burst", room_burst, 1, 100000),
	L("drain_deadline_s", drain_deadline_s, 0, 7 * 86400),
	{ NULL, 0, 0, 0, 0, NULL },
};
#undef L

#define C(k, f, lo, hi) { k, F_INT, offsetof(struct config, cluster.f), lo, hi, NULL }
#define CS(k, f) { k, F_STR, offsetof(struct config, cluster.f), 0, \
	sizeof(((struct config *)0)->cluster.f) - 1, NULL }
static const struct field cluster_fields[] = {
	CS("redis", redis),
	CS("node", node),
	C("history", history, 0, 1000),
	C("maxlen", maxlen, 1, 1000000),
	C("queue", queue, 0, 100000),
	C("ttl_s", ttl_s, 2, 3600),
	C("keep_s", keep_s, 60, 90 * 86400),
	{ NULL, 0, 0, 0, 0, NULL },
};
#undef C
#undef CS

#define S(k, f) { k, F_STR, offsetof(struct config, f), 0, sizeof(((struct config *)0)->f) - 1, NULL }
static const struct field top_fields[] = {
	{ "udp", F_ADDR_LIST, offsetof(struct config, udp), 1, CONFIG_MAX_UDP, NULL },
	{ "http", F_ADDR, offsetof(struct config, http), 0, 0, NULL },
	S("run_dir", run_dir),
	S("control", control),
	S("state_dir", state_dir),
	S("chroot_dir", chroot_dir),
	S("user", user),
	S("worker_user", worker_user),
	S("worker_path", worker_path),
	S("web_root", web_root),
	S("worker_spawn", worker_spawn),
	S("worker_wrapper", worker_wrapper),
	{ "log_level", F_LOGLEVEL, offsetof(struct config, log_level), 0, 0, NULL },
	{ "syslog", F_BOOL, offsetof(struct config, syslog), 0, 0, NULL },
	{ "debug_hooks", F_BOOL, offsetof(struct config, debug_hooks), 0, 0, NULL },
	{ "status_api", F_BOOL, offsetof(struct config, status_api), 0, 0, NULL },
	{ "metrics_api", F_BOOL, offsetof(struct config, metrics_api), 0, 0, NULL },
	S("control_group", control_group),
	{ "control_allow_uids", F_UID_LIST, offsetof(struct config, control_uids), 0, CONFIG_MAX_UIDS, NULL },
	{ "limits", F_OBJ, 0, 0, 0, limit_fields },
	{ "cluster", F_OPT_OBJ, offsetof(struct config, cluster.enabled), 0, 0, cluster_fields },
	{ NULL, 0, 0, 0, 0, NULL },
};
#undef S

void
config_defaults(struct config *c)
{
	memset(c, 0, sizeof(*c));
	c->nudp = 1;
	addr_parse(&c->udp[0], "127.0.0.1:9000");
	c->http_enabled = 1;
	addr_parse(&c->http, "127.0.0.1:8080");
	strcpy(c->run_dir, "run");
	strcpy(c->state_dir, "state");
	strcpy(c->worker_user, "rtcd-worker");
	strcpy(c->worker_spawn, "template");
	c->log_level = LOG_LVL_INFO;
	c->status_api = 1;
	c->limits = (struct limits){
		.max_workers = 2500,
		.pool_size = 4,
		.max_pending = 256,
		.max_pending_per_ip = 32,
		.worker_memory_mb = 256,
		.new_flows_per_ip = 50,
		.new_flows_burst = 100,
		.consent_timeout_s = 30,
		.handshake_timeout_s = 20,
		.max_pending_offers = 256,
		.max_offer_bytes = 32 * 1024,
		.http_timeout_s = 10,
		.max_control_clients = 16,
		.max_rooms = 1000,
		.room_members = 1000,
		.rooms_per_conn = 8,
		.room_msg_bytes = 16384,
		.room_msgs_per_s = 50,
		.room_burst = 100,
		.drain_deadline_s = 300,
	};
	c->cluster = (struct cluster_cfg){
		.history = 50,
		.maxlen = 1000,
		.queue = 1000,
		.ttl_s = 10,
		.keep_s = 86400,
	};
}

int
config_valid_node(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > CONFIG_NODE_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char ch = name[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		    ch == '-' || ch == '_' || ch == '.'))
			return 0;
	}
	return 1;
}

/* A list of numeric uids (names would need NSS at every reload; uids are
 * what SO_PEERCRED reports). */
static int
apply_uids(struct config *c, json_t *v, const char *path, long max, char *err, size_t errlen)
{
	size_t i;
	json_t *e;

	if (!json_is_array(v) || json_array_size(v) > (size_t)max) {
		snprintf(err, errlen, "\"%s\": must be a list of at most %ld uids", path, max);
		return -1;
	}
	json_array_foreach(v, i, e) {
		if (!json_is_integer(e) || json_integer_value(e) < 0 ||
		    json_integer_value(e) >= 0xffffffffLL) {
			snprintf(err, errlen, "\"%s[%zu]\": must be a uid (an integer from 0 to 4294967294)",
			    path, i);
			return -1;
		}
		c->control_uids[i] = (unsigned)json_integer_value(e);
	}
	c->ncontrol_uids = (int)json_array_size(v);
	return 0;
}

static int
apply_fields(struct config *c, const struct field *fields, json_t *obj, const char *prefix,
    char *err, size_t errlen)
{
	const char *key;
	json_t *v;

	if (!json_is_object(obj)) {
		snprintf(err, errlen, "\"%s\": must be an object", *prefix ? prefix : "(top level)");
		return -1;
	}
	json_object_foreach(obj, key, v) {
		const struct field *f;
		char path[128];
		char *base = (char *)c;

		snprintf(path, sizeof(path), "%s%s%s", prefix, *prefix ? "." : "", key);
		for (f = fields; f->key; f++)
			if (strcmp(f->key, key) == 0)
				break;
		if (f->key == NULL) {
			snprintf(err, errlen, "\"%s\": unknown key", path);
			return -1;
		}
		switch (f->type) {
		case F_INT:
			if (!json_is_integer(v) || json_integer_value(v) < f->min ||
			    json_integer_value(v) > f->max) {
				snprintf(err, errlen, "\"%s\": must be an integer from %ld to %ld",
				    path, f->min, f->max);
				return -1;
			}
			*(int *)(base + f->off) = (int)json_integer_value(v);
			break;
		case F_BOOL:
			if (!json_is_boolean(v)) {
				snprintf(err, errlen, "\"%s\": must be true or false", path);
				return -1;
			}
			*(int *)(base + f->off) = json_is_true(v);
			break;
		case F_STR:
			if (!json_is_string(v) || json_string_length(v) > (size_t)f->max ||
			    strlen(json_string_value(v)) != json_string_length(v)) {
				snprintf(err, errlen, "\"%s\": must be a string of at most %ld bytes",
				    path, f->max);
				return -1;
			}
			strcpy(base + f->off, json_string_value(v));
			break;
		case F_LOGLEVEL: {
			int lvl = json_is_string(v) ? log_level_parse(json_string_value(v)) : -1;
			if (lvl < 0) {
				snprintf(err, errlen, "\"%s\": must be one of error, warn, info, debug", path);
				return -1;
			}
			*(int *)(base + f->off) = lvl;
			break;
		}
		case F_ADDR:
			/* null or "" disables the HTTP listener */
			if (json_is_null(v) || (json_is_string(v) && json_string_length(v) == 0)) {
				c->http_enabled = 0;
				break;
			}
			if (!json_is_string(v) || addr_parse((struct addr *)(base + f->off),
			    json_string_value(v)) < 0) {
				snprintf(err, errlen, "\"%s\": must be \"IPv4:port\" or \"[IPv6]:port\" (or null)", path);
				return -1;
			}
			c->http_enabled = 1;
			break;
		case F_ADDR_LIST: {
			size_t i;
			json_t *e;
			if (!json_is_array(v) || json_array_size(v) < (size_t)f->min ||
			    json_array_size(v) > (size_t)f->max) {
				snprintf(err, errlen, "\"%s\": must be a list of 1 to %ld addresses", path, f->max);
				return -1;
			}
			json_array_foreach(v, i, e) {
				if (!json_is_string(e) || addr_parse(&c->udp[i], json_string_value(e)) < 0) {
					snprintf(err, errlen, "\"%s[%zu]\": must be \"IPv4:port\" or \"[IPv6]:port\"", path, i);
					return -1;
				}
			}
			c->nudp = (int)json_array_size(v);
			break;
		}
		case F_OBJ:
			if (apply_fields(c, f->sub, v, path, err, errlen) < 0)
				return -1;
			break;
		case F_UID_LIST:
			if (apply_uids(c, v, path, f->max, err, errlen) < 0)
				return -1;
			break;
		case F_OPT_OBJ:
			*(int *)(base + f->off) = !json_is_null(v);
			if (!json_is_null(v) && apply_fields(c, f->sub, v, path, err, errlen) < 0)
				return -1;
			break;
		}
	}
	return 0;
}

/* "redis" is "IPv4:port" (a literal: hiredis resolves names, and IPv6
 * literals, with a lookup that would block the loop) or "unix:/path". */
static int
valid_redis(const char *r)
{
	struct addr a;

	if (strncmp(r, "unix:/", 6) == 0)
		return strlen(r + 5) < 100;
	return addr_parse(&a, r) == 0 && a.family == AF_INET && a.port != 0;
}

static int
check_cluster(const struct cluster_cfg *cl, char *err, size_t errlen)
{
	if (!cl->enabled)
		return 0;
	if (!valid_redis(cl->redis)) {
		snprintf(err, errlen, "\"cluster.redis\": required: \"IPv4:port\" or \"unix:/path\"");
		return -1;
	}
	if (!config_valid_node(cl->node)) {
		snprintf(err, errlen, "\"cluster.node\": required: 1 to %d of A-Z a-z 0-9 . _ -",
		    CONFIG_NODE_MAX);
		return -1;
	}
	if (cl->maxlen < cl->history) {
		snprintf(err, errlen, "\"cluster.maxlen\": must be at least cluster.history");
		return -1;
	}
	return 0;
}

int
config_apply_json(struct config *c, json_t *root, char *err, size_t errlen)
{
	struct config tmp = *c;

	/* All or nothing: a bad file leaves c untouched. */
	if (apply_fields(&tmp, top_fields, root, "", err, errlen) < 0)
		return -1;
	if (tmp.limits.new_flows_burst < tmp.limits.new_flows_per_ip)
		tmp.limits.new_flows_burst = tmp.limits.new_flows_per_ip;
	if (tmp.worker_wrapper[0] && (!tmp.debug_hooks || tmp.worker_wrapper[0] != '/')) {
		snprintf(err, errlen, "\"worker_wrapper\": an absolute command, only with "
		    "\"debug_hooks\": true (a test setting)");
		return -1;
	}
	if (strcmp(tmp.worker_spawn, "template") != 0 && strcmp(tmp.worker_spawn, "exec") != 0) {
		snprintf(err, errlen, "\"worker_spawn\": \"template\" or \"exec\"");
		return -1;
	}
	if (tmp.limits.pool_size > tmp.limits.max_workers) {
		snprintf(err, errlen, "\"limits.pool_size\": must not exceed limits.max_workers");
		return -1;
	}
	if (check_cluster(&tmp.cluster, err, errlen) < 0)
		return -1;
	*c = tmp;
	return 0;
}

int
config_load_file(struct config *c, const char *path, char *err, size_t errlen)
{
	json_error_t je;
	json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
	int r;

	if (root == NULL) {
		snprintf(err, errlen, "%s:%d:%d: %s", path, je.line, je.column, je.text);
		return -1;
	}
	r = config_apply_json(c, root, err, errlen);
	json_decref(root);
	return r;
}

void
config_finish(struct config *c)
{
	if (c->control[0] == '\0')
		snprintf(c->control, sizeof(c->control), "%.*s/control.sock",
		    (int)sizeof(c->control) - 14, c->run_dir);
	if (c->chroot_dir[0] == '\0')
		snprintf(c->chroot_dir, sizeof(c->chroot_dir), "%.*s/empty",
		    (int)sizeof(c->chroot_dir) - 7, c->run_dir);
}

static json_t *
fields_to_json(const struct config *c, const struct field *fields)
{
	json_t *o = json_object();
	const char *base = (const char *)c;
	char buf[ADDR_STRLEN];

	for (const struct field *f = fields; f->key; f++) {
		json_t *v = NULL;
		switch (f->type) {
		case F_INT: v = json_integer(*(const int *)(base + f->off)); break;
		case F_BOOL: v = json_boolean(*(const int *)(base + f->off)); break;
		case F_STR: v = json_string(base + f->off); break;
		case F_LOGLEVEL: v = json_string(log_level_name(*(const int *)(base + f->off))); break;
		case F_ADDR:
			v = c->http_enabled ? json_string(addr_format(&c->http, buf, sizeof(buf))) : json_null();
			break;
		case F_ADDR_LIST:
			v = json_array();
			for (int i = 0; i < c->nudp; i++)
				json_array_append_new(v, json_string(addr_format(&c->udp[i], buf, sizeof(buf))));
			break;
		case F_OBJ: v = fields_to_json(c, f->sub); break;
		case F_UID_LIST:
			v = json_array();
			for (int i = 0; i < c->ncontrol_uids; i++)
				json_array_append_new(v, json_integer(c->control_uids[i]));
			break;
		case F_OPT_OBJ:
			v = *(const int *)(base + f->off) ? fields_to_json(c, f->sub) : json_null();
			break;
		}
		json_object_set_new(o, f->key, v);
	}
	return o;
}

json_t *
config_to_json(const struct config *c)
{
	return fields_to_json(c, top_fields);
}
