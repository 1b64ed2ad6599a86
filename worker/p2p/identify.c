/* identify: build and parse the /ipfs/id/1.0.0 Identify message (see
 * identify.h). */
#include "worker/p2p/identify.h"

#include <string.h>

#include "common/buf.h"
#include "common/multiformats.h"
#include "worker/p2p/pb.h"

struct identify_bytes
identify_str(const char *s)
{
	struct identify_bytes b = { (const uint8_t *)s, s ? strlen(s) : 0 };

	return b;
}

void
identify_set_server_versions(struct identify_msg *m)
{
	m->protocol_version = identify_str(IDENTIFY_PROTOCOL_VERSION);
	m->agent_version = identify_str(IDENTIFY_AGENT_PREFIX PACKAGE_VERSION);
}

static void
put_opt(struct wr *w, uint32_t num, const struct identify_bytes *b)
{
	if (b->p != NULL)
		pb_wr_bytes_field(w, num, b->p, b->len);
}

/* Body without the prefix; returns its length or -1. */
static int
encode_body(const struct identify_msg *m, uint8_t *out, size_t cap)
{
	struct wr w;

	if (m->n_listen_addrs > IDENTIFY_MAX_ADDRS || m->n_protocols > IDENTIFY_MAX_PROTOCOLS)
		return -1;
	wr_init(&w, out, cap);
	put_opt(&w, IDENTIFY_F_PUBLIC_KEY, &m->public_key);
	for (size_t i = 0; i < m->n_listen_addrs; i++)
		put_opt(&w, IDENTIFY_F_LISTEN_ADDRS, &m->listen_addrs[i]);
	for (size_t i = 0; i < m->n_protocols; i++)
		put_opt(&w, IDENTIFY_F_PROTOCOLS, &m->protocols[i]);
	put_opt(&w, IDENTIFY_F_OBSERVED_ADDR, &m->observed_addr);
	put_opt(&w, IDENTIFY_F_PROTOCOL_VERSION, &m->protocol_version);
	put_opt(&w, IDENTIFY_F_AGENT_VERSION, &m->agent_version);
	return w.err ? -1 : (int)w.len;
}

int
identify_encode(const struct identify_msg *m, uint8_t *out, size_t cap)
{
	uint8_t body[IDENTIFY_MAX_MSG];
	struct wr w;
	int n = encode_body(m, body, sizeof(body));

	if (n < 0)
		return -1;
	wr_init(&w, out, cap);
	mf_wr_uvarint(&w, (uint64_t)n);
	wr_bytes(&w, body, (size_t)n);
	return w.err ? -1 : (int)w.len;
}

static void
add_repeated(struct identify_bytes *arr, size_t *count, size_t max, size_t *dropped,
    const struct pb_field *f)
{
	if (*count == max) {
		(*dropped)++;
		return;
	}
	arr[*count].p = f->p;
	arr[*count].len = f->len;
	(*count)++;
}

/* Store one field; unknown fields are skipped. 0 or -1 (wrong wire type). */
static int
store_field(struct identify_msg *m, const struct pb_field *f)
{
	struct identify_bytes *one = NULL;

	if (f->num < IDENTIFY_F_PUBLIC_KEY || f->num > IDENTIFY_F_SIGNED_PEER_RECORD ||
	    f->num == 7)
		return 0;
	if (f->wt != PB_WT_LEN)
		return -1;
	switch (f->num) {
	case IDENTIFY_F_LISTEN_ADDRS:
		add_repeated(m->listen_addrs, &m->n_listen_addrs, IDENTIFY_MAX_ADDRS,
		    &m->n_dropped, f);
		return 0;
	case IDENTIFY_F_PROTOCOLS:
		add_repeated(m->protocols, &m->n_protocols, IDENTIFY_MAX_PROTOCOLS,
		    &m->n_dropped, f);
		return 0;
	case IDENTIFY_F_PUBLIC_KEY: one = &m->public_key; break;
	case IDENTIFY_F_OBSERVED_ADDR: one = &m->observed_addr; break;
	case IDENTIFY_F_PROTOCOL_VERSION: one = &m->protocol_version; break;
	case IDENTIFY_F_AGENT_VERSION: one = &m->agent_version; break;
	default: one = &m->signed_peer_record; break;
	}
	/* Protobuf: the last occurrence of a singular field wins. */
	one->p = f->p;
	one->len = f->len;
	return 0;
}

int
identify_decode(const uint8_t *p, size_t n, struct identify_msg *m, size_t *consumed)
{
	struct pb_reader pr;
	struct pb_field f;
	uint64_t len;
	int k, rc;

	memset(m, 0, sizeof(*m));
	*consumed = 0;
	k = mf_uvarint_decode(p, n, &len);
	if (k <= 0)
		return k;
	if (len > IDENTIFY_MAX_MSG)
		return -1;
	if (len > n - (size_t)k)
		return 0;
	pb_reader_init(&pr, p + k, (size_t)len);
	while ((rc = pb_next(&pr, &f)) == 1)
		if (store_field(m, &f) < 0)
			return -1;
	if (rc < 0)
		return -1;
	*consumed = (size_t)k + (size_t)len;
	return 1;
}
