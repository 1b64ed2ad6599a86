/* datachannel: DCEP codec (RFC 8832) and the channel table of one
 * association (RFC 8831): opening, PPID mapping, closing by stream resets. */
#include "datachannel.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/log.h"

#define SID_BURNED 0x01            /* reset failed: never reuse this id */
#define SID_OUT_RESET 0x02         /* our outgoing stream is reset and unused */

struct dc_mgr {
	struct dc_cfg cfg;
	struct dc_channel **chans;     /* cfg.streams entries */
	uint8_t *sid_flags;
	int depth, free_pending;
	struct dc_stats st;
};

/* --- DCEP codec --------------------------------------------------------- */

int
dc_type_valid(uint8_t type)
{
	switch (type) {
	case DC_RELIABLE:
	case DC_RELIABLE_UNORDERED:
	case DC_REXMIT:
	case DC_REXMIT_UNORDERED:
	case DC_TIMED:
	case DC_TIMED_UNORDERED:
		return 1;
	default:
		return 0;
	}
}

int
dcep_parse_open(const uint8_t *p, size_t n, struct dcep_open *o)
{
	struct rd r;
	uint16_t ll, pl;

	memset(o, 0, sizeof(*o));
	if (p == NULL)
		return -1;
	rd_init(&r, p, n);
	if (rd_u8(&r) != DCEP_MSG_OPEN)
		return -1;
	o->type = rd_u8(&r);
	o->priority = rd_u16(&r);
	o->rel_param = rd_u32(&r);
	ll = rd_u16(&r);
	pl = rd_u16(&r);
	if (r.err || ll > DC_MAX_LABEL || pl > DC_MAX_PROTOCOL || !dc_type_valid(o->type))
		return -1;
	o->label = rd_bytes(&r, ll);
	o->protocol = rd_bytes(&r, pl);
	if (r.err)
		return -1;
	o->label_len = ll;
	o->protocol_len = pl;
	return 0;
}

int
dcep_build_open(uint8_t *out, size_t cap, const struct dcep_open *o)
{
	struct wr w;

	if (!dc_type_valid(o->type) || o->label_len > DC_MAX_LABEL ||
	    o->protocol_len > DC_MAX_PROTOCOL || (o->label_len && o->label == NULL) ||
	    (o->protocol_len && o->protocol == NULL))
		return -1;
	wr_init(&w, out, cap);
	wr_u8(&w, DCEP_MSG_OPEN);
	wr_u8(&w, o->type);
	wr_u16(&w, o->priority);
	wr_u32(&w, o->rel_param);
	wr_u16(&w, o->label_len);
	wr_u16(&w, o->protocol_len);
	wr_bytes(&w, o->label, o->label_len);
	wr_bytes(&w, o->protocol, o->protocol_len);
	return w.err ? -1 : (int)w.len;
}

int
dcep_build_ack(uint8_t *out, size_t cap)
{
	if (cap < 1)
		return -1;
	out[0] = DCEP_MSG_ACK;
	return 1;
}

/* --- channel table ------------------------------------------------------ */

struct dc_mgr *
dc_new(const struct dc_cfg *cfg)
{
	struct dc_mgr *m;

	if (cfg->sctp == NULL)
		return NULL;
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return NULL;
	m->cfg = *cfg;
	if (m->cfg.streams == 0)
		m->cfg.streams = DC_MAX_STREAMS;
	if (m->cfg.max_message_size == 0 ||
	    m->cfg.max_message_size > sctp_max_message_size(cfg->sctp))
		m->cfg.max_message_size = sctp_max_message_size(cfg->sctp);
	m->chans = calloc(m->cfg.streams, sizeof(*m->chans));
	m->sid_flags = calloc(m->cfg.streams, 1);
	if (m->chans == NULL || m->sid_flags == NULL) {
		free(m->chans);
		free(m->sid_flags);
		free(m);
		return NULL;
	}
	return m;
}

static void
chan_free(struct dc_channel *ch)
{
	free(ch->label);
	free(ch->protocol);
	free(ch);
}

static void
destroy(struct dc_mgr *m)
{
	for (size_t i = 0; i < m->cfg.streams; i++)
		if (m->chans[i] != NULL)
			chan_free(m->chans[i]);
	free(m->chans);
	free(m->sid_flags);
	free(m);
}

void
dc_free(struct dc_mgr *m)
{
	if (m == NULL)
		return;
	m->free_pending = 1;
	if (m->depth == 0)
		destroy(m);
}

/* Callbacks may free the manager: every entry point brackets its work. */
static void
enter(struct dc_mgr *m)
{
	m->depth++;
}

static void
leave(struct dc_mgr *m)
{
	if (--m->depth == 0 && m->free_pending)
		destroy(m);
}

static char *
dup_bytes(const void *p, size_t n)
{
	char *s = malloc(n + 1);

	if (s == NULL)
		return NULL;
	if (n)
		memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

static struct dc_channel *
chan_new(struct dc_mgr *m, uint16_t sid, const void *label, size_t ll, const void *proto,
    size_t pl, uint8_t type, uint32_t rel_param)
{
	struct dc_channel *ch = calloc(1, sizeof(*ch));

	if (ch == NULL)
		return NULL;
	ch->label = dup_bytes(label, ll);
	ch->protocol = dup_bytes(proto, pl);
	if (ch->label == NULL || ch->protocol == NULL) {
		chan_free(ch);
		return NULL;
	}
	ch->sid = sid;
	ch->type = type;
	ch->rel_param = rel_param;
	ch->label_len = ll;
	ch->protocol_len = pl;
	m->chans[sid] = ch;
	m->sid_flags[sid] &= (uint8_t)~SID_OUT_RESET;
	return ch;
}

static int
sid_free(const struct dc_mgr *m, uint16_t sid)
{
	return sid < m->cfg.streams && m->chans[sid] == NULL && !(m->sid_flags[sid] & SID_BURNED);
}

/* The stream ids the peer opens: even when we are the DTLS server. */
static int
peer_parity(const struct dc_mgr *m, uint16_t sid)
{
	return (sid & 1) == (m->cfg.dtls_server ? 0 : 1);
}

static void
close_now(struct dc_mgr *m, struct dc_channel *ch)
{
	m->chans[ch->sid] = NULL;
	ch->state = DC_CLOSED;
	m->st.closed++;
	if (m->cfg.on_close != NULL && !m->free_pending)
		m->cfg.on_close(m->cfg.arg, ch);
	chan_free(ch);
}

static void
maybe_closed(struct dc_mgr *m, struct dc_channel *ch)
{
	if (ch->reset_in && ch->reset_out)
		close_now(m, ch);
}

/* Reset our outgoing stream sid and remember it until a channel uses the id
 * again: without a channel we answer a peer's reset only while our side is
 * not reset yet, which stops two ends answering each other forever. */
static int
reset_out(struct dc_mgr *m, uint16_t sid)
{
	if (sctp_reset_stream(m->cfg.sctp, sid) < 0)
		return -1;
	m->sid_flags[sid] |= SID_OUT_RESET;
	return 0;
}

/* Close our direction of a channel. When that is impossible (association
 * gone or refusing resets) the id is retired and the channel closes now. */
static void
send_reset(struct dc_mgr *m, struct dc_channel *ch)
{
	if (reset_out(m, ch->sid) == 0)
		return;
	if (errno != ENOTCONN)
		m->sid_flags[ch->sid] |= SID_BURNED;
	ch->reset_out = 1;
	ch->reset_in = 1;
}

static void
begin_close(struct dc_mgr *m, struct dc_channel *ch)
{
	if (ch->state == DC_CLOSING || ch->state == DC_CLOSED)
		return;
	ch->state = DC_CLOSING;
	send_reset(m, ch);
	maybe_closed(m, ch);
}

static int
send_ack(struct dc_mgr *m, struct dc_channel *ch)
{
	uint8_t ack[1];

	dcep_build_ack(ack, sizeof(ack));
	if (sctp_send(m->cfg.sctp, ch->sid, SCTP_PPID_DCEP, ack, sizeof(ack), 0, SCTP_REL_FULL,
	    0) < 0)
		return -1;
	ch->ack_pending = 0;
	return 0;
}

static void
reject_stream(struct dc_mgr *m, uint16_t sid)
{
	m->st.bad_dcep++;
	if (m->chans[sid] == NULL && !(m->sid_flags[sid] & SID_OUT_RESET))
		(void)reset_out(m, sid);
}

static void
handle_open(struct dc_mgr *m, uint16_t sid, const uint8_t *p, size_t n)
{
	struct dcep_open o;
	struct dc_channel *ch;

	if (m->chans[sid] != NULL) {
		m->st.bad_dcep++;          /* duplicate OPEN: keep the channel */
		return;
	}
	/* RFC 8832 gives the DTLS client even ids, but aiortc picks its parity
	 * from the ICE role: a free id of the "wrong" parity is accepted (our
	 * own opens skip ids in use, so nothing collides). */
	if (dcep_parse_open(p, n, &o) < 0 || !sid_free(m, sid)) {
		log_debug("dc: rejecting DATA_CHANNEL_OPEN on stream %u", (unsigned)sid);
		reject_stream(m, sid);
		return;
	}
	if (!peer_parity(m, sid))
		m->st.wrong_parity++;
	ch = chan_new(m, sid, o.label, o.label_len, o.protocol, o.protocol_len, o.type, o.rel_param);
	if (ch == NULL) {
		reject_stream(m, sid);
		return;
	}
	ch->priority = o.priority;
	ch->state = DC_OPEN;
	m->st.opened_in++;
	/* RFC 8832 §6: data may follow the OPEN at once; the ACK can wait for
	 * buffer space (retried on writable and before our next send). */
	if (send_ack(m, ch) < 0) {
		if (errno != EAGAIN) {
			begin_close(m, ch);
			return;
		}
		ch->ack_pending = 1;
	}
	if (m->cfg.on_open != NULL)
		m->cfg.on_open(m->cfg.arg, ch);
}

static void
handle_dcep(struct dc_mgr *m, struct dc_channel *ch, uint16_t sid, const uint8_t *p, size_t n)
{
	if (n < 1) {
		m->st.bad_dcep++;
		return;
	}
	if (p[0] == DCEP_MSG_OPEN) {
		handle_open(m, sid, p, n);
	} else if (p[0] == DCEP_MSG_ACK && ch != NULL && ch->state == DC_CONNECTING) {
		ch->state = DC_OPEN;
	} else {
		m->st.bad_dcep++;
	}
}

static void
handle_user(struct dc_mgr *m, struct dc_channel *ch, uint32_t ppid, const uint8_t *p, size_t n)
{
	int binary;

	switch (ppid) {
	case SCTP_PPID_STRING:
	case SCTP_PPID_BINARY:
		binary = ppid == SCTP_PPID_BINARY;
		if (n > m->cfg.max_message_size) {
			m->st.too_big++;
			begin_close(m, ch);
			return;
		}
		break;
	case SCTP_PPID_STRING_EMPTY:
	case SCTP_PPID_BINARY_EMPTY:
		/* One 0x00 byte stands for the empty message. */
		binary = ppid == SCTP_PPID_BINARY_EMPTY;
		n = 0;
		break;
	case SCTP_PPID_BINARY_PARTIAL:
	case SCTP_PPID_STRING_PARTIAL:
		/* Deprecated partial messages (RFC 8831 §8): not supported. */
		m->st.bad_ppid++;
		begin_close(m, ch);
		return;
	default:
		m->st.bad_ppid++;
		return;
	}
	/* User data before the ACK implies the peer saw our OPEN (RFC 8832 §6). */
	if (ch->state == DC_CONNECTING)
		ch->state = DC_OPEN;
	if (m->cfg.on_message != NULL)
		m->cfg.on_message(m->cfg.arg, ch, binary, n ? p : (const uint8_t *)"", n);
}

void
dc_handle_message(struct dc_mgr *m, uint16_t sid, uint32_t ppid, const uint8_t *p, size_t n)
{
	struct dc_channel *ch;

	if (sid >= m->cfg.streams) {
		m->st.unknown_sid++;
		return;
	}
	enter(m);
	ch = m->chans[sid];
	if (ppid == SCTP_PPID_DCEP)
		handle_dcep(m, ch, sid, p, n);
	else if (ch == NULL || ch->reset_in)
		m->st.unknown_sid++;
	else
		handle_user(m, ch, ppid, p, n);
	leave(m);
}

/* The peer reset its outgoing stream: answer with ours (otherwise Chrome
 * keeps the channel "closing" and cannot reuse the id). */
void
dc_handle_stream_reset(struct dc_mgr *m, uint16_t sid)
{
	struct dc_channel *ch;

	if (sid >= m->cfg.streams)
		return;
	enter(m);
	ch = m->chans[sid];
	if (ch == NULL) {
		/* No channel (a rejected OPEN, or never used): answer once. */
		if (!(m->sid_flags[sid] & SID_OUT_RESET))
			(void)reset_out(m, sid);
	} else {
		ch->reset_in = 1;
		if (ch->state != DC_CLOSING) {
			ch->state = DC_CLOSING;
			send_reset(m, ch);
		}
		maybe_closed(m, ch);
	}
	leave(m);
}

void
dc_handle_reset_done(struct dc_mgr *m, uint16_t sid, int ok)
{
	struct dc_channel *ch;

	if (sid >= m->cfg.streams)
		return;
	enter(m);
	ch = m->chans[sid];
	if (ch != NULL && ch->state == DC_CLOSING && !ch->reset_out) {
		if (ok) {
			ch->reset_out = 1;
		} else if (++ch->reset_tries < DC_RESET_TRIES) {
			send_reset(m, ch);
		} else {
			m->sid_flags[sid] |= SID_BURNED;
			ch->reset_out = 1;
			ch->reset_in = 1;
		}
		maybe_closed(m, ch);
	}
	leave(m);
}

void
dc_handle_writable(struct dc_mgr *m)
{
	enter(m);
	for (size_t i = 0; i < m->cfg.streams && !m->free_pending; i++) {
		struct dc_channel *ch = m->chans[i];

		if (ch != NULL && ch->ack_pending && send_ack(m, ch) < 0)
			break;
	}
	if (m->cfg.on_writable != NULL && !m->free_pending)
		m->cfg.on_writable(m->cfg.arg);
	leave(m);
}

void
dc_handle_down(struct dc_mgr *m)
{
	enter(m);
	for (size_t i = 0; i < m->cfg.streams && !m->free_pending; i++)
		if (m->chans[i] != NULL)
			close_now(m, m->chans[i]);
	leave(m);
}

/* --- application API ---------------------------------------------------- */

static int
check_names(const char *label, const char *protocol, uint8_t type)
{
	if (label == NULL)
		label = "";
	if (protocol == NULL)
		protocol = "";
	return dc_type_valid(type) && strlen(label) <= DC_MAX_LABEL &&
	    strlen(protocol) <= DC_MAX_PROTOCOL ? 0 : -1;
}

static int
next_sid(struct dc_mgr *m, uint16_t *out)
{
	uint32_t limit = sctp_streams_out(m->cfg.sctp);

	if (limit > m->cfg.streams)
		limit = m->cfg.streams;
	for (uint32_t sid = m->cfg.dtls_server ? 1 : 0; sid < limit; sid += 2) {
		if (sid_free(m, (uint16_t)sid)) {
			*out = (uint16_t)sid;
			return 0;
		}
	}
	return -1;
}

struct dc_channel *
dc_open(struct dc_mgr *m, const char *label, const char *protocol, uint8_t type,
    uint32_t rel_param)
{
	uint8_t msg[DCEP_OPEN_HDR + DC_MAX_LABEL + DC_MAX_PROTOCOL];
	struct dcep_open o;
	struct dc_channel *ch;
	uint16_t sid;
	int n;

	if (check_names(label, protocol, type) < 0) {
		errno = EINVAL;
		return NULL;
	}
	if (!sctp_is_up(m->cfg.sctp)) {
		errno = ENOTCONN;
		return NULL;
	}
	if (next_sid(m, &sid) < 0) {
		errno = ENOSPC;
		return NULL;
	}
	memset(&o, 0, sizeof(o));
	o.type = type;
	o.rel_param = rel_param;
	o.label = (const uint8_t *)(label ? label : "");
	o.label_len = (uint16_t)strlen((const char *)o.label);
	o.protocol = (const uint8_t *)(protocol ? protocol : "");
	o.protocol_len = (uint16_t)strlen((const char *)o.protocol);
	if ((n = dcep_build_open(msg, sizeof(msg), &o)) < 0) {
		errno = EINVAL;
		return NULL;
	}
	ch = chan_new(m, sid, o.label, o.label_len, o.protocol, o.protocol_len, type, rel_param);
	if (ch == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	if (sctp_send(m->cfg.sctp, sid, SCTP_PPID_DCEP, msg, (size_t)n, 0, SCTP_REL_FULL, 0) < 0) {
		int err = errno;

		m->chans[sid] = NULL;
		chan_free(ch);
		errno = err;
		return NULL;
	}
	ch->state = DC_CONNECTING;
	m->st.opened_out++;
	return ch;
}

struct dc_channel *
dc_open_negotiated(struct dc_mgr *m, uint16_t sid, const char *label, const char *protocol,
    uint8_t type, uint32_t rel_param)
{
	struct dc_channel *ch;

	if (check_names(label, protocol, type) < 0 || sid >= m->cfg.streams) {
		errno = EINVAL;
		return NULL;
	}
	if (!sid_free(m, sid)) {
		errno = EBUSY;
		return NULL;
	}
	label = label ? label : "";
	protocol = protocol ? protocol : "";
	ch = chan_new(m, sid, label, strlen(label), protocol, strlen(protocol), type, rel_param);
	if (ch == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	ch->negotiated = 1;
	ch->state = DC_OPEN;
	return ch;
}

static int
policy_of(uint8_t type)
{
	switch (type & ~DC_TYPE_UNORDERED) {
	case DC_REXMIT:
		return SCTP_REL_REXMIT;
	case DC_TIMED:
		return SCTP_REL_TIMED;
	default:
		return SCTP_REL_FULL;
	}
}

int
dc_send(struct dc_mgr *m, struct dc_channel *ch, int binary, const uint8_t *p, size_t n)
{
	static const uint8_t zero[1] = { 0 };
	uint32_t ppid;
	int unordered;

	if (ch == NULL || ch->sid >= m->cfg.streams || m->chans[ch->sid] != ch ||
	    (n && p == NULL)) {
		errno = EINVAL;
		return -1;
	}
	if (ch->state != DC_OPEN && ch->state != DC_CONNECTING) {
		errno = EPIPE;
		return -1;
	}
	if (n > m->cfg.max_message_size) {
		errno = EMSGSIZE;
		return -1;
	}
	if (ch->ack_pending && send_ack(m, ch) < 0)
		return -1;
	if (n == 0) {
		ppid = binary ? SCTP_PPID_BINARY_EMPTY : SCTP_PPID_STRING_EMPTY;
		p = zero;
		n = 1;
	} else {
		ppid = binary ? SCTP_PPID_BINARY : SCTP_PPID_STRING;
	}
	/* Until the ACK, an opener sends ordered so the OPEN arrives first
	 * (RFC 8832 §6). */
	unordered = (ch->type & DC_TYPE_UNORDERED) && ch->state == DC_OPEN;
	return sctp_send(m->cfg.sctp, ch->sid, ppid, p, n, unordered, policy_of(ch->type),
	    ch->rel_param);
}

int
dc_close(struct dc_mgr *m, struct dc_channel *ch)
{
	if (ch == NULL || ch->sid >= m->cfg.streams || m->chans[ch->sid] != ch) {
		errno = EINVAL;
		return -1;
	}
	enter(m);
	begin_close(m, ch);
	leave(m);
	return 0;
}

struct dc_channel *
dc_get(struct dc_mgr *m, uint16_t sid)
{
	return sid < m->cfg.streams ? m->chans[sid] : NULL;
}

const struct dc_stats *
dc_get_stats(const struct dc_mgr *m)
{
	return &m->st;
}
