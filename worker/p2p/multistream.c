/* multistream: multistream-select 1.0 listener and dialer (see
 * multistream.h). */
#include "worker/p2p/multistream.h"

#include <string.h>

#include "common/multiformats.h"

#define PREFIX_MAX 3               /* uvarint of MSS_MAX_LINE fits in 2; allow one spare */

enum { L_HEADER, L_PROPOSAL, L_DONE, L_FAILED };
enum { D_IDLE, D_HEADER, D_PROTO, D_NA, D_DONE, D_FAILED };

static const char NA[] = "na";
static const char LS[] = "ls";

void
mss_write_msg(struct wr *w, const char *s, size_t len)
{
	mf_wr_uvarint(w, (uint64_t)len + 1);
	wr_bytes(w, s, len);
	wr_u8(w, '\n');
}

static int
valid_name(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n < MSS_MAX_LINE && memchr(s, '\n', n) == NULL;
}

static void
reader_reset(struct mss_reader *r)
{
	r->have = 0;
	r->hdr_len = 0;
	r->msg_len = 0;
}

/* Accumulate one message from (*p, *n) without reading past its end.
 * 1: complete; 0: need more; -1: bad length prefix. */
static int
reader_take(struct mss_reader *r, const uint8_t **p, size_t *n)
{
	while (*n > 0) {
		size_t take;

		if (r->hdr_len == 0) {
			uint64_t v;
			int k;

			r->buf[r->have++] = **p;
			(*p)++;
			(*n)--;
			k = mf_uvarint_decode(r->buf, r->have, &v);
			if (k < 0 || (k == 0 && r->have == PREFIX_MAX))
				return -1;
			if (k == 0)
				continue;
			if (v == 0 || v > MSS_MAX_LINE)
				return -1;
			r->hdr_len = r->have;
			r->msg_len = (size_t)v;
		}
		take = r->hdr_len + r->msg_len - r->have;
		if (take > *n)
			take = *n;
		memcpy(r->buf + r->have, *p, take);
		r->have += take;
		*p += take;
		*n -= take;
		if (r->have == r->hdr_len + r->msg_len)
			return 1;
	}
	return 0;
}

/* The line of a complete message (without '\n'), or NULL if malformed. */
static const char *
reader_line(const struct mss_reader *r, size_t *len)
{
	const uint8_t *m = r->buf + r->hdr_len;
	size_t n = r->msg_len;

	if (m[n - 1] != '\n' || memchr(m, '\n', n - 1) != NULL || memchr(m, '\0', n - 1) != NULL)
		return NULL;
	*len = n - 1;
	return (const char *)m;
}

static int
line_is(const char *line, size_t len, const char *s)
{
	return strlen(s) == len && memcmp(line, s, len) == 0;
}

int
mss_listener_init(struct mss_listener *l, const char *const *protos, size_t nprotos)
{
	memset(l, 0, sizeof(*l));
	if (nprotos > MSS_MAX_PROTOCOLS)
		return -1;
	for (size_t i = 0; i < nprotos; i++)
		if (protos[i] == NULL || !valid_name(protos[i]))
			return -1;
	l->protos = protos;
	l->nprotos = nprotos;
	l->state = L_HEADER;
	l->selected = -1;
	return 0;
}

/* "ls" answer (go-multistream layout): one message holding a message per
 * protocol, then '\n'. */
static void
write_listing(const struct mss_listener *l, struct wr *out)
{
	size_t total = 1;

	for (size_t i = 0; i < l->nprotos; i++) {
		size_t len = strlen(l->protos[i]) + 1;
		total += mf_uvarint_len(len) + len;
	}
	mf_wr_uvarint(out, total);
	for (size_t i = 0; i < l->nprotos; i++)
		mss_write_msg(out, l->protos[i], strlen(l->protos[i]));
	wr_u8(out, '\n');
}

/* Handle one proposal line: 1 selected, 0 answered (na/ls), -1 error. */
static int
listener_proposal(struct mss_listener *l, const char *line, size_t len, struct wr *out)
{
	for (size_t i = 0; i < l->nprotos; i++) {
		if (line_is(line, len, l->protos[i])) {
			mss_write_msg(out, line, len);
			l->selected = (int)i;
			return 1;
		}
	}
	if (++l->attempts > MSS_MAX_ATTEMPTS)
		return -1;
	if (line_is(line, len, LS))
		write_listing(l, out);
	else
		mss_write_msg(out, NA, strlen(NA));
	return 0;
}

static int
listener_message(struct mss_listener *l, struct wr *out)
{
	const char *line;
	size_t len;

	line = reader_line(&l->rd, &len);
	reader_reset(&l->rd);
	if (line == NULL)
		return -1;
	if (l->state == L_HEADER) {
		if (!line_is(line, len, MSS_HEADER))
			return -1;
		mss_write_msg(out, MSS_HEADER, strlen(MSS_HEADER));
		l->state = L_PROPOSAL;
		return 0;
	}
	return listener_proposal(l, line, len, out);
}

enum mss_result
mss_listener_input(struct mss_listener *l, const uint8_t *p, size_t n, struct wr *out,
    size_t *consumed)
{
	const uint8_t *start = p;

	*consumed = 0;
	if (l->state == L_DONE)
		return MSS_SELECTED;
	if (l->state == L_FAILED)
		return MSS_ERROR;
	while (n > 0) {
		int rc = reader_take(&l->rd, &p, &n);

		if (rc == 0)
			break;
		if (rc > 0)
			rc = listener_message(l, out);
		if (rc < 0 || out->err) {
			l->state = L_FAILED;
			return MSS_ERROR;
		}
		if (rc > 0) {
			l->state = L_DONE;
			*consumed = (size_t)(p - start);
			return MSS_SELECTED;
		}
	}
	*consumed = (size_t)(p - start);
	return MSS_CONTINUE;
}

const char *
mss_listener_protocol(const struct mss_listener *l)
{
	return l->selected >= 0 ? l->protos[l->selected] : NULL;
}

int
mss_dialer_start(struct mss_dialer *d, const char *proto, struct wr *out)
{
	memset(d, 0, sizeof(*d));
	if (!valid_name(proto))
		return -1;
	d->proto = proto;
	mss_write_msg(out, MSS_HEADER, strlen(MSS_HEADER));
	mss_write_msg(out, proto, strlen(proto));
	d->state = out->err ? D_FAILED : D_HEADER;
	return out->err ? -1 : 0;
}

int
mss_dialer_propose(struct mss_dialer *d, const char *proto, struct wr *out)
{
	if (d->state != D_NA || !valid_name(proto))
		return -1;
	d->proto = proto;
	mss_write_msg(out, proto, strlen(proto));
	d->state = out->err ? D_FAILED : D_PROTO;
	return out->err ? -1 : 0;
}

/* One complete answer: MSS_CONTINUE, MSS_SELECTED, MSS_NA or MSS_ERROR. */
static enum mss_result
dialer_message(struct mss_dialer *d)
{
	const char *line;
	size_t len;

	line = reader_line(&d->rd, &len);
	reader_reset(&d->rd);
	if (line == NULL)
		return MSS_ERROR;
	if (d->state == D_HEADER) {
		if (!line_is(line, len, MSS_HEADER))
			return MSS_ERROR;
		d->state = D_PROTO;
		return MSS_CONTINUE;
	}
	if (line_is(line, len, d->proto)) {
		d->state = D_DONE;
		return MSS_SELECTED;
	}
	if (line_is(line, len, NA)) {
		d->state = D_NA;
		return MSS_NA;
	}
	return MSS_ERROR;
}

enum mss_result
mss_dialer_input(struct mss_dialer *d, const uint8_t *p, size_t n, size_t *consumed)
{
	const uint8_t *start = p;

	*consumed = 0;
	if (d->state == D_DONE)
		return MSS_SELECTED;
	if (d->state == D_FAILED || d->state == D_IDLE)
		return MSS_ERROR;
	if (d->state != D_HEADER && d->state != D_PROTO) {
		/* Nothing may arrive before our (next) proposal. */
		if (n > 0)
			d->state = D_FAILED;
		return n > 0 ? MSS_ERROR : MSS_CONTINUE;
	}
	while (n > 0) {
		int rc = reader_take(&d->rd, &p, &n);
		enum mss_result r;

		if (rc < 0) {
			d->state = D_FAILED;
			return MSS_ERROR;
		}
		if (rc == 0)
			break;
		r = dialer_message(d);
		if (r == MSS_ERROR)
			d->state = D_FAILED;
		if (r != MSS_CONTINUE) {
			*consumed = (size_t)(p - start);
			return r;
		}
	}
	*consumed = (size_t)(p - start);
	return MSS_CONTINUE;
}
