/* check_cluster: the cluster link with Redis unreachable (a port nobody
 * listens on), on a real libevent loop: it keeps retrying without blocking
 * the loop, counts its attempts, queues exactly cluster.queue messages and
 * drops and counts the rest, reports all of it in the status and metrics,
 * and frees everything; and a cluster that is off is a no-op everywhere. */
#include <jansson.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "supervisor/cluster.h"
#include "supervisor/cstream.h"
#include "supervisor/rooms.h"
#include "supervisor/sup.h"
#include "testutil.h"

void http_offer_answered(struct sup *s, struct worker *w, const char *sdp, size_t len) {}
void http_offer_failed(struct sup *s, struct worker *w, int status, const char *reason) {}
void http_offer_dispatch(struct sup *s) {}
void sup_request_stop(struct sup *s, const char *why) {}
int sup_reload(struct sup *s, char *err, size_t errlen) { return 0; }

static struct sup S;

/* A TCP port on 127.0.0.1 that refuses connections. */
static int
closed_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	port = ntohs(a.sin_port);
	close(fd);
	return port;
}

static void
setup(void)
{
	memset(&S, 0, sizeof(S));
	log_init("test", LOG_LVL_ERROR);
	config_defaults(&S.cfg);
	S.base = event_base_new();
	ck_assert_ptr_nonnull(S.base);
	ck_assert_int_eq(rooms_init(&S), 0);
}

static void
teardown(void)
{
	cluster_free(&S);
	rooms_free(&S);
	event_base_free(S.base);
}

static void
run_loop_ms(int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	event_base_loopexit(S.base, &tv);
	event_base_dispatch(S.base);
}

START_TEST(off_is_a_no_op)
{
	json_t *m = json_array(), *c = json_object();

	ck_assert_int_eq(cluster_init(&S), 0);
	ck_assert_ptr_null(S.cluster);
	cluster_publish(&S, "lobby", 1, (const uint8_t *)"{}", 2, NULL, 0);
	cluster_members_changed(&S, "lobby");
	cluster_joined(&S, "lobby", 1);
	cluster_room_closed(&S, "lobby");
	cluster_add_members(&S, "lobby", m);
	cluster_counters(&S, c);
	ck_assert_uint_eq(json_array_size(m), 0);
	ck_assert_uint_eq(json_object_size(c), 0);
	ck_assert_ptr_null(cluster_status(&S));
	ck_assert_ptr_null(cluster_hosts(&S));
	ck_assert_ptr_null(cluster_node(&S));
	ck_assert_uint_eq(cluster_metrics(&S, NULL, 0), 0);
	json_decref(m);
	json_decref(c);
}
END_TEST

START_TEST(unreachable_queue_then_drop)
{
	json_t *st, *hosts;
	const struct cluster_stats *k;
	char buf[8192];
	uint64_t t0;
	size_t n;

	S.cfg.cluster.enabled = 1;
	snprintf(S.cfg.cluster.redis, sizeof(S.cfg.cluster.redis), "127.0.0.1:%d", closed_port());
	strcpy(S.cfg.cluster.node, "unit");
	S.cfg.cluster.queue = 3;
	ck_assert_int_eq(cluster_init(&S), 0);
	ck_assert_ptr_nonnull(S.cluster);
	ck_assert_str_eq(cluster_node(&S), "unit");
	t0 = now_ms();
	run_loop_ms(1500);
	ck_assert_uint_lt(now_ms() - t0, 2500);   /* the loop was never blocked */
	k = cluster_get_stats(&S);
	ck_assert_uint_eq(k->connects, 0);
	for (int i = 0; i < 5; i++) {
		char msg[64];
		snprintf(msg, sizeof(msg), "{\"type\":\"msg\",\"text\":\"%d\"}", i);
		cluster_publish(&S, "lobby", 7, (const uint8_t *)msg, strlen(msg), (const uint8_t *)"g", 1);
	}
	ck_assert_uint_eq(k->dropped, 2);
	st = cluster_status(&S);
	ck_assert_ptr_nonnull(st);
	ck_assert_str_ne(json_string_value(json_object_get(st, "state")), "up");
	ck_assert_int_eq(json_integer_value(json_object_get(st, "queued")), 3);
	ck_assert_int_gt(strlen(json_string_value(json_object_get(st, "last_error"))), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(st, "counters"), "dropped")), 2);
	json_decref(st);
	/* too large for the cluster: dropped and counted, never truncated */
	{
		static uint8_t big[CSTREAM_MAX_JSON + 1];
		cluster_publish(&S, "lobby", 7, big, sizeof(big), NULL, 0);
		ck_assert_uint_eq(k->dropped, 3);
	}
	n = cluster_metrics(&S, buf, sizeof(buf));
	ck_assert_uint_lt(n, sizeof(buf));
	ck_assert_ptr_nonnull(strstr(buf, "rtcd_cluster_up 0\n"));
	ck_assert_ptr_nonnull(strstr(buf, "rtcd_cluster_queued 3\n"));
	ck_assert_ptr_nonnull(strstr(buf, "rtcd_cluster_messages_total{event=\"dropped\"} 3\n"));
	ck_assert_uint_eq(cluster_metrics(&S, buf, 10), n);   /* truncation reports the need */
	hosts = cluster_hosts(&S);   /* not connected: this host alone */
	ck_assert_uint_eq(json_array_size(hosts), 1);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(hosts, 0), "node")), "unit");
	json_decref(hosts);
}
END_TEST

START_TEST(queue_zero_drops_everything_while_down)
{
	S.cfg.cluster.enabled = 1;
	snprintf(S.cfg.cluster.redis, sizeof(S.cfg.cluster.redis), "127.0.0.1:%d", closed_port());
	strcpy(S.cfg.cluster.node, "unit");
	S.cfg.cluster.queue = 0;
	ck_assert_int_eq(cluster_init(&S), 0);
	run_loop_ms(300);
	cluster_publish(&S, "lobby", 7, (const uint8_t *)"{}", 2, NULL, 0);
	ck_assert_uint_eq(cluster_get_stats(&S)->dropped, 1);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("cluster");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, off_is_a_no_op);
	tcase_add_test(tc, unreachable_queue_then_drop);
	tcase_add_test(tc, queue_zero_drops_everything_while_down);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
