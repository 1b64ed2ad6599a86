/* rtcctl: command line client of rtcd's control socket. Sends one JSON
 * request line, prints the reply as a table or text (default) or as raw
 * JSON (--json). Errors say what to do: socket missing, access denied by the
 * file mode or by rtcd's peer credential check, stale socket. */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <jansson.h>

#define DEFAULT_SOCKETS { "run/control.sock", "/run/rtcd/control.sock" }
#define TIMEOUT_MS 10000
#define MAX_REPLY (16 * 1024 * 1024)

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: rtcctl [--socket PATH] [--json] COMMAND [ARGS]\n"
	    "commands:\n"
	    "  status                   listeners, workers and counters\n"
	    "  connections [--sort bytes|age]\n"
	    "                           one line per connection (default order: id)\n"
	    "  show ID                  one connection in detail (flows, rooms, timings)\n"
	    "  workers                  every worker process (pool included)\n"
	    "  rooms                    chat rooms and their traffic\n"
	    "  kill ID                  end connection ID (its worker is killed)\n"
	    "  metrics                  Prometheus text exposition\n"
	    "  drain [--deadline S]     accept no new connections; exit when the last one\n"
	    "                           closes, or close the rest after S seconds\n"
	    "                           (default: limits.drain_deadline_s; 0: no deadline)\n"
	    "  reload                   re-read the config file (limits, rooms, log level)\n"
	    "The socket defaults to $RTCD_CONTROL, then run/control.sock, then\n"
	    "/run/rtcd/control.sock. See rtcctl(8).\n");
}

static int
connect_to(const char *path)
{
	struct sockaddr_un sun;
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static void
connect_error(const char *sock)
{
	switch (errno) {
	case ENOENT:
		fprintf(stderr, "rtcctl: %s does not exist: is rtcd running? (--socket PATH, "
		    "or the control key of rtcd.conf)\n", sock);
		break;
	case EACCES:
	case EPERM:
		fprintf(stderr, "rtcctl: %s: permission denied (run as root, or as a member of "
		    "rtcd's control_group)\n", sock);
		break;
	case ECONNREFUSED:
		fprintf(stderr, "rtcctl: %s: connection refused: the socket is stale, rtcd is not "
		    "running\n", sock);
		break;
	case ENAMETOOLONG:
		fprintf(stderr, "rtcctl: socket path too long: %s\n", sock);
		break;
	default:
		fprintf(stderr, "rtcctl: cannot connect to %s: %s\n", sock, strerror(errno));
		break;
	}
}

/* Send one request line and read one reply line. A client rtcd refuses
 * gets an error line and a closed socket, perhaps before the request is
 * written: the reply is read even when sending failed. */
static char *
request(int fd, const char *req)
{
	size_t cap = 65536, len = 0, n = strlen(req);
	char *buf = malloc(cap);
	struct pollfd p = { fd, POLLIN, 0 };

	if (buf == NULL)
		return NULL;
	(void)!send(fd, req, n, MSG_NOSIGNAL);
	for (;;) {
		ssize_t r;
		if (poll(&p, 1, TIMEOUT_MS) <= 0) {
			fprintf(stderr, "rtcctl: no reply from rtcd within %d s\n", TIMEOUT_MS / 1000);
			free(buf);
			return NULL;
		}
		if (len + 1 >= cap) {
			char *nb = cap < MAX_REPLY ? realloc(buf, cap * 2) : NULL;
			if (nb == NULL) {
				free(buf);
				return NULL;
			}
			buf = nb;
			cap *= 2;
		}
		r = read(fd, buf + len, cap - len - 1);
		if (r <= 0)
			break;
		len += (size_t)r;
		if (memchr(buf, '\n', len))
			break;
	}
	buf[len] = '\0';
	if (len == 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

static long long
ival(json_t *o, const char *k)
{
	return (long long)json_integer_value(json_object_get(o, k));
}

static const char *
sval(json_t *o, const char *k)
{
	const char *v = json_string_value(json_object_get(o, k));
	return v ? v : "";
}

/* The cluster link, when configured: state, lag, queue, hosts, errors. */
static void
print_cluster(json_t *cl)
{
	json_t *v;
	const char *k, *err = json_string_value(json_object_get(cl, "last_error"));
	size_t i;

	if (!json_is_object(cl))
		return;
	printf("cluster  node %s, redis %s: %s", json_string_value(json_object_get(cl, "node")),
	    json_string_value(json_object_get(cl, "redis")), json_string_value(json_object_get(cl, "state")));
	if (json_integer_value(json_object_get(cl, "down_s")))
		printf(" (down for %llds)", (long long)json_integer_value(json_object_get(cl, "down_s")));
	printf(", lag %lldms, queued %lld, hosts",
	    (long long)json_integer_value(json_object_get(cl, "lag_ms")),
	    (long long)json_integer_value(json_object_get(cl, "queued")));
	json_array_foreach(json_object_get(cl, "hosts"), i, v)
		printf(" %s", json_string_value(v));
	if (err && *err)
		printf(", last error: %s", err);
	printf("\n        ");
	json_object_foreach(json_object_get(cl, "counters"), k, v)
		if (json_integer_value(v))
			printf(" %s=%lld", k, (long long)json_integer_value(v));
	printf("\n");
}

static void
print_status(json_t *j)
{
	json_t *w = json_object_get(j, "workers"), *c = json_object_get(j, "counters"), *v;
	const char *k;
	size_t i;

	printf("rtcd %s  pid %lld  up %llds", sval(j, "version"), ival(j, "pid"), ival(j, "uptime_s"));
	if (json_is_true(json_object_get(j, "draining"))) {
		printf("  DRAINING");
		if (ival(j, "drain_deadline_s"))
			printf(" (closing the rest in %llds)", ival(j, "drain_deadline_s"));
	}
	printf("\n");
	json_array_foreach(json_object_get(j, "udp"), i, v)
		printf("udp      %s\n", json_string_value(v));
	if (json_is_string(json_object_get(j, "http")))
		printf("http     %s\n", sval(j, "http"));
	json_array_foreach(json_object_get(j, "multiaddrs"), i, v)
		printf("addr     %s\n", json_string_value(v));
	printf("workers ");
	json_object_foreach(w, k, v)
		printf(" %s=%lld", k, (long long)json_integer_value(v));
	printf("\n");
	if (json_is_object(json_object_get(j, "spawner"))) {
		json_t *sp = json_object_get(j, "spawner");
		printf("spawn    %s", sval(sp, "mode"));
		if (strcmp(sval(sp, "mode"), "template") == 0)
			printf(" (%s, pid %lld): spawned=%lld restarts=%lld failed=%lld", sval(sp, "state"),
			    ival(sp, "pid"), ival(sp, "spawned"), ival(sp, "restarts"), ival(sp, "failed"));
		printf("\n");
	}
	printf("counters");
	json_object_foreach(c, k, v)
		if (json_integer_value(v))
			printf(" %s=%lld", k, (long long)json_integer_value(v));
	printf("\n");
	print_cluster(json_object_get(j, "cluster"));
}

static const char *sort_key;

static long long
sort_value(json_t *c)
{
	if (strcmp(sort_key, "bytes") == 0)
		return ival(c, "bytes_in") + ival(c, "bytes_out");
	return ival(c, "age_s");
}

/* Largest first: the connections an operator looks for are at the top. */
static int
cmp_conn(const void *a, const void *b)
{
	long long x = sort_value(*(json_t *const *)a), y = sort_value(*(json_t *const *)b);

	if (x != y)
		return x < y ? 1 : -1;
	return ival(*(json_t *const *)a, "id") < ival(*(json_t *const *)b, "id") ? -1 : 1;
}

static void
print_connections(json_t *j)
{
	size_t i, n = json_array_size(j);
	json_t **rows = calloc(n ? n : 1, sizeof(*rows));

	if (rows == NULL)
		return;
	for (i = 0; i < n; i++)
		rows[i] = json_array_get(j, i);
	if (sort_key)
		qsort(rows, n, sizeof(*rows), cmp_conn);
	printf("%-6s %-7s %-13s %-24s %-10s %-6s %12s %12s %s\n", "ID", "PID", "MODE", "REMOTE",
	    "STATE", "AGE", "BYTES_IN", "BYTES_OUT", "PEER");
	for (i = 0; i < n; i++) {
		json_t *c = rows[i];
		printf("%-6lld %-7lld %-13s %-24s %-10s %-6lld %12lld %12lld %s\n", ival(c, "id"),
		    ival(c, "pid"), sval(c, "mode"), sval(c, "remote"), sval(c, "state"),
		    ival(c, "age_s"), ival(c, "bytes_in"), ival(c, "bytes_out"), sval(c, "peer"));
	}
	free(rows);
}

static void
print_show(json_t *c)
{
	static const char *keys[] = { "id", "pid", "mode", "remote", "peer", "state", "phase",
		"age_s", "connected_s", "handshake_ms", "bytes_in", "bytes_out", "dgrams_in",
		"dgrams_out", "messages_in", "messages_out", "room_lost", "ufrag", "close_reason" };
	json_t *v, *f;
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		v = json_object_get(c, keys[i]);
		if (json_is_integer(v))
			printf("%-14s %lld\n", keys[i], (long long)json_integer_value(v));
		else if (json_is_string(v) && *json_string_value(v))
			printf("%-14s %s\n", keys[i], json_string_value(v));
	}
	printf("rooms         ");
	json_array_foreach(json_object_get(c, "rooms"), i, v)
		printf(" %s", json_string_value(v));
	printf("\nflows\n  %-9s %-24s %-24s %-6s %-6s %s\n", "TUPLE", "LOCAL", "REMOTE", "BOUND",
	    "AGE", "IDLE_MS");
	json_array_foreach(json_object_get(c, "flows"), i, f)
		printf("  %-9lld %-24s %-24s %-6s %-6lld %lld\n", ival(f, "tuple_id"), sval(f, "local"),
		    sval(f, "remote"), json_is_true(json_object_get(f, "bound")) ? "yes" : "no",
		    ival(f, "age_s"), ival(f, "idle_ms"));
}

static void
print_workers(json_t *j)
{
	size_t i;
	json_t *w;

	printf("%-8s %-8s %s\n", "PID", "CONN", "STATE");
	json_array_foreach(j, i, w)
		printf("%-8lld %-8lld %s\n", ival(w, "pid"), ival(w, "id"), sval(w, "state"));
}

static void
print_rooms(json_t *j)
{
	size_t i;
	json_t *r;

	printf("%-24s %8s %10s %10s %8s %8s\n", "ROOM", "MEMBERS", "PUBLISHED", "DELIVERED", "LOST",
	    "REFUSED");
	json_array_foreach(j, i, r)
		printf("%-24s %8lld %10lld %10lld %8lld %8lld\n", sval(r, "name"), ival(r, "members"),
		    ival(r, "published"), ival(r, "delivered"), ival(r, "lost"), ival(r, "refused"));
}

static void
print_reply(const char *cmd, json_t *res)
{
	if (strcmp(cmd, "status") == 0) {
		print_status(res);
	} else if (strcmp(cmd, "connections") == 0) {
		print_connections(res);
	} else if (strcmp(cmd, "show") == 0) {
		print_show(res);
	} else if (strcmp(cmd, "workers") == 0) {
		print_workers(res);
	} else if (strcmp(cmd, "rooms") == 0) {
		print_rooms(res);
	} else if (strcmp(cmd, "metrics") == 0) {
		fputs(sval(res, "text"), stdout);
	} else if (strcmp(cmd, "kill") == 0) {
		printf("connection %lld: worker killed\n", ival(res, "id"));
	} else if (strcmp(cmd, "drain") == 0) {
		printf("draining: %lld connection(s) left; ", ival(res, "connections"));
		if (ival(res, "deadline_s"))
			printf("rtcd closes the rest and exits in %lld s\n", ival(res, "deadline_s"));
		else
			printf("rtcd exits when the last one closes (no deadline)\n");
	} else if (strcmp(cmd, "reload") == 0) {
		printf("reloaded\n");
	} else {
		char *pretty = json_dumps(res, JSON_INDENT(2));
		if (pretty)
			printf("%s\n", pretty);
		free(pretty);
	}
}

static int
parse_id(const char *cmd, int argc, char **argv, int i, json_t *req)
{
	char *end;
	long id;

	if (i >= argc || (id = strtol(argv[i], &end, 10)) <= 0 || *end) {
		fprintf(stderr, "rtcctl: %s needs a connection id (see 'rtcctl connections')\n", cmd);
		return -1;
	}
	json_object_set_new(req, "id", json_integer(id));
	return 0;
}

/* The request for cmd, or NULL after a usage message. */
static json_t *
build_request(const char *cmd, int argc, char **argv, int i, long deadline)
{
	static const char *known[] = { "status", "connections", "show", "workers", "rooms", "kill",
		"metrics", "drain", "reload" };
	json_t *req = json_pack("{ss}", "cmd", cmd);
	int ok = 0, nargs = 0;

	for (size_t k = 0; k < sizeof(known) / sizeof(known[0]); k++)
		ok |= strcmp(cmd, known[k]) == 0;
	if (!ok) {
		fprintf(stderr, "rtcctl: unknown command '%s'\n", cmd);
		usage(stderr);
		json_decref(req);
		return NULL;
	}
	if (strcmp(cmd, "kill") == 0 || strcmp(cmd, "show") == 0) {
		if (parse_id(cmd, argc, argv, i, req) < 0) {
			json_decref(req);
			return NULL;
		}
		nargs = 1;
	}
	if (strcmp(cmd, "drain") == 0 && deadline >= 0)
		json_object_set_new(req, "deadline_s", json_integer(deadline));
	if (i + nargs < argc) {
		fprintf(stderr, "rtcctl: unexpected argument '%s'\n", argv[i + nargs]);
		json_decref(req);
		return NULL;
	}
	return req;
}

static int
open_socket(const char *sock, const char **used)
{
	const char *defaults[] = DEFAULT_SOCKETS;
	int fd = -1;

	if (sock) {
		*used = sock;
		return connect_to(sock);
	}
	*used = NULL;
	for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]) && fd < 0; i++)
		if ((fd = connect_to(defaults[i])) >= 0 || errno != ENOENT)
			*used = defaults[i];
	if (*used == NULL)
		*used = defaults[sizeof(defaults) / sizeof(defaults[0]) - 1];
	return fd;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "sort", required_argument, NULL, 'S' },
		{ "deadline", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *sock = getenv("RTCD_CONTROL"), *cmd, *used;
	int o, as_json = 0, fd, rc = 0;
	long deadline = -1;
	json_t *req, *res;
	json_error_t je;
	char *line, *reply, *end;

	if (sock && *sock == '\0')
		sock = NULL;
	while ((o = getopt_long(argc, argv, "s:jh", opts, NULL)) != -1) {
		switch (o) {
		case 's': sock = optarg; break;
		case 'j': as_json = 1; break;
		case 'S':
			if (strcmp(optarg, "bytes") != 0 && strcmp(optarg, "age") != 0) {
				fprintf(stderr, "rtcctl: --sort takes bytes or age\n");
				return 2;
			}
			sort_key = optarg;
			break;
		case 'd':
			deadline = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end || deadline < 0 || deadline > 7 * 86400) {
				fprintf(stderr, "rtcctl: --deadline takes seconds, 0 to 604800 (0: none)\n");
				return 2;
			}
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	cmd = argv[optind];
	req = build_request(cmd, argc, argv, optind + 1, deadline);
	if (req == NULL)
		return 2;
	line = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	fd = open_socket(sock, &used);
	if (fd < 0) {
		connect_error(used);
		free(line);
		return 1;
	}
	{
		size_t n = strlen(line);
		char *l2 = malloc(n + 2);
		if (l2 == NULL) {
			free(line);
			close(fd);
			return 1;
		}
		memcpy(l2, line, n);
		memcpy(l2 + n, "\n", 2);
		free(line);
		line = l2;
	}
	reply = request(fd, line);
	free(line);
	close(fd);
	if (reply == NULL) {
		fprintf(stderr, "rtcctl: rtcd closed the connection without a reply\n");
		return 1;
	}
	res = json_loads(reply, JSON_DISABLE_EOF_CHECK, &je);
	if (res == NULL) {
		fprintf(stderr, "rtcctl: bad reply: %s\n", je.text);
		free(reply);
		return 1;
	}
	if (json_is_object(res) && json_object_get(res, "error")) {
		fprintf(stderr, "rtcctl: %s\n", sval(res, "error"));
		rc = 1;
		if (as_json)
			printf("%s", reply);
	} else if (as_json) {
		printf("%s", reply);
	} else {
		print_reply(cmd, res);
	}
	json_decref(res);
	free(reply);
	return rc;
}
