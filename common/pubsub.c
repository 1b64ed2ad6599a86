/* pubsub: libp2p pubsub Message codec (see pubsub.h). */
#include "pubsub.h"

#include <string.h>

#include "common/buf.h"
#include "common/multiformats.h"

static void
put_bytes(struct wr *w, unsigned field, const struct pubsub_bytes *b)
{
	if (!b->present)
		return;
	mf_wr_uvarint(w, ((uint64_t)field << 3) | 2);
	mf_wr_uvarint(w, b->len);
	wr_bytes(w, b->p, b->len);
}

int
pubsub_msg_encode(const struct pubsub_msg *m, int with_sig, uint8_t *out, size_t cap)
{
	struct wr w;

	wr_init(&w, out, cap);
	/* Field order 1..6: what protobuf encoders produce and what the
	 * verifier re-encodes before checking a signature. */
	put_bytes(&w, 1, &m->from);
	put_bytes(&w, 2, &m->data);
	put_bytes(&w, 3, &m->seqno);
	put_bytes(&w, 4, &m->topic);
	if (with_sig) {
		put_bytes(&w, 5, &m->signature);
		put_bytes(&w, 6, &m->key);
	}
	return w.err ? -1 : (int)w.len;
}

int
pubsub_sign_input(const struct pubsub_msg *m, uint8_t *out, size_t cap)
{
	int n;

	if (cap < PUBSUB_SIGN_PREFIX_LEN)
		return -1;
	memcpy(out, PUBSUB_SIGN_PREFIX, PUBSUB_SIGN_PREFIX_LEN);
	n = pubsub_msg_encode(m, 0, out + PUBSUB_SIGN_PREFIX_LEN, cap - PUBSUB_SIGN_PREFIX_LEN);
	return n < 0 ? -1 : n + PUBSUB_SIGN_PREFIX_LEN;
}

int
pubsub_msg_decode(const uint8_t *p, size_t n, struct pubsub_msg *m)
{
	struct rd r;

	memset(m, 0, sizeof(*m));
	if (n > PUBSUB_MAX_MSG)
		return -1;
	rd_init(&r, p, n);
	while (rd_left(&r) > 0) {
		uint64_t key = 0, v = 0;
		unsigned field, type;

		key = mf_rd_uvarint(&r);
		if (r.err)
			return -1;
		field = (unsigned)(key >> 3);
		type = (unsigned)(key & 7);
		if (field == 0)
			return -1;
		if (type == 0) {
			(void)mf_rd_uvarint(&r);
			if (r.err)
				return -1;
			continue;
		}
		if (type == 1 || type == 5) {
			if (rd_bytes(&r, type == 1 ? 8 : 4) == NULL)
				return -1;
			continue;
		}
		if (type != 2)
			return -1;
		v = mf_rd_uvarint(&r);
		if (r.err || v > rd_left(&r))
			return -1;
		{
			struct pubsub_bytes b = { rd_bytes(&r, (size_t)v), (size_t)v, 1 };
			switch (field) {
			case 1: m->from = b; break;
			case 2: m->data = b; break;
			case 3: m->seqno = b; break;
			case 4: m->topic = b; break;
			case 5: m->signature = b; break;
			case 6: m->key = b; break;
			default: break;
			}
		}
	}
	return r.err ? -1 : 0;
}
