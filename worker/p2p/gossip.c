/* gossip: the gossipsub/floodsub router of one worker (see gossip.h). */
#include "gossip.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>

#include "common/buf.h"
#include "common/htab.h"
#include "common/log.h"
#include "common/multiformats.h"
#include "common/pubsub.h"
#include "worker/p2p/pb.h"

#define TOPIC_MAX 80

struct gossip {
	struct gossip_host h;
	uint8_t *buf;                        /* partial inbound RPC */
	size_t len, cap;
	char topics[GOSSIP_MAX_TOPICS][TOPIC_MAX + 1];   /* the peer's subscriptions */
	int ntopics;
	struct htab *seen;                   /* message id -> (ring slot + 1) */
	uint8_t *ring[GOSSIP_SEEN];          /* keys of seen, oldest first out */
	size_t ringlen[GOSSIP_SEEN];
	int ringpos;
	struct gossip_stats st;
};

struct gossip *
gossip_new(const struct gossip_host *h)
{
	struct gossip *g = calloc(1, sizeof(*g));

	if (g == NULL)
		return NULL;
	g->h = *h;
	g->seen = htab_new(GOSSIP_SEEN);
	if (g->seen == NULL) {
		free(g);
		return NULL;
	}
	return g;
}

void
gossip_free(struct gossip *g)
{
	if (g == NULL)
		return;
	for (int i = 0; i < GOSSIP_SEEN; i++)
		free(g->ring[i]);
	htab_free(g->seen);
	free(g->buf);
	free(g);
}

const struct gossip_stats *gossip_get_stats(const struct gossip *g) { return &g->st; }

/* 1 when already seen; otherwise remembers it (bounded ring). */
static int
seen_before(struct gossip *g, const uint8_t *id, size_t n)
{
	int slot = g->ringpos;

	if (htab_get(g->seen, id, n) != NULL)
		return 1;
	if (g->ring[slot]) {
		htab_del(g->seen, g->ring[slot], g->ringlen[slot]);
		free(g->ring[slot]);
		g->ring[slot] = NULL;
	}
	g->ring[slot] = malloc(n);
	if (g->ring[slot] == NULL)
		return 0;
	memcpy(g->ring[slot], id, n);
	g->ringlen[slot] = n;
	htab_put(g->seen, id, n, (void *)(intptr_t)(slot + 1));
	g->ringpos = (slot + 1) % GOSSIP_SEEN;
	return 0;
}

static int
room_of_topic(const uint8_t *t, size_t n, char *room, size_t cap)
{
	size_t pl = strlen(PUBSUB_TOPIC_PREFIX);

	if (n <= pl || n - pl >= cap || memcmp(t, PUBSUB_TOPIC_PREFIX, pl) != 0)
		return -1;
	for (size_t i = pl; i < n; i++) {
		char c = (char)t[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.'))
			return -1;
	}
	memcpy(room, t + pl, n - pl);
	room[n - pl] = '\0';
	return 0;
}

static int
topic_index(const struct gossip *g, const char *topic)
{
	for (int i = 0; i < g->ntopics; i++)
		if (strcmp(g->topics[i], topic) == 0)
			return i;
	return -1;
}

/* ---- outbound RPCs ---- */

static void
send_rpc(struct gossip *g, const uint8_t *body, size_t n)
{
	uint8_t hdr[10];
	struct wr w;
	uint8_t *out = malloc(n + sizeof(hdr));

	if (out == NULL)
		return;
	wr_init(&w, out, n + sizeof(hdr));
	pb_wr_varint(&w, n);
	wr_bytes(&w, body, n);
	if (!w.err)
		g->h.send_rpc(g->h.arg, out, w.len);
	free(out);
	(void)hdr;
}

/* RPC{subscriptions: [{subscribe, topic}], control: {graft: [{topic}]}} */
static void
send_subscription(struct gossip *g, const char *topic, int subscribe)
{
	uint8_t sub[TOPIC_MAX + 16], ctl[TOPIC_MAX + 16], gr[TOPIC_MAX + 8], rpc[3 * TOPIC_MAX + 64];
	struct wr ws, wg, wc, wr_;

	wr_init(&ws, sub, sizeof(sub));
	pb_wr_varint_field(&ws, 1, subscribe ? 1 : 0);
	pb_wr_string_field(&ws, 2, topic);
	wr_init(&wr_, rpc, sizeof(rpc));
	pb_wr_bytes_field(&wr_, 1, sub, ws.len);
	if (subscribe) {
		wr_init(&wg, gr, sizeof(gr));
		pb_wr_string_field(&wg, 1, topic);
		wr_init(&wc, ctl, sizeof(ctl));
		pb_wr_bytes_field(&wc, 3, gr, wg.len);   /* ControlMessage.graft */
		pb_wr_bytes_field(&wr_, 3, ctl, wc.len);
	}
	if (!wr_.err)
		send_rpc(g, rpc, wr_.len);
}

void
gossip_deliver(struct gossip *g, const char *room, const uint8_t *msg, size_t len)
{
	char topic[TOPIC_MAX + 1];
	struct pubsub_msg m;
	uint8_t *rpc;
	struct wr w;

	snprintf(topic, sizeof(topic), "%s%s", PUBSUB_TOPIC_PREFIX, room);
	if (len == 0 || topic_index(g, topic) < 0 || pubsub_msg_decode(msg, len, &m) < 0)
		return;
	if (m.from.present && m.seqno.present) {
		uint8_t id[MF_PEERID_MAX + PUBSUB_SEQNO_LEN];
		if (m.from.len <= MF_PEERID_MAX && m.seqno.len == PUBSUB_SEQNO_LEN) {
			memcpy(id, m.from.p, m.from.len);
			memcpy(id + m.from.len, m.seqno.p, m.seqno.len);
			(void)seen_before(g, id, m.from.len + m.seqno.len);
		}
	}
	rpc = malloc(len + 16);
	if (rpc == NULL)
		return;
	wr_init(&w, rpc, len + 16);
	pb_wr_bytes_field(&w, 2, msg, len);   /* RPC.messages */
	if (!w.err) {
		send_rpc(g, rpc, w.len);
		g->st.msgs_out++;
	}
	free(rpc);
}

/* ---- inbound ---- */

static void
on_subscription(struct gossip *g, const uint8_t *p, size_t n)
{
	struct pb_reader pr;
	struct pb_field f;
	int subscribe = 0;
	char topic[TOPIC_MAX + 1] = "", room[TOPIC_MAX + 1];

	pb_reader_init(&pr, p, n);
	while (pb_next(&pr, &f) == 1) {
		if (f.num == 1 && f.wt == PB_WT_VARINT)
			subscribe = f.v != 0;
		else if (f.num == 2 && f.wt == PB_WT_LEN && f.len <= TOPIC_MAX) {
			memcpy(topic, f.p, f.len);
			topic[f.len] = '\0';
		}
	}
	if (room_of_topic((const uint8_t *)topic, strlen(topic), room, sizeof(room)) < 0)
		return;   /* not one of ours: we do not route foreign topics */
	if (subscribe && topic_index(g, topic) < 0 && g->ntopics < GOSSIP_MAX_TOPICS) {
		json_t *info = json_pack("{ss ss ss}", "name", g->h.peer_id + (strlen(g->h.peer_id) > 8 ?
		    strlen(g->h.peer_id) - 8 : 0), "mode", "webrtc-direct", "peer", g->h.peer_id);
		char *s = info ? json_dumps(info, JSON_COMPACT) : NULL;
		strcpy(g->topics[g->ntopics++], topic);
		g->st.subscribes++;
		send_subscription(g, topic, 1);
		if (s)
			g->h.room_join(g->h.arg, room, s);
		free(s);
		json_decref(info);
	} else if (!subscribe) {
		int i = topic_index(g, topic);
		if (i >= 0) {
			g->st.unsubscribes++;
			memmove(g->topics[i], g->topics[g->ntopics - 1], sizeof(g->topics[0]));
			g->ntopics--;
			g->h.room_leave(g->h.arg, room);
		}
	}
}

/* StrictSign: from, 8-byte seqno and signature present; the key (field or
 * inlined in the peer id) must match from; the signature must verify. */
static int
verify(const struct pubsub_msg *m)
{
	uint8_t pub[MF_ED25519_KEY_LEN];
	static uint8_t input[PUBSUB_SIGN_PREFIX_LEN + PUBSUB_MAX_MSG];
	struct mf_peerid from;
	EVP_PKEY *k;
	EVP_MD_CTX *c;
	int n, ok;

	if (!m->from.present || !m->seqno.present || m->seqno.len != PUBSUB_SEQNO_LEN ||
	    !m->signature.present || m->signature.len != 64 ||
	    mf_peerid_from_bytes(m->from.p, m->from.len, &from) < 0)
		return -1;
	if (m->key.present) {
		int type;
		const uint8_t *d;
		size_t dl;
		struct mf_peerid kid;
		if (mf_pubkey_decode(m->key.p, m->key.len, &type, &d, &dl) < 0 || type != 1 ||
		    dl != MF_ED25519_KEY_LEN || mf_peerid_from_pubkey(m->key.p, m->key.len, &kid) < 0 ||
		    !mf_peerid_equal(&kid, &from))
			return -1;
		memcpy(pub, d, sizeof(pub));
	} else if (mf_peerid_ed25519_key(&from, pub) < 0) {
		return -1;
	}
	n = pubsub_sign_input(m, input, sizeof(input));
	if (n < 0)
		return -1;
	k = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, sizeof(pub));
	c = EVP_MD_CTX_new();
	ok = k && c && EVP_DigestVerifyInit(c, NULL, NULL, NULL, k) == 1 &&
	    EVP_DigestVerify(c, m->signature.p, m->signature.len, input, (size_t)n) == 1;
	EVP_MD_CTX_free(c);
	EVP_PKEY_free(k);
	return ok ? 0 : -1;
}

/* The chat JSON for a message's data: a chat message object as the demo
 * page sends it, or any other data as the text of a message. */
static char *
chat_json(struct gossip *g, const char *room, const struct pubsub_msg *m, uint64_t wall_ms)
{
	json_error_t je;
	json_t *in = json_loadb((const char *)m->data.p, m->data.len, JSON_REJECT_DUPLICATES, &je);
	const char *type = json_string_value(json_object_get(in, "type"));
	const char *text = NULL, *from = NULL;
	char short_id[16];
	json_int_t ts = (json_int_t)wall_ms;
	json_t *out;
	char *s;

	{
		/* the last 8 characters of the peer id, as the demo page shows it */
		size_t len = strlen(g->h.peer_id), skip = len > 8 ? len - 8 : 0;
		memcpy(short_id, g->h.peer_id + skip, len - skip);
		short_id[len - skip] = '\0';
	}
	if (json_is_object(in) && type && strcmp(type, "msg") == 0) {
		text = json_string_value(json_object_get(in, "text"));
		from = json_string_value(json_object_get(in, "from"));
		if (json_is_integer(json_object_get(in, "ts")))
			ts = json_integer_value(json_object_get(in, "ts"));
	} else if (json_is_object(in) && type && strcmp(type, "join") == 0 &&
	    json_is_string(json_object_get(in, "name")) &&
	    json_string_length(json_object_get(in, "name")) > 0 &&
	    json_string_length(json_object_get(in, "name")) <= 40) {
		/* A page announcing its name on the topic: update presence. */
		json_t *info = json_pack("{sO ss ss}", "name", json_object_get(in, "name"),
		    "mode", "webrtc-direct", "peer", g->h.peer_id);
		char *is = info ? json_dumps(info, JSON_COMPACT) : NULL;
		if (is)
			g->h.room_join(g->h.arg, room, is);
		free(is);
		json_decref(info);
		json_decref(in);
		return NULL;
	} else if (json_is_object(in) && type) {
		json_decref(in);
		return NULL;   /* presence and other events are not chat messages */
	}
	if (text == NULL) {
		json_decref(in);
		in = NULL;
		/* plain text (must be UTF-8: jansson checks) */
		out = json_pack("{ss ss ss ss# sI ss sI}", "type", "msg", "room", room, "from", short_id,
		    "text", (const char *)m->data.p, (int)m->data.len, "ts", ts, "peer", g->h.peer_id,
		    "conn", (json_int_t)g->h.conn_id);
	} else {
		if (from == NULL || strlen(from) == 0 || strlen(from) > 64)
			from = short_id;
		out = json_pack("{ss ss ss ss sI ss sI}", "type", "msg", "room", room, "from", from,
		    "text", text, "ts", ts, "peer", g->h.peer_id, "conn", (json_int_t)g->h.conn_id);
	}
	s = out ? json_dumps(out, JSON_COMPACT) : NULL;
	json_decref(out);
	json_decref(in);
	return s;
}

static void
on_message(struct gossip *g, const uint8_t *p, size_t n, uint64_t wall_ms)
{
	struct pubsub_msg m;
	char room[TOPIC_MAX + 1], topic[TOPIC_MAX + 1];
	uint8_t id[MF_PEERID_MAX + PUBSUB_SEQNO_LEN];
	char *json;

	g->st.msgs_in++;
	if (pubsub_msg_decode(p, n, &m) < 0 || !m.topic.present || m.topic.len > TOPIC_MAX ||
	    room_of_topic(m.topic.p, m.topic.len, room, sizeof(room)) < 0 ||
	    !m.data.present || m.data.len == 0 || m.data.len > GOSSIP_MAX_TEXT ||
	    m.from.len > MF_PEERID_MAX) {
		g->st.invalid++;
		log_debug("gossip: dropped a malformed message (topic, data or from)");
		return;
	}
	memcpy(topic, m.topic.p, m.topic.len);
	topic[m.topic.len] = '\0';
	if (topic_index(g, topic) < 0 || verify(&m) < 0) {
		g->st.invalid++;
		log_debug("gossip: dropped an unsigned, badly signed or unsubscribed message");
		return;
	}
	memcpy(id, m.from.p, m.from.len);
	memcpy(id + m.from.len, m.seqno.p, PUBSUB_SEQNO_LEN);
	if (seen_before(g, id, m.from.len + PUBSUB_SEQNO_LEN)) {
		g->st.dup++;
		log_debug("gossip: duplicate message");
		return;
	}
	json = chat_json(g, room, &m, wall_ms);
	if (json == NULL)
		return;   /* an event (join/presence) or undecodable data: not published */
	g->h.room_publish(g->h.arg, room, (const uint8_t *)json, strlen(json), p, n);
	free(json);
}

static int
on_rpc(struct gossip *g, const uint8_t *p, size_t n, uint64_t wall_ms)
{
	struct pb_reader pr;
	struct pb_field f;
	int r;

	g->st.rpcs_in++;
	pb_reader_init(&pr, p, n);
	while ((r = pb_next(&pr, &f)) == 1) {
		if (f.wt != PB_WT_LEN)
			continue;
		if (f.num == 1)
			on_subscription(g, f.p, f.len);
		else if (f.num == 2)
			on_message(g, f.p, f.len, wall_ms);
		/* 3: control (graft, prune, ihave, iwant, idontwant): nothing to do
		 * for a single peer; grafts are implied by our subscription. */
	}
	return r < 0 ? -1 : 0;
}

int
gossip_input(struct gossip *g, const uint8_t *p, size_t n, uint64_t wall_ms)
{
	/* Append, then consume every complete uvarint-prefixed RPC. */
	if (g->len + n > GOSSIP_MAX_RPC + 16)
		return -1;
	if (g->len + n > g->cap) {
		size_t nc = g->cap ? g->cap : 4096;
		uint8_t *nb;
		while (nc < g->len + n)
			nc *= 2;
		nb = realloc(g->buf, nc);
		if (nb == NULL)
			return -1;
		g->buf = nb;
		g->cap = nc;
	}
	if (n > 0)
		memcpy(g->buf + g->len, p, n);   /* p may be NULL when n is 0 */
	g->len += n;
	for (;;) {
		uint64_t l = 0;
		int used = mf_uvarint_decode(g->buf, g->len, &l);
		if (used == 0)
			break;                       /* need more bytes */
		if (used < 0 || l > GOSSIP_MAX_RPC)
			return -1;
		if (g->len - (size_t)used < l)
			break;
		if (on_rpc(g, g->buf + used, (size_t)l, wall_ms) < 0)
			return -1;
		memmove(g->buf, g->buf + used + l, g->len - (size_t)used - (size_t)l);
		g->len -= (size_t)used + (size_t)l;
	}
	if (g->len == 0 && g->cap > 64 * 1024) {
		free(g->buf);
		g->buf = NULL;
		g->cap = 0;
	}
	return 0;
}
