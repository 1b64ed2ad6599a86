/* check_gossip: the worker's gossipsub router with a fake host: a
 * subscription joins the room and is mirrored; a StrictSign message
 * (Ed25519, signed here with OpenSSL) is published to the room as chat JSON
 * with its original bytes; bad signatures, wrong topics and duplicates are
 * dropped; JSON and plain-text data; RPCs split anywhere; deliveries become
 * RPCs; garbage never crashes. */
#include <jansson.h>
#include <openssl/evp.h>

#include "common/multiformats.h"
#include "common/pubsub.h"
#include "worker/p2p/gossip.h"
#include "worker/p2p/pb.h"
#include "testutil.h"

static char joined[64], left[64], pub_room[64], pub_json[8192];
static uint8_t pub_gossip[8192], sent[65536];
static size_t pub_glen, sent_len;
static int njoin, npub, nsent;

static void h_join(void *a, const char *room, const char *info) { snprintf(joined, sizeof(joined), "%s", room); njoin++; }
static void h_leave(void *a, const char *room) { snprintf(left, sizeof(left), "%s", room); }
static void
h_pub(void *a, const char *room, const uint8_t *j, size_t n, const uint8_t *g, size_t gn)
{
	snprintf(pub_room, sizeof(pub_room), "%s", room);
	snprintf(pub_json, sizeof(pub_json), "%.*s", (int)n, (const char *)j);
	memcpy(pub_gossip, g, gn);
	pub_glen = gn;
	npub++;
}
static void
h_send(void *a, const uint8_t *p, size_t n)
{
	if (sent_len + n <= sizeof(sent)) {
		memcpy(sent + sent_len, p, n);
		sent_len += n;
	}
	nsent++;
}

static struct gossip *
mk(void)
{
	struct gossip_host h;

	memset(&h, 0, sizeof(h));
	h.conn_id = 7;
	strcpy(h.peer_id, "12D3KooWTestPeerAbcdefgh");
	h.room_join = h_join;
	h.room_leave = h_leave;
	h.room_publish = h_pub;
	h.send_rpc = h_send;
	njoin = npub = nsent = 0;
	sent_len = 0;
	return gossip_new(&h);
}

/* uvarint(len) || RPC{field: body} */
static size_t
rpc1(uint8_t *out, size_t cap, unsigned field, const uint8_t *body, size_t n)
{
	uint8_t tmp[16384];
	struct wr w, w2;

	wr_init(&w, tmp, sizeof(tmp));
	pb_wr_bytes_field(&w, field, body, n);
	wr_init(&w2, out, cap);
	pb_wr_varint(&w2, w.len);
	wr_bytes(&w2, tmp, w.len);
	return w2.len;
}

static size_t
subscribe_rpc(uint8_t *out, size_t cap, const char *topic, int sub)
{
	uint8_t so[128];
	struct wr w;

	wr_init(&w, so, sizeof(so));
	pb_wr_varint_field(&w, 1, (uint64_t)sub);
	pb_wr_string_field(&w, 2, topic);
	return rpc1(out, cap, 1, so, w.len);
}

static EVP_PKEY *key;
static uint8_t from[38];

/* A signed Message: from our test key, seqno s, topic, data. */
static size_t
signed_msg(uint8_t *out, size_t cap, uint64_t s, const char *topic, const char *data, int corrupt)
{
	uint8_t seq[8], input[4096], sig[64];
	size_t siglen = 64;
	struct pubsub_msg m;
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	int n;

	for (int i = 0; i < 8; i++)
		seq[i] = (uint8_t)(s >> (56 - 8 * i));
	memset(&m, 0, sizeof(m));
	m.from = (struct pubsub_bytes){ from, sizeof(from), 1 };
	m.data = (struct pubsub_bytes){ (const uint8_t *)data, strlen(data), 1 };
	m.seqno = (struct pubsub_bytes){ seq, 8, 1 };
	m.topic = (struct pubsub_bytes){ (const uint8_t *)topic, strlen(topic), 1 };
	n = pubsub_sign_input(&m, input, sizeof(input));
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(EVP_DigestSignInit(c, NULL, NULL, NULL, key), 1);
	ck_assert_int_eq(EVP_DigestSign(c, sig, &siglen, input, (size_t)n), 1);
	EVP_MD_CTX_free(c);
	if (corrupt)
		sig[5] ^= 1;
	m.signature = (struct pubsub_bytes){ sig, 64, 1 };
	n = pubsub_msg_encode(&m, 1, out, cap);
	ck_assert_int_gt(n, 0);
	return (size_t)n;
}

static void
setup(void)
{
	uint8_t pub[32];
	size_t pl = 32;
	struct mf_peerid id;

	key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	ck_assert_ptr_nonnull(key);
	EVP_PKEY_get_raw_public_key(key, pub, &pl);
	ck_assert_int_eq(mf_peerid_from_ed25519(pub, &id), 0);
	ck_assert_uint_eq(id.len, sizeof(from));
	memcpy(from, id.b, sizeof(from));
}

static void
teardown(void)
{
	EVP_PKEY_free(key);
}

START_TEST(subscribe_publish_deliver)
{
	struct gossip *g = mk();
	uint8_t rpc[8192], msg[4096];
	size_t n, mn;
	json_t *j;

	n = subscribe_rpc(rpc, sizeof(rpc), "rtcd/lobby", 1);
	ck_assert_int_eq(gossip_input(g, rpc, n, 1000), 0);
	ck_assert_int_eq(njoin, 1);
	ck_assert_str_eq(joined, "lobby");
	ck_assert_int_ge(nsent, 1);   /* our mirrored subscription + graft */
	/* JSON chat message */
	mn = signed_msg(msg, sizeof(msg), 1, "rtcd/lobby",
	    "{\"type\":\"msg\",\"room\":\"lobby\",\"from\":\"alice\",\"text\":\"hi\",\"ts\":5}", 0);
	n = rpc1(rpc, sizeof(rpc), 2, msg, mn);
	ck_assert_int_eq(gossip_input(g, rpc, n, 1000), 0);
	ck_assert_int_eq(npub, 1);
	ck_assert_str_eq(pub_room, "lobby");
	ck_assert_uint_eq(pub_glen, mn);
	ck_assert_int_eq(memcmp(pub_gossip, msg, mn), 0);   /* forwarded verbatim */
	j = json_loads(pub_json, 0, NULL);
	ck_assert_str_eq(json_string_value(json_object_get(j, "text")), "hi");
	ck_assert_str_eq(json_string_value(json_object_get(j, "from")), "alice");
	ck_assert_int_eq(json_integer_value(json_object_get(j, "conn")), 7);
	json_decref(j);
	/* the same message again: duplicate */
	ck_assert_int_eq(gossip_input(g, rpc, n, 1000), 0);
	ck_assert_int_eq(npub, 1);
	ck_assert_uint_eq(gossip_get_stats(g)->dup, 1);
	/* plain text data */
	mn = signed_msg(msg, sizeof(msg), 2, "rtcd/lobby", "plain words", 0);
	n = rpc1(rpc, sizeof(rpc), 2, msg, mn);
	ck_assert_int_eq(gossip_input(g, rpc, n, 1000), 0);
	ck_assert_int_eq(npub, 2);
	j = json_loads(pub_json, 0, NULL);
	ck_assert_str_eq(json_string_value(json_object_get(j, "text")), "plain words");
	json_decref(j);
	/* a delivery for the subscribed topic becomes an RPC to the peer */
	nsent = 0;
	gossip_deliver(g, "lobby", msg, mn);
	ck_assert_int_eq(nsent, 1);
	gossip_deliver(g, "other", msg, mn);   /* not subscribed: nothing */
	ck_assert_int_eq(nsent, 1);
	gossip_free(g);
}
END_TEST

START_TEST(bad_messages_dropped)
{
	struct gossip *g = mk();
	uint8_t rpc[8192], msg[4096];
	size_t n, mn;

	n = subscribe_rpc(rpc, sizeof(rpc), "rtcd/lobby", 1);
	gossip_input(g, rpc, n, 1000);
	mn = signed_msg(msg, sizeof(msg), 1, "rtcd/lobby", "x", 1);   /* bad signature */
	n = rpc1(rpc, sizeof(rpc), 2, msg, mn);
	ck_assert_int_eq(gossip_input(g, rpc, n, 1000), 0);
	mn = signed_msg(msg, sizeof(msg), 2, "rtcd/other", "x", 0);   /* not subscribed */
	n = rpc1(rpc, sizeof(rpc), 2, msg, mn);
	ck_assert_int_eq(gossip_input(g, rpc, n, 1000), 0);
	mn = signed_msg(msg, sizeof(msg), 3, "elsewhere", "x", 0);     /* foreign topic */
	n = rpc1(rpc, sizeof(rpc), 2, msg, mn);
	ck_assert_int_eq(gossip_input(g, rpc, n, 1000), 0);
	ck_assert_int_eq(npub, 0);
	ck_assert_uint_eq(gossip_get_stats(g)->invalid, 3);
	/* unsubscribe leaves the room */
	n = subscribe_rpc(rpc, sizeof(rpc), "rtcd/lobby", 0);
	gossip_input(g, rpc, n, 1000);
	ck_assert_str_eq(left, "lobby");
	gossip_free(g);
}
END_TEST

START_TEST(split_rpcs_and_garbage)
{
	struct gossip *g = mk();
	uint8_t rpc[8192], msg[4096], buf[4096];
	size_t n, mn;
	unsigned seed = 3;

	n = subscribe_rpc(rpc, sizeof(rpc), "rtcd/lobby", 1);
	mn = signed_msg(msg, sizeof(msg), 9, "rtcd/lobby", "split", 0);
	n += rpc1(rpc + n, sizeof(rpc) - n, 2, msg, mn);
	for (size_t i = 0; i < n; i++)   /* one byte at a time */
		ck_assert_int_eq(gossip_input(g, rpc + i, 1, 1000), 0);
	ck_assert_int_eq(npub, 1);
	gossip_free(g);
	for (int k = 0; k < 3000; k++) {
		size_t len = (size_t)(rand_r(&seed) % sizeof(buf));
		g = mk();
		for (size_t i = 0; i < len; i++)
			buf[i] = (uint8_t)rand_r(&seed);
		(void)gossip_input(g, buf, len, 1000);
		gossip_free(g);
	}
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("gossip");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, subscribe_publish_deliver);
	tcase_add_test(tc, bad_messages_dropped);
	tcase_add_test(tc, split_rpcs_and_garbage);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
