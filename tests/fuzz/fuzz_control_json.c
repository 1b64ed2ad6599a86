/* fuzz_control_json: the control socket's request handling
 * (supervisor/control.c, control_handle_line) on a minimal supervisor: no
 * listeners, two fake connections and one idle fake worker, rooms, debug
 * commands enabled. The input is what a client writes: it is split into
 * lines at '\n' as the socket reader does, each line one request.
 * Fake workers have a process id no process can have, so "kill" signals
 * nobody; they are rebuilt for every input so each input starts from the
 * same state. Invariants: every request gets a reply that is a JSON object
 * or array, and requests that are not JSON objects get an error. */
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <jansson.h>

#include "common/log.h"
#include "fuzz.h"
#include "supervisor/rooms.h"
#include "supervisor/sup.h"

#define CTL_FUZZ_WORKERS 3
#define CTL_FUZZ_MAX_LINES 64
#define NO_SUCH_PID 0x7ffffff0   /* above any pid_max */

static struct sup S;
static struct worker W[CTL_FUZZ_WORKERS];
static int peer_fd[CTL_FUZZ_WORKERS];

static void
setup_once(void)
{
	fuzz_quiet_logs();
	memset(&S, 0, sizeof(S));
	config_defaults(&S.cfg);
	S.cfg.limits.pool_size = 0;
	S.cfg.debug_hooks = 1;
	S.base = event_base_new();
	FUZZ_CHECK(S.base != NULL);
	FUZZ_CHECK(router_init(&S) == 0);
	FUZZ_CHECK(rooms_init(&S) == 0);
	TAILQ_INIT(&S.workers);
	TAILQ_INIT(&S.pool);
	for (int i = 0; i < CTL_FUZZ_WORKERS; i++) {
		int sv[2];
		FUZZ_CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, sv) == 0);
		W[i].fd = sv[0];
		peer_fd[i] = sv[1];
		W[i].timer = evtimer_new(S.base, NULL, NULL);
		FUZZ_CHECK(W[i].timer != NULL);
	}
}

/* The same supervisor state before every input. */
static void
reset_state(void)
{
	uint8_t buf[WIRE_MAX_MSG];

	TAILQ_INIT(&S.workers);
	TAILQ_INIT(&S.pool);
	S.nworkers = S.nidle = S.nspawning = S.npending = 0;
	S.draining = S.stopping = 0;
	memset(&S.c, 0, sizeof(S.c));
	for (int i = 0; i < CTL_FUZZ_WORKERS; i++) {
		struct worker *w = &W[i];
		int fd = w->fd;
		struct event *t = w->timer;

		while (recv(peer_fd[i], buf, sizeof(buf), MSG_DONTWAIT) > 0)
			;
		evtimer_del(t);
		memset(w, 0, sizeof(*w));
		w->fd = fd;
		w->timer = t;
		w->sup = &S;
		w->pid = NO_SUCH_PID - i;
		w->was_ready = 1;
		LIST_INIT(&w->flows);
		TAILQ_INSERT_TAIL(&S.workers, w, all_link);
		S.nworkers++;
		if (i == CTL_FUZZ_WORKERS - 1) {
			w->state = WS_IDLE;
			w->in_pool = 1;
			TAILQ_INSERT_TAIL(&S.pool, w, pool_link);
			S.nidle++;
		} else {
			w->id = (uint32_t)(1 + i);
			w->state = WS_CONNECTED;
			w->mode = i ? WIRE_MODE_DIRECT : WIRE_MODE_OFFER;
		}
	}
	S.next_conn_id = CTL_FUZZ_WORKERS;
}

static void
request(const char *line, size_t len)
{
	char *reply = control_handle_line(&S, line, len);
	json_error_t je;
	json_t *j, *req;

	FUZZ_CHECK(reply != NULL);
	FUZZ_CHECK(strchr(reply, '\n') == NULL);
	j = json_loads(reply, 0, &je);
	FUZZ_CHECK(j != NULL && (json_is_object(j) || json_is_array(j)));
	req = json_loadb(line, len, JSON_REJECT_DUPLICATES, &je);
	if (!json_is_object(req))
		FUZZ_CHECK(json_is_string(json_object_get(j, "error")));
	json_decref(req);
	json_decref(j);
	free(reply);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int inited;
	size_t start = 0;
	int lines = 0;

	if (!inited) {
		setup_once();
		inited = 1;
	}
	reset_state();
	for (size_t i = 0; i <= size && lines < CTL_FUZZ_MAX_LINES; i++) {
		if (i == size || data[i] == '\n') {
			char *line = fz_strdup(data + start, i - start);
			if (i < size || i > start)
				request(line, i - start);
			free(line);
			start = i + 1;
			lines++;
		}
	}
	/* Leave no room membership behind for the next input. */
	for (int i = 0; i < CTL_FUZZ_WORKERS; i++)
		rooms_leave_all(&S, &W[i]);
	return 0;
}
