/* fuzz_wchan: everything a (compromised) worker can send to the
 * supervisor, in context: the real wchan_on_read (supervisor/wchan.c:
 * strict decode, per-state allowlist, kill on violation) and the router,
 * rooms, identity signing and HTTP answer paths behind it, on a supervisor
 * with a real UDP listener on 127.0.0.1, an identity in a temporary
 * directory and three fake workers (socketpairs; process ids no process can
 * have, so kills signal nobody). Datagrams from a local UDP client open
 * flows through router_input like browsers do.
 * Byte 0 sets the workers' initial states (2 bits each: spawned, idle,
 * assigned, connected) and modes; then each step is an op byte:
 *   0 raw worker message: worker (bits 4-5), 16-bit length + bytes;
 *   1 built worker message: worker, type, tuple id, 8-bit code, a string
 *     and a payload, encoded with wire_encode (so it decodes and reaches
 *     the handlers);
 *   2 a datagram from the client: 16-bit length + bytes;
 *   3 a STUN Binding request from the client whose USERNAME names worker
 *     0's ufrag, a libp2p ufrag (takes an idle worker), or fuzz bytes;
 *   4 the worker closes its channel (EOF).
 * Invariants: the supervisor survives; a killed worker stays killed and
 * keeps no flow or ufrag route; only workers with a bound tuple have their
 * datagrams sent. Each input starts from the same state. */
#include <arpa/inet.h>
#include <dirent.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/stun.h"
#include "fuzz.h"
#include "supervisor/identity.h"
#include "supervisor/rooms.h"
#include "supervisor/sup.h"

#define WCHAN_FUZZ_WORKERS 3
#define WCHAN_FUZZ_MAX_OPS 48
#define NO_SUCH_PID 0x7ffffff0   /* above any pid_max */

static struct sup S;
static struct worker W[WCHAN_FUZZ_WORKERS];
static int peer_fd[WCHAN_FUZZ_WORKERS];
static int client;
static struct tuple client_tuple;
static char id_dir[64];

static void
remove_id_dir(void)
{
	DIR *d = opendir(id_dir);
	struct dirent *e;
	char p[sizeof(id_dir) + 258];

	while (d != NULL && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", id_dir, e->d_name);
		unlink(p);
	}
	if (d != NULL)
		closedir(d);
	rmdir(id_dir);
}

static void
setup_once(void)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct sockaddr_in sin = { .sin_family = AF_INET };
	char err[256];

	fuzz_quiet_logs();
	memset(&S, 0, sizeof(S));
	config_defaults(&S.cfg);
	S.cfg.limits.pool_size = 0;
	FUZZ_CHECK(addr_parse(&S.cfg.udp[0], "127.0.0.1:0") == 0);
	S.cfg.nudp = 1;
	S.base = event_base_new();
	FUZZ_CHECK(S.base != NULL);
	TAILQ_INIT(&S.workers);
	TAILQ_INIT(&S.pool);
	S.refill_timer = evtimer_new(S.base, NULL, NULL);
	FUZZ_CHECK(rooms_init(&S) == 0);
	FUZZ_CHECK(listener_open_all(&S) == 0);
	snprintf(id_dir, sizeof(id_dir), "/tmp/rtcd-fuzz-wchan-XXXXXX");
	FUZZ_CHECK(mkdtemp(id_dir) != NULL);
	atexit(remove_id_dir);
	S.id = identity_load(id_dir, err, sizeof(err));
	FUZZ_CHECK(S.id != NULL);
	client = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
	FUZZ_CHECK(client >= 0 && bind(client, (struct sockaddr *)&sin, sizeof(sin)) == 0);
	FUZZ_CHECK(getsockname(client, (struct sockaddr *)&ss, &sl) == 0);
	memset(&client_tuple, 0, sizeof(client_tuple));
	FUZZ_CHECK(addr_from_sockaddr(&client_tuple.remote, (struct sockaddr *)&ss, sl) == 0);
	client_tuple.local = S.listeners[0].bound;
	for (int i = 0; i < WCHAN_FUZZ_WORKERS; i++) {
		int sv[2];
		FUZZ_CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) == 0);
		W[i].fd = sv[0];
		peer_fd[i] = sv[1];
		W[i].timer = evtimer_new(S.base, NULL, NULL);
		FUZZ_CHECK(W[i].timer != NULL);
	}
}

static void
drain(int fd)
{
	static uint8_t buf[WIRE_MAX_MSG];

	while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
}

/* The same supervisor before every input (states from byte 0). */
static void
reset_state(uint8_t states)
{
	for (int i = 0; i < WCHAN_FUZZ_WORKERS; i++) {
		rooms_leave_all(&S, &W[i]);
		if (S.flows != NULL)
			router_forget_worker(&S, &W[i]);
	}
	router_free(&S);
	FUZZ_CHECK(router_init(&S) == 0);
	TAILQ_INIT(&S.workers);
	TAILQ_INIT(&S.pool);
	S.nworkers = S.nidle = S.nspawning = S.npending = 0;
	S.npending_offers = 0;
	S.draining = S.stopping = 0;
	S.next_conn_id = 100;
	memset(&S.c, 0, sizeof(S.c));
	drain(client);
	for (int i = 0; i < WCHAN_FUZZ_WORKERS; i++) {
		struct worker *w = &W[i];
		int fd = w->fd, st = (states >> (2 * i)) & 3;
		struct event *t = w->timer, *ev = w->ev;

		drain(peer_fd[i]);
		evtimer_del(t);
		memset(w, 0, sizeof(*w));
		w->fd = fd;
		w->timer = t;
		w->ev = ev != NULL ? ev : event_new(S.base, fd, EV_READ, wchan_on_read, w);
		FUZZ_CHECK(w->ev != NULL);
		w->sup = &S;
		w->pid = NO_SUCH_PID - i;
		LIST_INIT(&w->flows);
		TAILQ_INSERT_TAIL(&S.workers, w, all_link);
		S.nworkers++;
		if (st == 0) {
			w->state = WS_SPAWNED;
			S.nspawning++;
			continue;
		}
		w->was_ready = 1;
		if (st == 1) {
			w->state = WS_IDLE;
			w->in_pool = 1;
			TAILQ_INSERT_TAIL(&S.pool, w, pool_link);
			S.nidle++;
			continue;
		}
		w->id = (uint32_t)(1 + i);
		w->state = st == 2 ? WS_ASSIGNED : WS_CONNECTED;
		w->mode = (states >> 6) & 1 ? WIRE_MODE_DIRECT : WIRE_MODE_OFFER;
		if (i == 0)
			FUZZ_CHECK(router_register_ufrag(&S, w, "Fz9q") == 0);
	}
}

static void
deliver(struct worker *w, int i, const uint8_t *p, size_t n)
{
	int killed = w->kill_sent;

	if (w->eof || w->ev == NULL)
		return;
	if (send(peer_fd[i], p, n, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		return;
	wchan_on_read(w->fd, EV_READ, w);
	drain(peer_fd[i]);
	if (killed)
		FUZZ_CHECK(w->kill_sent);
	if (w->kill_sent || w->eof) {
		FUZZ_CHECK(LIST_EMPTY(&w->flows) && w->ufrag[0] == '\0');
		FUZZ_CHECK(!w->in_pool);
	}
}

static void
built(struct fz *f, struct worker *w, int i)
{
	static const uint16_t types[] = { WIRE_READY, WIRE_ANSWER, WIRE_OFFER_FAIL, WIRE_DGRAM_OUT,
		WIRE_TUPLE_BIND, WIRE_STATE, WIRE_LOG, WIRE_BYE, WIRE_SIGN_REQ, WIRE_ROOM_JOIN,
		WIRE_ROOM_LEAVE, WIRE_ROOM_PUBLISH };
	static uint8_t out[WIRE_MAX_MSG];
	struct wire_msg m;
	const uint8_t *s, *d;
	size_t sl, dl;
	uint8_t code;
	ssize_t n;

	uint8_t t = fz_u8(f), tid = fz_u8(f);

	wire_init(&m, types[t % (sizeof(types) / sizeof(types[0]))], tid);
	code = fz_u8(f);
	s = fz_chunk8(f, &sl);
	d = fz_chunk16(f, &dl);
	m.data = d;
	m.data_len = dl;
	memset(&m.u, 0, sizeof(m.u));
	switch (m.type) {
	case WIRE_READY:
		m.u.version = code == 0xFF ? 2 : WIRE_VERSION;
		break;
	case WIRE_ANSWER:
		memcpy(m.u.ufrag, s, sl < WIRE_MAX_UFRAG ? sl : WIRE_MAX_UFRAG);
		break;
	case WIRE_STATE:
		m.u.state.phase = code % PHASE_MAX;
		memcpy(m.u.state.peer, s, sl < WIRE_MAX_NAME ? sl : WIRE_MAX_NAME);
		break;
	case WIRE_LOG:
	case WIRE_BYE:
	case WIRE_OFFER_FAIL:
		m.u.text.code = code % 5;
		memcpy(m.u.text.text, s, sl);
		break;
	case WIRE_ROOM_JOIN:
	case WIRE_ROOM_LEAVE:
	case WIRE_ROOM_PUBLISH:
		memcpy(m.u.room, s, sl < WIRE_MAX_NAME ? sl : WIRE_MAX_NAME);
		break;
	default:
		m.u.code = code;
		break;
	}
	n = wire_encode(out, sizeof(out), &m);
	if (n > 0)
		deliver(w, i, out, (size_t)n);
}

static void
from_client(const uint8_t *p, size_t n)
{
	uint8_t *copy = fz_dup(p, n);

	router_input(&S, 0, &client_tuple, copy, n);
	router_flush(&S);
	free(copy);
	for (int i = 0; i < WCHAN_FUZZ_WORKERS; i++)
		drain(peer_fd[i]);
}

static void
binding(struct fz *f)
{
	static const char *lp = "libp2p+webrtc+v1/4a9e1c7bd2f8a0e36c15b9d4";
	uint8_t b[600], txid[12] = { 1, 2, 3 };
	struct stun_builder sb;
	char user[300];
	uint8_t which = fz_u8(f);
	size_t n;
	const uint8_t *u = fz_chunk8(f, &n);
	int len;

	if (which % 3 == 0)
		snprintf(user, sizeof(user), "Fz9q:%.*s", (int)n, (const char *)u);
	else if (which % 3 == 1)
		snprintf(user, sizeof(user), "%s:%.*s", lp, (int)n, (const char *)u);
	else
		snprintf(user, sizeof(user), "%.*s", (int)n, (const char *)u);
	txid[11] = which;
	stun_build_begin(&sb, b, sizeof(b), STUN_BINDING_REQUEST, txid);
	stun_build_attr(&sb, STUN_ATTR_USERNAME, user, (uint16_t)strlen(user));
	stun_build_integrity(&sb, "pw", 2);
	stun_build_fingerprint(&sb);
	len = stun_build_end(&sb);
	if (len > 0)
		from_client(b, (size_t)len);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int inited;
	struct fz f;

	if (!inited) {
		setup_once();
		inited = 1;
	}
	fz_init(&f, data, size);
	reset_state(fz_u8(&f));
	for (int k = 0; k < WCHAN_FUZZ_MAX_OPS && f.n > 0; k++) {
		uint8_t op = fz_u8(&f);
		int i = ((op >> 4) & 3) % WCHAN_FUZZ_WORKERS;
		struct worker *w = &W[i];
		const uint8_t *p;
		size_t n;

		switch (op & 7) {
		case 0:
			p = fz_chunk16(&f, &n);
			if (n > 0)
				deliver(w, i, p, n);
			break;
		case 1:
			built(&f, w, i);
			break;
		case 2:
			p = fz_chunk16(&f, &n);
			from_client(p, n);
			break;
		case 3:
			binding(&f);
			break;
		case 4:
			if (!w->eof && w->ev != NULL) {
				/* an empty SEQPACKET message reads as EOF */
				if (send(peer_fd[i], "", 0, MSG_DONTWAIT | MSG_NOSIGNAL) == 0)
					wchan_on_read(w->fd, EV_READ, w);
				FUZZ_CHECK(w->eof && w->ev == NULL && LIST_EMPTY(&w->flows));
			}
			break;
		default:
			break;
		}
	}
	listener_flush(&S);
	drain(client);
	return 0;
}
