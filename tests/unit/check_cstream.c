/* check_cstream: the pure parts of the cluster link: stream ids (parse,
 * order, round trip, overflow), boot ids that sort by time, member keys,
 * entry decoding against limits (every missing field, garbage, truncation),
 * per-origin de-duplication (duplicates, out of order, a restarted node,
 * the bounded table), the history selection rule, and the JSON a remote
 * message is delivered as. */
#include <inttypes.h>

#include "supervisor/cstream.h"
#include "testutil.h"

#define B1 "0001a2b3c4d5e6f7"
#define B2 "0001a2b3c4d5e6f8"

static struct cstream_id
id_of(const char *s)
{
	struct cstream_id id;

	ck_assert_int_eq(cstream_id_parse(s, strlen(s), &id), 0);
	return id;
}

START_TEST(stream_ids)
{
	struct cstream_id a, b;
	char out[CSTREAM_ID_STRLEN];
	static const char *bad[] = { "", "-", "1", "1-", "-1", "a-1", "1-b", "1-2-3", "+1-2", "1- 2",
		"18446744073709551616-0", "0-18446744073709551616", "123456789012345678901-0" };

	a = id_of("1526919030474-55");
	ck_assert_uint_eq(a.ms, 1526919030474ULL);
	ck_assert_uint_eq(a.seq, 55);
	ck_assert_str_eq(cstream_id_format(&a, out), "1526919030474-55");
	b = id_of("18446744073709551615-18446744073709551615");
	ck_assert_uint_eq(b.ms, UINT64_MAX);
	ck_assert_str_eq(cstream_id_format(&b, out), "18446744073709551615-18446744073709551615");
	ck_assert_int_lt(cstream_id_cmp(&a, &b), 0);
	ck_assert_int_gt(cstream_id_cmp(&b, &a), 0);
	ck_assert_int_eq(cstream_id_cmp(&a, &a), 0);
	b = id_of("1526919030474-56");
	ck_assert_int_lt(cstream_id_cmp(&a, &b), 0);   /* same ms: by sequence */
	b = id_of("1526919030475-0");
	ck_assert_int_lt(cstream_id_cmp(&a, &b), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(cstream_id_parse(bad[i], strlen(bad[i]), &a) < 0, "accepted \"%s\"", bad[i]);
	/* the length given is what counts, not a NUL */
	ck_assert_int_eq(cstream_id_parse("5-6789", 3, &a), 0);
	ck_assert_uint_eq(a.seq, 6);
}
END_TEST

START_TEST(boot_ids_sort_by_time)
{
	char a[CSTREAM_BOOT_LEN + 1], b[CSTREAM_BOOT_LEN + 1];

	cstream_boot_id(1700000000000ULL, 0xffff, a);
	cstream_boot_id(1700000000001ULL, 0x0000, b);
	ck_assert_uint_eq(strlen(a), CSTREAM_BOOT_LEN);
	ck_assert_int_lt(strcmp(a, b), 0);
	ck_assert(cstream_valid_boot(a, strlen(a)));
	ck_assert(!cstream_valid_boot("0001A2B3C4D5E6F7", 16));   /* lower case only */
	ck_assert(!cstream_valid_boot(B1, 15));
	ck_assert(!cstream_valid_boot("0001a2b3c4d5e6fg", 16));
}
END_TEST

START_TEST(member_keys)
{
	char key[CSTREAM_MEMBER_KEY_MAX + 1], node[CONFIG_NODE_MAX + 1], boot[CSTREAM_BOOT_LEN + 1];
	uint32_t conn;
	static const char *bad[] = { "", "a", "a/" B1, "a/" B1 "/", "a/" B1 "/0", "a/" B1 "/x",
		"/" B1 "/1", "a b/" B1 "/1", "a/" B1 "x/1", "a/" B1 "/4294967296", "a/" B1 "/1/2",
		"a:x/" B1 "/1" };

	ck_assert_int_gt(cstream_member_key("host-1.example", B1, 4294967295u, key, sizeof(key)), 0);
	ck_assert_str_eq(key, "host-1.example/" B1 "/4294967295");
	ck_assert_int_eq(cstream_member_key_parse(key, strlen(key), node, boot, &conn), 0);
	ck_assert_str_eq(node, "host-1.example");
	ck_assert_str_eq(boot, B1);
	ck_assert_uint_eq(conn, 4294967295u);
	ck_assert_int_lt(cstream_member_key("a", B1, 1, key, 8), 0);   /* does not fit */
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(cstream_member_key_parse(bad[i], strlen(bad[i]), node, boot, &conn) < 0,
		    "accepted \"%s\"", bad[i]);
}
END_TEST

#define KV(k, v) { (const uint8_t *)(k), sizeof(k) - 1 }, { (const uint8_t *)(v), sizeof(v) - 1 }

static const struct cstream_bytes msg_kv[] = {
	KV("o", "a"), KV("b", B1), KV("s", "7"), KV("c", "12"),
	KV("j", "{\"type\":\"msg\",\"room\":\"lobby\",\"from\":\"ann\",\"text\":\"hi\",\"ts\":1,\"conn\":12}"),
	KV("g", "\x0a\x02\x00\x01"), KV("x", "unknown fields are ignored"),
};

static const struct cstream_bytes pres_kv[] = {
	KV("o", "b"), KV("b", B2), KV("e", "join"), KV("f", "b/" B2 "/3"),
	KV("w", "{\"name\":\"bo\",\"conn\":3,\"node\":\"b\"}"),
};

START_TEST(entries_decode)
{
	struct cstream_id id = { 10, 2 };
	struct cstream_entry e;
	const char *why = NULL;
	json_t *info;

	ck_assert_int_eq(cstream_entry_decode(CSTREAM_MSG, &id, msg_kv, 14, &e, &why), 0);
	ck_assert_str_eq(e.origin, "a");
	ck_assert_str_eq(e.boot, B1);
	ck_assert_uint_eq(e.seq, 7);
	ck_assert_uint_eq(e.conn, 12);
	ck_assert_uint_eq(e.gossip.len, 4);
	ck_assert_uint_eq(e.id.ms, 10);
	ck_assert_int_eq(cstream_entry_decode(CSTREAM_PRESENCE, &id, pres_kv, 10, &e, &why), 0);
	ck_assert_str_eq(e.event, "join");
	ck_assert_str_eq(e.member, "b/" B2 "/3");
	info = cstream_member_info(&e);
	ck_assert_ptr_nonnull(info);
	ck_assert_str_eq(json_string_value(json_object_get(info, "name")), "bo");
	json_decref(info);
	/* the gossip blob is optional */
	ck_assert_int_eq(cstream_entry_decode(CSTREAM_MSG, &id, msg_kv, 10, &e, &why), 0);
	ck_assert_uint_eq(e.gossip.len, 0);
	/* a presence entry is not a message, and the reverse */
	ck_assert_int_lt(cstream_entry_decode(CSTREAM_MSG, &id, pres_kv, 10, &e, &why), 0);
	ck_assert_int_lt(cstream_entry_decode(CSTREAM_PRESENCE, &id, msg_kv, 14, &e, &why), 0);
	ck_assert_int_lt(cstream_entry_decode(CSTREAM_MSG, &id, msg_kv, 13, &e, &why), 0);   /* odd */
}
END_TEST

/* Each required field missing in turn fails; so does each bad value. */
START_TEST(entries_refused)
{
	struct cstream_id id = { 1, 1 };
	struct cstream_entry e;
	const char *why;
	struct cstream_bytes kv[14];
	static uint8_t big[CSTREAM_MAX_JSON + 1], gbig[WIRE_MAX_GOSSIP + 1];
	static const struct { int field; const char *v; } badv[] = {
		{ 1, "" }, { 1, "a b" }, { 1, "a/b" }, { 1, "a:b" },
		{ 3, "0123456789abcde" }, { 3, B1 "0" }, { 3, "0001A2B3C4D5E6F7" },
		{ 5, "0" }, { 5, "-1" }, { 5, "" }, { 5, "99999999999999999999999" },
		{ 7, "4294967296" }, { 7, "x" }, { 9, "" },
	};

	for (size_t skip = 0; skip < 5; skip++) {
		size_t n = 0;
		for (size_t i = 0; i < 12; i += 2)
			if (i / 2 != skip) {
				kv[n++] = msg_kv[i];
				kv[n++] = msg_kv[i + 1];
			}
		ck_assert_msg(cstream_entry_decode(CSTREAM_MSG, &id, kv, n, &e, &why) < 0,
		    "message without field %zu accepted", skip);
	}
	for (size_t skip = 0; skip < 5; skip++) {
		size_t n = 0;
		for (size_t i = 0; i < 10; i += 2)
			if (i / 2 != skip) {
				kv[n++] = pres_kv[i];
				kv[n++] = pres_kv[i + 1];
			}
		ck_assert_msg(cstream_entry_decode(CSTREAM_PRESENCE, &id, kv, n, &e, &why) < 0,
		    "presence without field %zu accepted", skip);
	}
	for (size_t i = 0; i < sizeof(badv) / sizeof(badv[0]); i++) {
		memcpy(kv, msg_kv, sizeof(msg_kv[0]) * 12);
		kv[badv[i].field].p = (const uint8_t *)badv[i].v;
		kv[badv[i].field].len = strlen(badv[i].v);
		ck_assert_msg(cstream_entry_decode(CSTREAM_MSG, &id, kv, 12, &e, &why) < 0,
		    "field %d = \"%s\" accepted", badv[i].field, badv[i].v);
	}
	memcpy(kv, msg_kv, sizeof(msg_kv[0]) * 12);
	kv[9] = (struct cstream_bytes){ big, sizeof(big) };
	ck_assert_int_lt(cstream_entry_decode(CSTREAM_MSG, &id, kv, 12, &e, &why), 0);
	kv[9] = msg_kv[9];
	kv[11] = (struct cstream_bytes){ gbig, sizeof(gbig) };
	ck_assert_int_lt(cstream_entry_decode(CSTREAM_MSG, &id, kv, 12, &e, &why), 0);
	/* presence: unknown event, bad member key, empty info */
	memcpy(kv, pres_kv, sizeof(pres_kv));
	kv[5] = (struct cstream_bytes){ (const uint8_t *)"quit", 4 };
	ck_assert_int_lt(cstream_entry_decode(CSTREAM_PRESENCE, &id, kv, 10, &e, &why), 0);
	memcpy(kv, pres_kv, sizeof(pres_kv));
	kv[7] = (struct cstream_bytes){ (const uint8_t *)"b/3", 3 };
	ck_assert_int_lt(cstream_entry_decode(CSTREAM_PRESENCE, &id, kv, 10, &e, &why), 0);
	memcpy(kv, pres_kv, sizeof(pres_kv));
	kv[9] = (struct cstream_bytes){ (const uint8_t *)"", 0 };
	ck_assert_int_lt(cstream_entry_decode(CSTREAM_PRESENCE, &id, kv, 10, &e, &why), 0);
}
END_TEST

/* Truncate and corrupt every field value byte by byte: never a crash, and a
 * value with a NUL inside is never taken as text. */
START_TEST(entries_garbage)
{
	struct cstream_id id = { 1, 1 };
	struct cstream_entry e;
	const char *why;
	struct cstream_bytes kv[14];
	uint8_t buf[14][256];

	for (size_t f = 1; f < 12; f += 2) {
		for (size_t cut = 0; cut <= msg_kv[f].len; cut++) {
			memcpy(kv, msg_kv, sizeof(msg_kv[0]) * 12);
			kv[f].len = cut;
			(void)cstream_entry_decode(CSTREAM_MSG, &id, kv, 12, &e, &why);
		}
		for (size_t pos = 0; pos < msg_kv[f].len; pos++) {
			for (int v = 0; v < 256; v += 17) {
				memcpy(kv, msg_kv, sizeof(msg_kv[0]) * 12);
				memcpy(buf[f], msg_kv[f].p, msg_kv[f].len);
				buf[f][pos] = (uint8_t)v;
				kv[f].p = buf[f];
				(void)cstream_entry_decode(CSTREAM_MSG, &id, kv, 12, &e, &why);
				if (v == 0 && (f == 1 || f == 3))
					ck_assert_int_lt(cstream_entry_decode(CSTREAM_MSG, &id, kv, 12, &e, &why), 0);
			}
		}
	}
}
END_TEST

START_TEST(dedup_per_origin)
{
	static struct cstream_dedup d;
	char node[16];

	cstream_dedup_init(&d);
	ck_assert_int_eq(cstream_dedup_check(&d, "a", B1, 1), 1);
	ck_assert_int_eq(cstream_dedup_check(&d, "a", B1, 1), 0);   /* duplicate */
	ck_assert_int_eq(cstream_dedup_check(&d, "a", B1, 3), 1);   /* gaps are fine */
	ck_assert_int_eq(cstream_dedup_check(&d, "a", B1, 2), 0);   /* out of order */
	ck_assert_int_eq(cstream_dedup_check(&d, "b", B1, 1), 1);   /* other origins apart */
	ck_assert_int_eq(cstream_dedup_check(&d, "a", B2, 1), 1);   /* a restarted node starts over */
	ck_assert_int_eq(cstream_dedup_check(&d, "a", B2, 1), 0);
	/* bounded: past the table size, old origins are forgotten, never an error */
	for (int i = 0; i < 3 * CSTREAM_MAX_ORIGINS; i++) {
		snprintf(node, sizeof(node), "n%d", i);
		ck_assert_int_eq(cstream_dedup_check(&d, node, B1, 5), 1);
		ck_assert_int_eq(cstream_dedup_check(&d, node, B1, 5), 0);
	}
	ck_assert_int_le(d.n, CSTREAM_MAX_ORIGINS);
}
END_TEST

static struct cstream_entry
entry(const char *origin, const char *boot, uint64_t seq, const char *id)
{
	struct cstream_entry e;

	memset(&e, 0, sizeof(e));
	snprintf(e.origin, sizeof(e.origin), "%s", origin);
	snprintf(e.boot, sizeof(e.boot), "%s", boot);
	e.seq = seq;
	e.id = id_of(id);
	return e;
}

START_TEST(history_selection)
{
	struct cstream_history h = { "a", B2, 10, { 100, 5 } };
	struct cstream_entry e;

	/* another host's: up to the boundary (after it: delivered live) */
	e = entry("b", B1, 99, "100-5");
	ck_assert(cstream_history_wants(&h, &e));
	e = entry("b", B1, 99, "100-6");
	ck_assert(!cstream_history_wants(&h, &e));
	e = entry("b", B1, 1, "99-0");
	ck_assert(cstream_history_wants(&h, &e));
	/* ours, this run: by our sequence, whatever the id */
	e = entry("a", B2, 9, "500-0");
	ck_assert(cstream_history_wants(&h, &e));
	e = entry("a", B2, 10, "1-0");
	ck_assert(!cstream_history_wants(&h, &e));
	/* ours, an earlier run: always history */
	e = entry("a", B1, 500, "101-0");
	ck_assert(cstream_history_wants(&h, &e));
}
END_TEST

START_TEST(delivery_json)
{
	struct cstream_id id = { 1, 1 };
	struct cstream_entry e;
	const char *why;
	char *s;
	size_t len = 0;
	json_t *j;
	json_error_t je;
	struct cstream_bytes kv[12];
	static const char *bad[] = { "[]", "\"msg\"", "{\"type\":\"presence\"}", "{\"text\":\"x\"}",
		"{\"type\":\"msg\",\"type\":\"msg\"}", "{\"type\":\"msg\"", "\xff" };

	ck_assert_int_eq(cstream_entry_decode(CSTREAM_MSG, &id, msg_kv, 12, &e, &why), 0);
	s = cstream_delivery_json(&e, 0, &len);
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(len, strlen(s));
	j = json_loads(s, 0, &je);
	ck_assert_str_eq(json_string_value(json_object_get(j, "node")), "a");
	ck_assert_str_eq(json_string_value(json_object_get(j, "text")), "hi");
	ck_assert_ptr_null(json_object_get(j, "history"));
	json_decref(j);
	free(s);
	s = cstream_delivery_json(&e, 1, &len);
	j = json_loads(s, 0, &je);
	ck_assert(json_is_true(json_object_get(j, "history")));
	json_decref(j);
	free(s);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memcpy(kv, msg_kv, sizeof(kv));
		kv[9] = (struct cstream_bytes){ (const uint8_t *)bad[i], strlen(bad[i]) };
		ck_assert_int_eq(cstream_entry_decode(CSTREAM_MSG, &id, kv, 12, &e, &why), 0);
		ck_assert_msg(cstream_delivery_json(&e, 0, &len) == NULL, "delivered %s", bad[i]);
	}
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("cstream");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, stream_ids);
	tcase_add_test(tc, boot_ids_sort_by_time);
	tcase_add_test(tc, member_keys);
	tcase_add_test(tc, entries_decode);
	tcase_add_test(tc, entries_refused);
	tcase_add_test(tc, entries_garbage);
	tcase_add_test(tc, dedup_per_origin);
	tcase_add_test(tc, history_selection);
	tcase_add_test(tc, delivery_json);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
