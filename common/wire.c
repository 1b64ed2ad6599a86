/* wire: encode/decode of supervisor <-> worker messages with exact lengths. */
#include "common/wire.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "common/buf.h"

static const struct {
	const char *name;
	char sender;
} types[WIRE_TYPE_MAX] = {
	[WIRE_READY] = { "READY", 'W' },
	[WIRE_HELLO] = { "HELLO", 'S' },
	[WIRE_OFFER] = { "OFFER", 'S' },
	[WIRE_ANSWER] = { "ANSWER", 'W' },
	[WIRE_OFFER_FAIL] = { "OFFER_FAIL", 'W' },
	[WIRE_DGRAM_IN] = { "DGRAM_IN", 'S' },
	[WIRE_DGRAM_OUT] = { "DGRAM_OUT", 'W' },
	[WIRE_TUPLE_BIND] = { "TUPLE_BIND", 'W' },
	[WIRE_TUPLE_ACK] = { "TUPLE_ACK", 'S' },
	[WIRE_PEER_ERROR] = { "PEER_ERROR", 'S' },
	[WIRE_STATE] = { "STATE", 'W' },
	[WIRE_LOG] = { "LOG", 'W' },
	[WIRE_SHUTDOWN] = { "SHUTDOWN", 'S' },
	[WIRE_BYE] = { "BYE", 'W' },
	[WIRE_SIGN_REQ] = { "SIGN_REQ", 'W' },
	[WIRE_SIGN_RESP] = { "SIGN_RESP", 'S' },
	[WIRE_ROOM_JOIN] = { "ROOM_JOIN", 'W' },
	[WIRE_ROOM_LEAVE] = { "ROOM_LEAVE", 'W' },
	[WIRE_ROOM_PUBLISH] = { "ROOM_PUBLISH", 'W' },
	[WIRE_ROOM_DELIVER] = { "ROOM_DELIVER", 'S' },
	[WIRE_DEBUG] = { "DEBUG", 'S' },
};

char
wire_sender(uint16_t type)
{
	return type < WIRE_TYPE_MAX ? types[type].sender : 0;
}

const char *
wire_type_name(uint16_t type)
{
	return type < WIRE_TYPE_MAX && types[type].name ? types[type].name : "?";
}

void
wire_init(struct wire_msg *m, uint16_t type, uint32_t tuple_id)
{
	memset(m, 0, offsetof(struct wire_msg, u));
	m->type = type;
	m->tuple_id = tuple_id;
	m->data = NULL;
	m->data_len = 0;
	m->gossip = NULL;
	m->gossip_len = 0;
}

/* Strings: u16 length, bytes, no NUL, at most max. */
static void
put_str(struct wr *w, const char *s, size_t max)
{
	size_t n = strnlen(s, max + 1);

	if (n > max) {
		w->err = 1;
		return;
	}
	wr_u16(w, (uint16_t)n);
	wr_bytes(w, s, n);
}

static void
get_str(struct rd *r, char *dst, size_t max)
{
	uint16_t n = rd_u16(r);
	const uint8_t *p;

	dst[0] = '\0';
	if (n > max) {
		r->err = 1;
		return;
	}
	p = rd_bytes(r, n);
	if (p == NULL)
		return;
	if (memchr(p, '\0', n) != NULL) {
		r->err = 1;
		return;
	}
	memcpy(dst, p, n);
	dst[n] = '\0';
}

static void
put_blob16(struct wr *w, const uint8_t *p, uint16_t n, size_t max)
{
	if (n > max) {
		w->err = 1;
		return;
	}
	wr_u16(w, n);
	wr_bytes(w, p, n);
}

static void
get_blob16(struct rd *r, uint8_t *dst, uint16_t *n, size_t max)
{
	*n = rd_u16(r);
	if (*n > max) {
		r->err = 1;
		*n = 0;
		return;
	}
	if (rd_copy(r, dst, *n) < 0)
		*n = 0;
}

static void
put_addr(struct wr *w, const struct addr *a)
{
	wr_u8(w, a->family);
	wr_u16(w, a->port);
	wr_bytes(w, a->ip, 16);
}

static void
get_addr(struct rd *r, struct addr *a)
{
	memset(a, 0, sizeof(*a));
	a->family = rd_u8(r);
	a->port = rd_u16(r);
	rd_copy(r, a->ip, 16);
	if (a->family != AF_INET && a->family != AF_INET6)
		r->err = 1;
}

/* A u16-length blob kept as a view (the gossip message). */
static void
put_view16(struct wr *w, const uint8_t *p, size_t n, size_t max)
{
	if (n > max || n > 0xFFFF) {
		w->err = 1;
		return;
	}
	wr_u16(w, (uint16_t)n);
	wr_bytes(w, p, n);
}

static void
get_view16(struct rd *r, const uint8_t **p, size_t *n, size_t max)
{
	*n = rd_u16(r);
	if (*n > max) {
		r->err = 1;
		*n = 0;
		*p = NULL;
		return;
	}
	*p = *n ? rd_bytes(r, *n) : NULL;
}

/* Variable payload that fills the rest of the message. */
static void
put_data(struct wr *w, const struct wire_msg *m, size_t max)
{
	if (m->data_len > max) {
		w->err = 1;
		return;
	}
	wr_bytes(w, m->data, m->data_len);
}

static void
get_data(struct rd *r, struct wire_msg *m, size_t max, int nonempty)
{
	m->data_len = rd_left(r);
	if (m->data_len > max || (nonempty && m->data_len == 0)) {
		r->err = 1;
		return;
	}
	m->data = rd_bytes(r, m->data_len);
}

static void
put_hello(struct wr *w, const struct wire_hello *h)
{
	wr_u32(w, h->conn_id);
	wr_u8(w, h->mode);
	wr_u8(w, h->log_level);
	wr_u32(w, h->consent_timeout_ms);
	wr_u32(w, h->handshake_timeout_ms);
	if (h->ncand > WIRE_MAX_CANDS) {
		w->err = 1;
		return;
	}
	wr_u8(w, h->ncand);
	for (int i = 0; i < h->ncand; i++)
		put_addr(w, &h->cand[i]);
	put_blob16(w, h->cert, h->cert_len, WIRE_MAX_CERT);
	put_blob16(w, h->key, h->key_len, WIRE_MAX_KEY);
	put_blob16(w, h->pubkey, h->pubkey_len, WIRE_MAX_PUBKEY);
}

static void
get_hello(struct rd *r, struct wire_hello *h)
{
	h->conn_id = rd_u32(r);
	h->mode = rd_u8(r);
	h->log_level = rd_u8(r);
	h->consent_timeout_ms = rd_u32(r);
	h->handshake_timeout_ms = rd_u32(r);
	h->ncand = rd_u8(r);
	if (h->ncand > WIRE_MAX_CANDS || (h->mode != WIRE_MODE_OFFER && h->mode != WIRE_MODE_DIRECT)) {
		r->err = 1;
		return;
	}
	for (int i = 0; i < h->ncand; i++)
		get_addr(r, &h->cand[i]);
	get_blob16(r, h->cert, &h->cert_len, WIRE_MAX_CERT);
	get_blob16(r, h->key, &h->key_len, WIRE_MAX_KEY);
	get_blob16(r, h->pubkey, &h->pubkey_len, WIRE_MAX_PUBKEY);
}

static void
encode_body(struct wr *w, const struct wire_msg *m)
{
	switch (m->type) {
	case WIRE_READY:
		wr_u32(w, m->u.version);
		break;
	case WIRE_HELLO:
		put_hello(w, &m->u.hello);
		break;
	case WIRE_OFFER:
	case WIRE_SIGN_REQ:
	case WIRE_SIGN_RESP:
		put_data(w, m, WIRE_MAX_BLOB);
		break;
	case WIRE_ANSWER:
		put_str(w, m->u.ufrag, WIRE_MAX_UFRAG);
		put_data(w, m, WIRE_MAX_BLOB);
		break;
	case WIRE_DGRAM_IN:
		put_addr(w, &m->u.tuple.local);
		put_addr(w, &m->u.tuple.remote);
		put_data(w, m, WIRE_MAX_DGRAM);
		break;
	case WIRE_DGRAM_OUT:
		put_data(w, m, WIRE_MAX_DGRAM);
		break;
	case WIRE_TUPLE_BIND:
	case WIRE_TUPLE_ACK:
	case WIRE_SHUTDOWN:
	case WIRE_DEBUG:
		wr_u8(w, m->u.code);
		break;
	case WIRE_PEER_ERROR:
		wr_u32(w, (uint32_t)m->u.peer_error.err);
		wr_u8(w, m->u.peer_error.origin);
		wr_u8(w, m->u.peer_error.type);
		wr_u8(w, m->u.peer_error.code);
		break;
	case WIRE_STATE:
		wr_u8(w, m->u.state.phase);
		wr_u64(w, m->u.state.bytes_in);
		wr_u64(w, m->u.state.bytes_out);
		wr_u64(w, m->u.state.msgs_in);
		wr_u64(w, m->u.state.msgs_out);
		put_str(w, m->u.state.peer, WIRE_MAX_NAME);
		break;
	case WIRE_LOG:
	case WIRE_BYE:
	case WIRE_OFFER_FAIL:
		wr_u8(w, m->u.text.code);
		put_str(w, m->u.text.text, WIRE_MAX_TEXT);
		break;
	case WIRE_ROOM_LEAVE:
		put_str(w, m->u.room, WIRE_MAX_NAME);
		break;
	case WIRE_ROOM_JOIN:      /* room + member info (JSON object, may be empty) */
		put_str(w, m->u.room, WIRE_MAX_NAME);
		put_data(w, m, WIRE_MAX_BLOB);
		break;
	case WIRE_ROOM_PUBLISH:   /* room + gossip message + chat JSON */
		put_str(w, m->u.room, WIRE_MAX_NAME);
		put_view16(w, m->gossip, m->gossip_len, WIRE_MAX_GOSSIP);
		put_data(w, m, WIRE_MAX_BLOB);
		break;
	case WIRE_ROOM_DELIVER:
		put_str(w, m->u.deliver.room, WIRE_MAX_NAME);
		wr_u32(w, m->u.deliver.lost);
		wr_u32(w, m->u.deliver.from_conn);
		put_view16(w, m->gossip, m->gossip_len, WIRE_MAX_GOSSIP);
		put_data(w, m, WIRE_MAX_BLOB);
		break;
	default:
		w->err = 1;
	}
}

static void
decode_body(struct rd *r, struct wire_msg *m)
{
	switch (m->type) {
	case WIRE_READY:
		m->u.version = rd_u32(r);
		break;
	case WIRE_HELLO:
		get_hello(r, &m->u.hello);
		break;
	case WIRE_OFFER:
	case WIRE_SIGN_REQ:
	case WIRE_SIGN_RESP:
		get_data(r, m, WIRE_MAX_BLOB, 1);
		break;
	case WIRE_ANSWER:
		get_str(r, m->u.ufrag, WIRE_MAX_UFRAG);
		get_data(r, m, WIRE_MAX_BLOB, 1);
		break;
	case WIRE_DGRAM_IN:
		get_addr(r, &m->u.tuple.local);
		get_addr(r, &m->u.tuple.remote);
		get_data(r, m, WIRE_MAX_DGRAM, 1);
		break;
	case WIRE_DGRAM_OUT:
		get_data(r, m, WIRE_MAX_DGRAM, 1);
		break;
	case WIRE_TUPLE_BIND:
	case WIRE_TUPLE_ACK:
	case WIRE_SHUTDOWN:
	case WIRE_DEBUG:
		m->u.code = rd_u8(r);
		break;
	case WIRE_PEER_ERROR:
		m->u.peer_error.err = (int32_t)rd_u32(r);
		m->u.peer_error.origin = rd_u8(r);
		m->u.peer_error.type = rd_u8(r);
		m->u.peer_error.code = rd_u8(r);
		break;
	case WIRE_STATE:
		m->u.state.phase = rd_u8(r);
		m->u.state.bytes_in = rd_u64(r);
		m->u.state.bytes_out = rd_u64(r);
		m->u.state.msgs_in = rd_u64(r);
		m->u.state.msgs_out = rd_u64(r);
		get_str(r, m->u.state.peer, WIRE_MAX_NAME);
		if (m->u.state.phase >= PHASE_MAX)
			r->err = 1;
		break;
	case WIRE_LOG:
	case WIRE_BYE:
	case WIRE_OFFER_FAIL:
		m->u.text.code = rd_u8(r);
		get_str(r, m->u.text.text, WIRE_MAX_TEXT);
		break;
	case WIRE_ROOM_LEAVE:
		get_str(r, m->u.room, WIRE_MAX_NAME);
		break;
	case WIRE_ROOM_JOIN:
		get_str(r, m->u.room, WIRE_MAX_NAME);
		get_data(r, m, WIRE_MAX_BLOB, 0);
		break;
	case WIRE_ROOM_PUBLISH:
		get_str(r, m->u.room, WIRE_MAX_NAME);
		get_view16(r, &m->gossip, &m->gossip_len, WIRE_MAX_GOSSIP);
		get_data(r, m, WIRE_MAX_BLOB, 0);
		break;
	case WIRE_ROOM_DELIVER:
		get_str(r, m->u.deliver.room, WIRE_MAX_NAME);
		m->u.deliver.lost = rd_u32(r);
		m->u.deliver.from_conn = rd_u32(r);
		get_view16(r, &m->gossip, &m->gossip_len, WIRE_MAX_GOSSIP);
		get_data(r, m, WIRE_MAX_BLOB, 0);
		break;
	default:
		r->err = 1;
	}
}

ssize_t
wire_encode(uint8_t *out, size_t cap, const struct wire_msg *m)
{
	struct wr w;

	if (wire_sender(m->type) == 0 || cap < WIRE_HDR_LEN)
		return -1;
	wr_init(&w, out + WIRE_HDR_LEN, cap - WIRE_HDR_LEN);
	encode_body(&w, m);
	if (w.err)
		return -1;
	/* Header in host order: both ends are the same build on the same host. */
	memcpy(out, &m->type, 2);
	memcpy(out + 2, &m->flags, 2);
	{
		uint32_t len = (uint32_t)w.len;
		memcpy(out + 4, &len, 4);
	}
	memcpy(out + 8, &m->tuple_id, 4);
	return (ssize_t)(WIRE_HDR_LEN + w.len);
}

int
wire_decode(const uint8_t *in, size_t n, struct wire_msg *m, const char **why)
{
	struct rd r;
	uint32_t len;

	*why = NULL;
	if (n < WIRE_HDR_LEN) {
		*why = "short header";
		return -1;
	}
	memcpy(&m->type, in, 2);
	memcpy(&m->flags, in + 2, 2);
	memcpy(&len, in + 4, 4);
	memcpy(&m->tuple_id, in + 8, 4);
	m->data = NULL;
	m->data_len = 0;
	m->gossip = NULL;
	m->gossip_len = 0;
	if (wire_sender(m->type) == 0) {
		*why = "unknown type";
		return -1;
	}
	if (len != n - WIRE_HDR_LEN) {
		*why = "length mismatch";
		return -1;
	}
	if (m->flags != 0) {
		*why = "unknown flags";
		return -1;
	}
	rd_init(&r, in + WIRE_HDR_LEN, len);
	decode_body(&r, m);
	if (!rd_done(&r)) {
		*why = "malformed body";
		return -1;
	}
	return 0;
}

int
wire_send(int fd, const struct wire_msg *m)
{
	uint8_t buf[WIRE_MAX_MSG];
	ssize_t n = wire_encode(buf, sizeof(buf), m);

	if (n < 0) {
		errno = EINVAL;
		return -1;
	}
	for (;;) {
		ssize_t s = send(fd, buf, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (s == n)
			return 0;
		if (s < 0 && errno == EINTR)
			continue;
		if (s >= 0)
			errno = EMSGSIZE;
		return -1;
	}
}

ssize_t
wire_recv(int fd, uint8_t *buf, size_t cap)
{
	struct iovec iov = { buf, cap };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	do
		n = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n > 0 && (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
		errno = EMSGSIZE;
		return -1;
	}
	return n;
}
