/* check_rooms: the chat broker with fake workers on real socketpairs:
 * presence on join/leave (connection ids set by the supervisor), fan-out to
 * every other member in publish order, refusals (non-member, bad name, size,
 * rate, room limits), loss counted and reported when a member's channel is
 * full without delaying the others, clean-up when a worker ends. */
#include <jansson.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/log.h"
#include "supervisor/rooms.h"
#include "supervisor/sup.h"
#include "testutil.h"

void http_offer_answered(struct sup *s, struct worker *w, const char *sdp, size_t len) {}
void http_offer_failed(struct sup *s, struct worker *w, int status, const char *reason) {}
void http_offer_dispatch(struct sup *s) {}
void sup_request_stop(struct sup *s, const char *why) {}
int sup_reload(struct sup *s, char *err, size_t errlen) { return 0; }

#define NW 4
static struct sup S;
static struct worker W[NW];
static int peer[NW];

static void
setup(void)
{
	memset(&S, 0, sizeof(S));
	log_init("test", LOG_LVL_ERROR);
	config_defaults(&S.cfg);
	ck_assert_int_eq(rooms_init(&S), 0);
	for (int i = 0; i < NW; i++) {
		int sv[2];
		memset(&W[i], 0, sizeof(W[i]));
		ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, sv), 0);
		W[i].sup = &S;
		W[i].fd = sv[0];
		W[i].id = (uint32_t)(10 + i);
		W[i].state = WS_CONNECTED;
		peer[i] = sv[1];
	}
}

static void
teardown(void)
{
	rooms_free(&S);
	for (int i = 0; i < NW; i++) {
		close(W[i].fd);
		close(peer[i]);
	}
}

/* Next ROOM_DELIVER for worker i, or -1. */
static int
next(int i, struct wire_msg *m, char *text, size_t cap)
{
	static uint8_t buf[WIRE_MAX_MSG];
	const char *why;
	ssize_t n = wire_recv(peer[i], buf, sizeof(buf));

	if (n <= 0)
		return -1;
	ck_assert_int_eq(wire_decode(buf, (size_t)n, m, &why), 0);
	ck_assert_uint_eq(m->type, WIRE_ROOM_DELIVER);
	ck_assert_uint_lt(m->data_len, cap);
	memcpy(text, m->data, m->data_len);
	text[m->data_len] = '\0';
	return 0;
}

static void
drain(int i)
{
	struct wire_msg m;
	char t[WIRE_MAX_BLOB + 1];

	while (next(i, &m, t, sizeof(t)) == 0)
		;
}

/* Without a gossip blob and without an identity: chat JSON only. */
static int
rooms_publish_t(struct sup *s, struct worker *w, const char *room, const uint8_t *msg, size_t len,
    const char **why)
{
	return rooms_publish(s, w, room, msg, len, NULL, 0, why);
}

static int
join(int i, const char *room, const char *info)
{
	const char *why;
	return rooms_join(&S, &W[i], room, (const uint8_t *)info, strlen(info), &why);
}

START_TEST(presence_on_join_and_leave)
{
	struct wire_msg m;
	char t[4096];
	json_t *j;
	const char *why;

	ck_assert_int_eq(join(0, "lobby", "{\"name\":\"alice\",\"conn\":999}"), 0);
	ck_assert_int_eq(next(0, &m, t, sizeof(t)), 0);
	ck_assert_uint_eq(m.u.deliver.from_conn, 0);
	j = json_loads(t, 0, NULL);
	ck_assert_str_eq(json_string_value(json_object_get(j, "type")), "presence");
	ck_assert_str_eq(json_string_value(json_object_get(j, "event")), "join");
	/* the worker's own "conn" claim is overwritten by the supervisor */
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(j, "who"), "conn")), 10);
	ck_assert_uint_eq(json_array_size(json_object_get(j, "members")), 1);
	json_decref(j);
	ck_assert_int_eq(join(1, "lobby", "{\"name\":\"bob\"}"), 0);
	ck_assert_int_eq(next(0, &m, t, sizeof(t)), 0);   /* alice sees bob arrive */
	j = json_loads(t, 0, NULL);
	ck_assert_uint_eq(json_array_size(json_object_get(j, "members")), 2);
	json_decref(j);
	drain(1);
	ck_assert_int_eq(rooms_leave(&S, &W[1], "lobby", &why), 0);
	ck_assert_int_eq(next(0, &m, t, sizeof(t)), 0);
	ck_assert_ptr_nonnull(strstr(t, "\"event\":\"leave\""));
	ck_assert_int_eq(rooms_leave(&S, &W[1], "lobby", &why), -1);
	/* the last member leaving deletes the room */
	rooms_leave_all(&S, &W[0]);
	j = rooms_list(&S);
	ck_assert_uint_eq(json_array_size(j), 0);
	json_decref(j);
}
END_TEST

START_TEST(fan_out_in_order_to_others_only)
{
	struct wire_msg m;
	char t[4096], msg[64];
	const char *why;

	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(join(i, "r1", "{}"), 0);
	for (int i = 0; i < 3; i++)
		drain(i);
	for (int k = 0; k < 200; k++) {
		snprintf(msg, sizeof(msg), "m%d", k);
		ck_assert_int_eq(rooms_publish_t(&S, &W[k % 2], "r1", (const uint8_t *)msg, strlen(msg), &why), 0);
	}
	/* worker 2 receives all 200 in publish order, with their publishers */
	for (int k = 0; k < 200; k++) {
		ck_assert_int_eq(next(2, &m, t, sizeof(t)), 0);
		snprintf(msg, sizeof(msg), "m%d", k);
		ck_assert_str_eq(t, msg);
		ck_assert_uint_eq(m.u.deliver.from_conn, W[k % 2].id);
		ck_assert_str_eq(m.u.deliver.room, "r1");
	}
	/* publishers do not get their own messages back */
	for (int k = 1; k < 200; k += 2) {
		ck_assert_int_eq(next(0, &m, t, sizeof(t)), 0);
		ck_assert_uint_eq(m.u.deliver.from_conn, W[1].id);
	}
	ck_assert_int_eq(next(0, &m, t, sizeof(t)), -1);
	/* a non-member cannot publish */
	ck_assert_int_eq(rooms_publish_t(&S, &W[3], "r1", (const uint8_t *)"x", 1, &why), -1);
}
END_TEST

START_TEST(refusals_and_limits)
{
	const char *why;
	char big[40000];

	ck_assert_int_eq(join(0, "bad name", "{}"), -1);
	ck_assert_int_eq(join(0, "", "{}"), -1);
	ck_assert_int_eq(join(0, "ok", "[1]"), -1);
	ck_assert_int_eq(join(0, "ok", "{"), -1);
	ck_assert_int_eq(join(0, "ok", "{}"), 0);
	memset(big, 'x', sizeof(big));
	ck_assert_int_eq(rooms_publish_t(&S, &W[0], "ok", (const uint8_t *)big,
	    (size_t)S.cfg.limits.room_msg_bytes + 1, &why), -1);
	ck_assert_int_eq(rooms_publish_t(&S, &W[0], "ok", (const uint8_t *)big, 0, &why), -1);
	/* rate: the burst passes, then refusals */
	S.cfg.limits.room_burst = 10;
	S.cfg.limits.room_msgs_per_s = 1;
	W[0].room_refill_ms = 0;
	{
		int ok = 0;
		for (int k = 0; k < 50; k++)
			ok += rooms_publish_t(&S, &W[0], "ok", (const uint8_t *)"hi", 2, &why) == 0;
		ck_assert_int_le(ok, 11);
		ck_assert_int_ge(ok, 10);
	}
	/* per-connection and global room limits */
	S.cfg.limits.rooms_per_conn = 2;
	ck_assert_int_eq(join(0, "second", "{}"), 0);
	ck_assert_int_eq(join(0, "third", "{}"), -1);
	S.cfg.limits.max_rooms = 2;
	ck_assert_int_eq(join(1, "fourth", "{}"), -1);
	ck_assert_int_eq(join(1, "ok", "{}"), 0);   /* existing room still joinable */
}
END_TEST

START_TEST(slow_member_loses_and_is_told)
{
	struct wire_msg m;
	char t[WIRE_MAX_BLOB + 1], msg[100];
	const char *why;
	int small = 4096, lost_seen = 0, got2 = 0;

	setsockopt(W[1].fd, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(join(i, "busy", "{}"), 0);
	for (int i = 0; i < 3; i++)
		drain(i);
	memset(msg, 'a', sizeof(msg));
	S.cfg.limits.room_burst = 100000;
	for (int k = 0; k < 100; k++)
		ck_assert_int_eq(rooms_publish_t(&S, &W[0], "busy", (const uint8_t *)msg, sizeof(msg), &why), 0);
	/* the fast member got everything, the slow one lost some */
	while (next(2, &m, t, sizeof(t)) == 0)
		got2++;
	ck_assert_int_eq(got2, 100);
	ck_assert_uint_gt(W[1].room_lost, 0);
	drain(1);
	ck_assert_int_eq(rooms_publish_t(&S, &W[0], "busy", (const uint8_t *)"z", 1, &why), 0);
	while (next(1, &m, t, sizeof(t)) == 0)
		lost_seen = (int)m.u.deliver.lost;
	ck_assert_int_eq(lost_seen, (int)W[1].room_lost);
	ck_assert_uint_gt(S.c.room_lost, 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("rooms");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, presence_on_join_and_leave);
	tcase_add_test(tc, fan_out_in_order_to_others_only);
	tcase_add_test(tc, refusals_and_limits);
	tcase_add_test(tc, slow_member_loses_and_is_told);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
