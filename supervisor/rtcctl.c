/* rtcctl: command line client of rtcd's control socket. Sends one JSON
 * request line, prints the reply as a table (default) or raw JSON (--json). */
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

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: rtcctl [--socket PATH] [--json] COMMAND\n"
	    "commands:\n"
	    "  status            listeners, workers and counters\n"
	    "  connections       one line per connection\n"
	    "  workers           every worker process (pool included)\n"
	    "  kill ID           end connection ID (its worker is killed)\n"
	    "  drain             accept no new connections; exit when the last one closes\n"
	    "  reload            re-read the config file (limits, log level)\n"
	    "The socket defaults to $RTCD_CONTROL, then run/control.sock, then\n"
	    "/run/rtcd/control.sock. See rtcctl(8).\n");
}

static int
connect_to(const char *path)
{
	struct sockaddr_un sun;
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "rtcctl: socket path too long: %s\n", path);
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

static int
request(int fd, const char *req, char **reply)
{
	size_t cap = 65536, len = 0;
	char *buf = malloc(cap);
	struct pollfd p = { fd, POLLIN, 0 };

	if (buf == NULL)
		return -1;
	if (write(fd, req, strlen(req)) != (ssize_t)strlen(req)) {
		free(buf);
		return -1;
	}
	for (;;) {
		ssize_t n;
		if (poll(&p, 1, TIMEOUT_MS) <= 0) {
			fprintf(stderr, "rtcctl: no reply from rtcd within %d s\n", TIMEOUT_MS / 1000);
			free(buf);
			return -1;
		}
		if (len + 1 >= cap) {
			char *nb = realloc(buf, cap * 2);
			if (nb == NULL) {
				free(buf);
				return -1;
			}
			buf = nb;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n <= 0)
			break;
		len += (size_t)n;
		if (memchr(buf, '\n', len))
			break;
	}
	buf[len] = '\0';
	*reply = buf;
	return len ? 0 : -1;
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

	printf("rtcd %s  pid %lld  up %llds%s\n", json_string_value(json_object_get(j, "version")),
	    (long long)json_integer_value(json_object_get(j, "pid")),
	    (long long)json_integer_value(json_object_get(j, "uptime_s")),
	    json_is_true(json_object_get(j, "draining")) ? "  DRAINING" : "");
	json_array_foreach(json_object_get(j, "udp"), i, v)
		printf("udp      %s\n", json_string_value(v));
	if (json_is_string(json_object_get(j, "http")))
		printf("http     %s\n", json_string_value(json_object_get(j, "http")));
	json_array_foreach(json_object_get(j, "multiaddrs"), i, v)
		printf("addr     %s\n", json_string_value(v));
	printf("workers ");
	json_object_foreach(w, k, v)
		printf(" %s=%lld", k, (long long)json_integer_value(v));
	printf("\ncounters");
	json_object_foreach(c, k, v)
		if (json_integer_value(v))
			printf(" %s=%lld", k, (long long)json_integer_value(v));
	printf("\n");
	print_cluster(json_object_get(j, "cluster"));
}

static void
print_connections(json_t *j)
{
	size_t i;
	json_t *c;

	printf("%-6s %-7s %-13s %-22s %-10s %-6s %12s %12s %s\n", "ID", "PID", "MODE", "REMOTE",
	    "STATE", "AGE", "BYTES_IN", "BYTES_OUT", "PEER");
	json_array_foreach(j, i, c) {
		printf("%-6lld %-7lld %-13s %-22s %-10s %-6lld %12lld %12lld %s\n",
		    (long long)json_integer_value(json_object_get(c, "id")),
		    (long long)json_integer_value(json_object_get(c, "pid")),
		    json_string_value(json_object_get(c, "mode")),
		    json_string_value(json_object_get(c, "remote")),
		    json_string_value(json_object_get(c, "state")),
		    (long long)json_integer_value(json_object_get(c, "age_s")),
		    (long long)json_integer_value(json_object_get(c, "bytes_in")),
		    (long long)json_integer_value(json_object_get(c, "bytes_out")),
		    json_string_value(json_object_get(c, "peer")));
	}
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *sock = getenv("RTCD_CONTROL"), *cmd;
	const char *defaults[] = DEFAULT_SOCKETS;
	int o, as_json = 0, fd = -1, rc = 0;
	json_t *req, *res;
	json_error_t je;
	char *line, *reply;

	while ((o = getopt_long(argc, argv, "s:jh", opts, NULL)) != -1) {
		switch (o) {
		case 's': sock = optarg; break;
		case 'j': as_json = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	cmd = argv[optind];
	req = json_pack("{ss}", "cmd", cmd);
	if (strcmp(cmd, "kill") == 0) {
		char *end;
		long id;
		if (optind + 1 >= argc || (id = strtol(argv[optind + 1], &end, 10)) <= 0 || *end) {
			fprintf(stderr, "rtcctl: kill needs a connection id (see 'rtcctl connections')\n");
			return 2;
		}
		json_object_set_new(req, "id", json_integer(id));
	}
	if (sock) {
		fd = connect_to(sock);
	} else {
		for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]) && fd < 0; i++)
			if ((fd = connect_to(defaults[i])) >= 0 || errno != ENOENT)
				sock = defaults[i];
		if (sock == NULL)
			sock = defaults[0];
	}
	if (fd < 0) {
		if (errno == ENOENT)
			fprintf(stderr, "rtcctl: %s does not exist: is rtcd running? (--socket PATH)\n", sock);
		else if (errno == EACCES)
			fprintf(stderr, "rtcctl: %s: permission denied (run as root or a member of the rtcd group)\n", sock);
		else
			fprintf(stderr, "rtcctl: cannot connect to %s: %s\n", sock, strerror(errno));
		return 1;
	}
	line = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	{
		size_t n = strlen(line);
		char *l2 = malloc(n + 2);
		memcpy(l2, line, n);
		l2[n] = '\n';
		l2[n + 1] = '\0';
		free(line);
		line = l2;
	}
	if (request(fd, line, &reply) < 0) {
		fprintf(stderr, "rtcctl: no reply from rtcd\n");
		free(line);
		close(fd);
		return 1;
	}
	free(line);
	close(fd);
	res = json_loads(reply, JSON_DISABLE_EOF_CHECK, &je);
	if (res == NULL) {
		fprintf(stderr, "rtcctl: bad reply: %s\n", je.text);
		free(reply);
		return 1;
	}
	if (json_is_object(res) && json_object_get(res, "error")) {
		fprintf(stderr, "rtcctl: %s\n", json_string_value(json_object_get(res, "error")));
		rc = 1;
		if (as_json)
			printf("%s", reply);
	} else if (as_json) {
		printf("%s", reply);
	} else if (strcmp(cmd, "status") == 0) {
		print_status(res);
	} else if (strcmp(cmd, "connections") == 0) {
		print_connections(res);
	} else {
		char *pretty = json_dumps(res, JSON_INDENT(2));
		printf("%s\n", pretty);
		free(pretty);
	}
	json_decref(res);
	free(reply);
	return rc;
}
