/* fuzz_http_offer: the supervisor's HTTP side (supervisor/http.c).
 * An input starting with '/' is a URL path for http_safe_path, the filter
 * in front of every static file (invariants: an accepted path is copied
 * whole, has only [A-Za-z0-9._-] segments, no empty (but a trailing), dot
 * or hidden segment; a short output buffer fails instead of overflowing).
 * Any other input is the bytes an HTTP client sends on one connection: they
 * go through the real evhttp server and request handler of a minimal
 * supervisor (no workers, so offers wait in the bounded queue; static files
 * from web-demo/), in-process: evhttp also accepts on an abstract AF_UNIX
 * listener (libevent 2.1 cannot adopt a single connected socket) and the
 * harness connects to it. The event loop runs until the server has answered
 * and closed, or a bounded number of rounds; then the client side closes.
 * The HTTP listener is opened and
 * closed around every input (http_close answers waiting offers and frees
 * every connection), so inputs do not leak state into each other and
 * anything left allocated is a leak. */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <event2/event.h>
#include <event2/http.h>

#include "fuzz.h"
#include "supervisor/rooms.h"
#include "supervisor/sup.h"

#define HTTP_FUZZ_ROUNDS 64

static struct sup S;

static int
seg_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    c == '.' || c == '_' || c == '-';
}

static void
path_mode(const uint8_t *data, size_t size)
{
	char *p = fz_strdup(data, size), out[512], *small;
	size_t n = strlen(p);

	if (http_safe_path(p, out, sizeof(out)) == 0) {
		FUZZ_CHECK(strcmp(out, p) == 0 && p[0] == '/');
		for (size_t i = 0; i < n; i++) {
			if (p[i] == '/') {
				FUZZ_CHECK(p[i + 1] != '/' && p[i + 1] != '.');
			} else {
				FUZZ_CHECK(seg_ok(p[i]));
			}
		}
		small = malloc(n);
		FUZZ_CHECK(small != NULL);
		FUZZ_CHECK(http_safe_path(p, small, n) == -1);
		free(small);
	}
	free(p);
}

static void
setup_once(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	fuzz_quiet_logs();
	memset(&S, 0, sizeof(S));
	config_defaults(&S.cfg);
	S.cfg.limits.pool_size = 0;
	S.cfg.limits.max_pending_offers = 4;
	FUZZ_CHECK(addr_parse(&S.cfg.http, "127.0.0.1:0") == 0);
	snprintf(S.web_root, sizeof(S.web_root), "%s/web-demo", RTCD_ABS_TOP_SRCDIR);
	S.base = event_base_new();
	FUZZ_CHECK(S.base != NULL);
	FUZZ_CHECK(router_init(&S) == 0);
	FUZZ_CHECK(rooms_init(&S) == 0);
	TAILQ_INIT(&S.workers);
	TAILQ_INIT(&S.pool);
}

/* Read what the server wrote; 1 once it closed its side. */
static int
drain(int fd)
{
	char buf[65536];

	for (;;) {
		ssize_t r = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (r > 0)
			continue;
		if (r == 0)
			return 1;
		return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : 1;
	}
}

/* An abstract AF_UNIX listener handed to evhttp; the client connects. */
static int
connect_client(void)
{
	struct sockaddr_un a;
	socklen_t al;
	int l, c;

	memset(&a, 0, sizeof(a));
	a.sun_family = AF_UNIX;
	al = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
	    (size_t)snprintf(a.sun_path + 1, sizeof(a.sun_path) - 1, "rtcd-fuzz-http-%d", (int)getpid()));
	l = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	FUZZ_CHECK(l >= 0 && bind(l, (struct sockaddr *)&a, al) == 0 && listen(l, 4) == 0);
	FUZZ_CHECK(evhttp_accept_socket_with_handle(S.http, l) != NULL);
	c = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	FUZZ_CHECK(c >= 0 && connect(c, (struct sockaddr *)&a, al) == 0);
	return c;
}

static void
request_mode(const uint8_t *data, size_t size)
{
	int c, closed = 0;
	size_t off = 0;

	FUZZ_CHECK(http_open(&S) == 0);
	c = connect_client();
	if (size == 0)
		shutdown(c, SHUT_WR);
	for (int round = 0; round < HTTP_FUZZ_ROUNDS && !closed; round++) {
		if (off < size) {
			ssize_t w = send(c, data + off, size - off, MSG_DONTWAIT | MSG_NOSIGNAL);
			if (w > 0)
				off += (size_t)w;
			if (off == size)
				shutdown(c, SHUT_WR);
		}
		event_base_loop(S.base, EVLOOP_NONBLOCK);
		closed = drain(c);
	}
	/* The client goes away: evhttp sees EOF/EPIPE and frees the
	 * connection (and a waiting offer through its close callback). */
	close(c);
	for (int round = 0; round < 8; round++)
		event_base_loop(S.base, EVLOOP_NONBLOCK);
	FUZZ_CHECK(S.npending_offers == 0);
	http_close(&S);
	event_base_loop(S.base, EVLOOP_NONBLOCK);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int inited;

	if (size > 0 && data[0] == '/') {
		path_mode(data, size);
		return 0;
	}
	if (!inited) {
		setup_once();
		inited = 1;
	}
	request_mode(data, size);
	return 0;
}
