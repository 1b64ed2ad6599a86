/* check_router: the supervisor's flow table with real sockets but without
 * spawning processes: routing by ufrag then by bound tuple, the bind rules,
 * the "send only to your own bound tuples" rule, libp2p flows taking a pool
 * worker, per-IP limits, ICMP error attribution and clean-up on death. */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/htab.h"
#include "common/log.h"
#include "common/stun.h"
#include "common/util.h"
#include "supervisor/sup.h"
#include "testutil.h"

/* http.c is not linked into this test: stand-ins for its two hooks. */
void http_offer_answered(struct sup *s, struct worker *w, const char *sdp, size_t len) {}
void http_offer_failed(struct sup *s, struct worker *w, int status, const char *reason) {}
void http_offer_dispatch(struct sup *s) {}
void sup_request_stop(struct sup *s, const char *why) {}
int sup_reload(struct sup *s, char *err, size_t errlen) { return 0; }

static struct sup S;
static int peer_fd[4];          /* the "worker" ends of the channels */
static struct worker *W[4];
static int client;              /* a UDP client socket */
static struct tuple client_tuple;

static struct worker *
fake_worker(int i, int idle)
{
	struct worker *w = calloc(1, sizeof(*w));
	int sv[2];
	pid_t pid;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, sv), 0);
	pid = fork();
	if (pid == 0) {
		pause();
		_exit(0);
	}
	w->sup = &S;
	w->pid = pid;
	w->fd = sv[0];
	w->timer = evtimer_new(S.base, NULL, NULL);
	LIST_INIT(&w->flows);
	w->was_ready = 1;
	TAILQ_INSERT_TAIL(&S.workers, w, all_link);
	S.nworkers++;
	if (idle) {
		w->state = WS_IDLE;
		w->in_pool = 1;
		TAILQ_INSERT_TAIL(&S.pool, w, pool_link);
		S.nidle++;
	} else {
		w->id = (uint32_t)(100 + i);
		w->state = WS_ASSIGNED;
	}
	peer_fd[i] = sv[1];
	return w;
}

static void
setup(void)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct sockaddr_in sin = { .sin_family = AF_INET };

	memset(&S, 0, sizeof(S));
	log_init("test", LOG_LVL_ERROR);
	config_defaults(&S.cfg);
	S.cfg.limits.pool_size = 0;            /* never spawn in this test */
	addr_parse(&S.cfg.udp[0], "127.0.0.1:0");
	S.base = event_base_new();
	ck_assert_int_eq(router_init(&S), 0);
	ck_assert_int_eq(workers_init(&S), 0);
	ck_assert_int_eq(listener_open_all(&S), 0);
	W[0] = fake_worker(0, 0);
	W[1] = fake_worker(1, 0);
	W[2] = fake_worker(2, 1);
	client = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
	ck_assert_int_eq(bind(client, (struct sockaddr *)&sin, sizeof(sin)), 0);
	getsockname(client, (struct sockaddr *)&ss, &sl);
	memset(&client_tuple, 0, sizeof(client_tuple));
	addr_from_sockaddr(&client_tuple.remote, (struct sockaddr *)&ss, sl);
	client_tuple.local = S.listeners[0].bound;
}

static void
teardown(void)
{
	for (int i = 0; i < 3; i++) {
		kill(W[i]->pid, SIGKILL);
		waitpid(W[i]->pid, NULL, 0);
		router_forget_worker(&S, W[i]);
		event_free(W[i]->timer);
		close(W[i]->fd);
		close(peer_fd[i]);
		free(W[i]);
	}
	close(client);
	listener_close_all(&S);
	router_free(&S);
	event_base_free(S.base);
}

static size_t
binding_request(uint8_t *out, const char *username)
{
	struct stun_builder b;
	uint8_t txid[12] = { 1, 2, 3 };

	stun_build_begin(&b, out, 512, STUN_BINDING_REQUEST, txid);
	stun_build_attr(&b, STUN_ATTR_USERNAME, username, (uint16_t)strlen(username));
	stun_build_integrity(&b, "pw", 2);
	stun_build_fingerprint(&b);
	return (size_t)stun_build_end(&b);
}

/* Read one message from a worker's channel; -1 when none. */
static int
recv_on(int i, struct wire_msg *m, uint8_t *buf)
{
	const char *why;
	ssize_t n = wire_recv(peer_fd[i], buf, WIRE_MAX_MSG);

	if (n <= 0)
		return -1;
	ck_assert_int_eq(wire_decode(buf, (size_t)n, m, &why), 0);
	return 0;
}

START_TEST(unknown_traffic_is_dropped)
{
	uint8_t p[512], buf[WIRE_MAX_MSG];
	struct wire_msg m;
	size_t n = binding_request(p, "nobody:x");

	router_input(&S, 0, &client_tuple, (const uint8_t *)"\x16\xfe\xfd", 3);
	router_input(&S, 0, &client_tuple, p, n);
	router_flush(&S);
	ck_assert_uint_eq(S.c.dropped_unrouted, 2);
	ck_assert_int_eq(recv_on(0, &m, buf), -1);
	ck_assert_uint_eq(htab_count(S.flows), 0);
}
END_TEST

START_TEST(offer_ufrag_then_bound_tuple)
{
	uint8_t p[512], buf[WIRE_MAX_MSG];
	struct wire_msg m;
	size_t n = binding_request(p, "offerufrag:remote");
	uint32_t tid;

	ck_assert_int_eq(router_register_ufrag(&S, W[0], "offerufrag"), 0);
	ck_assert_int_eq(router_register_ufrag(&S, W[1], "offerufrag"), -1);   /* taken */
	router_input(&S, 0, &client_tuple, p, n);
	router_flush(&S);
	ck_assert_int_eq(recv_on(0, &m, buf), 0);
	ck_assert_uint_eq(m.type, WIRE_DGRAM_IN);
	ck_assert(addr_equal(&m.u.tuple.remote, &client_tuple.remote));
	ck_assert_uint_eq(m.data_len, n);
	tid = m.tuple_id;
	/* Not bound yet: DTLS from that tuple goes nowhere. */
	router_input(&S, 0, &client_tuple, (const uint8_t *)"\x16\xfe\xfd", 3);
	router_flush(&S);
	ck_assert_int_eq(recv_on(0, &m, buf), -1);
	/* Another worker cannot bind it; a made-up id cannot be bound. */
	ck_assert_int_eq(router_bind(&S, W[1], tid, 0), -1);
	ck_assert_int_eq(router_bind(&S, W[0], tid + 1000, 0), -1);
	ck_assert_int_eq(router_bind(&S, W[0], tid, 1), 0);
	ck_assert_int_eq(recv_on(0, &m, buf), 0);
	ck_assert_uint_eq(m.type, WIRE_TUPLE_ACK);
	/* Bound: any datagram from the tuple now reaches the worker. */
	router_input(&S, 0, &client_tuple, (const uint8_t *)"\x16\xfe\xfd", 3);
	router_flush(&S);
	ck_assert_int_eq(recv_on(0, &m, buf), 0);
	ck_assert_uint_eq(m.type, WIRE_DGRAM_IN);
	ck_assert_uint_eq(m.tuple_id, tid);
	/* The worker's reply goes out to the client over UDP. */
	router_output(&S, W[0], tid, (const uint8_t *)"pong", 4);
	listener_flush(&S);
	usleep(10000);
	ck_assert_int_eq(recv(client, buf, sizeof(buf), 0), 4);
	ck_assert_int_eq(memcmp(buf, "pong", 4), 0);
	/* ICMP errors for that remote are attributed to this worker. */
	router_peer_error(&S, 0, &client_tuple.remote, ECONNREFUSED, 2, 3, 3);
	ck_assert_int_eq(recv_on(0, &m, buf), 0);
	ck_assert_uint_eq(m.type, WIRE_PEER_ERROR);
	ck_assert_int_eq(m.u.peer_error.err, ECONNREFUSED);
	ck_assert_uint_eq(S.c.peer_errors, 1);
	/* Death forgets every flow and the ufrag. */
	router_forget_worker(&S, W[0]);
	ck_assert_uint_eq(htab_count(S.flows), 0);
	ck_assert_ptr_null(htab_get(S.ufrags, "offerufrag", 10));
	ck_assert_int_eq(W[0]->ntuples, 0);
}
END_TEST

START_TEST(send_to_foreign_tuple_kills_sender)
{
	uint8_t p[512], buf[WIRE_MAX_MSG];
	struct wire_msg m;
	size_t n = binding_request(p, "offerufrag:remote");
	int status;

	router_register_ufrag(&S, W[0], "offerufrag");
	router_input(&S, 0, &client_tuple, p, n);
	router_flush(&S);
	ck_assert_int_eq(recv_on(0, &m, buf), 0);
	/* W[1] tries to use W[0]'s tuple: killed, nothing sent. */
	router_output(&S, W[1], m.tuple_id, (const uint8_t *)"x", 1);
	ck_assert_int_eq(W[1]->kill_sent, 1);
	ck_assert_uint_eq(S.c.dropped_forbidden, 1);
	ck_assert_int_eq(waitpid(W[1]->pid, &status, 0), W[1]->pid);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	/* W[0] before binding may not send either. */
	router_output(&S, W[0], m.tuple_id, (const uint8_t *)"x", 1);
	ck_assert_int_eq(W[0]->kill_sent, 1);
}
END_TEST

START_TEST(libp2p_ufrag_takes_pool_worker)
{
	uint8_t p[512], buf[WIRE_MAX_MSG];
	struct wire_msg m;
	const char *u = "libp2p+webrtc+v1/abcdefghijklmnopqrstuvwxyz012345";
	char user[128];
	size_t n;

	snprintf(user, sizeof(user), "%s:%s", u, u);
	n = binding_request(p, user);
	router_input(&S, 0, &client_tuple, p, n);
	router_flush(&S);
	ck_assert_int_eq(S.nidle, 0);
	ck_assert_uint_ne(W[2]->id, 0);
	ck_assert_int_eq(W[2]->state, WS_ASSIGNED);
	ck_assert_int_eq(recv_on(2, &m, buf), 0);
	ck_assert_uint_eq(m.type, WIRE_HELLO);
	ck_assert_uint_eq(m.u.hello.mode, WIRE_MODE_DIRECT);
	ck_assert_int_eq(recv_on(2, &m, buf), 0);
	ck_assert_uint_eq(m.type, WIRE_DGRAM_IN);
	ck_assert_ptr_eq(htab_get(S.ufrags, u, strlen(u)), W[2]);
	/* Same ufrag from a second address: same worker, no new take. */
	client_tuple.remote.port++;
	router_input(&S, 0, &client_tuple, p, n);
	router_flush(&S);
	ck_assert_int_eq(recv_on(2, &m, buf), 0);
	ck_assert_int_eq(W[2]->ntuples, 2);
	/* A different libp2p ufrag finds no idle worker: dropped and counted. */
	user[20] = 'Z';
	router_input(&S, 0, &client_tuple, p, binding_request(p, user));
	ck_assert_uint_eq(S.c.dropped_limit, 1);
	/* Invalid characters are not a libp2p ufrag at all. */
	router_input(&S, 0, &client_tuple, p, binding_request(p, "libp2p+webrtc+v1/a!b:x"));
	ck_assert_uint_eq(S.c.dropped_unrouted, 1);
	router_flush(&S);
}
END_TEST

START_TEST(per_ip_budget)
{
	struct addr ip;
	int allowed = 0;

	addr_parse(&ip, "10.0.0.1:1");
	S.cfg.limits.new_flows_per_ip = 10;
	S.cfg.limits.new_flows_burst = 20;
	for (int i = 0; i < 100; i++)
		allowed += router_ip_allow(&S, &ip, 1000, 1);
	ck_assert_int_eq(allowed, 20);
	/* one second later: ten more */
	allowed = 0;
	for (int i = 0; i < 100; i++)
		allowed += router_ip_allow(&S, &ip, 2000, 1);
	ck_assert_int_eq(allowed, 10);
	/* another source is independent */
	addr_parse(&ip, "10.0.0.2:1");
	ck_assert_int_eq(router_ip_allow(&S, &ip, 2000, 1), 1);
	/* full buckets are forgotten by the sweep */
	router_sweep(&S, 100000);
	ck_assert_uint_eq(htab_count(S.ip_buckets), 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("router");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, unknown_traffic_is_dropped);
	tcase_add_test(tc, offer_ufrag_then_bound_tuple);
	tcase_add_test(tc, send_to_foreign_tuple_kills_sender);
	tcase_add_test(tc, libp2p_ufrag_takes_pool_worker);
	tcase_add_test(tc, per_ip_budget);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
