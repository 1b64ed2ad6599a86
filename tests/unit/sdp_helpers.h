/* sdp_helpers: text helpers for check_sdp: editing offers (substitute, drop
 * lines), reading answers line by line (each line tagged with its m-section,
 * -1 for the session part), and the checks every accepted section shares. */
#ifndef RTCD_SDP_HELPERS_H
#define RTCD_SDP_HELPERS_H

#include "worker/sdp.h"
#include "testutil.h"

#define MAX_LINES 600
#define FP_LOCAL_HEX "deadbeef00112233445566778899aabbccddeeff0102030405060708090a0b0c"
#define FP_LOCAL_TXT "DE:AD:BE:EF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:" \
	"01:02:03:04:05:06:07:08:09:0A:0B:0C"

/* Replace every occurrence of old by new (malloc'd result). */
static char *
subst(const char *src, const char *old, const char *new)
{
	size_t lo = strlen(old), ln = strlen(new), n = 0;
	char *out = malloc(strlen(src) * (ln + 1) + 1), *w = out;
	const char *p = src, *q;

	ck_assert_ptr_nonnull(out);
	while ((q = strstr(p, old)) != NULL) {
		memcpy(w, p, (size_t)(q - p));
		w += q - p;
		memcpy(w, new, ln);
		w += ln;
		p = q + lo;
		n++;
	}
	strcpy(w, p);
	ck_assert_msg(n > 0, "fixture lacks \"%s\"", old);
	return out;
}

/* Remove every line starting with prefix. */
static char *
drop_lines(const char *src, const char *prefix)
{
	char *out = malloc(strlen(src) + 1), *w = out;
	const char *p = src;

	ck_assert_ptr_nonnull(out);
	while (*p) {
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p + 1) : strlen(p);
		if (strncmp(p, prefix, strlen(prefix)) != 0) {
			memcpy(w, p, n);
			w += n;
		}
		p += n;
	}
	*w = '\0';
	return out;
}

/* The answer split into lines, each tagged with its m-section (-1: session). */
static struct {
	char buf[SDP_ANSWER_MAX];
	const char *l[MAX_LINES];
	int sec[MAX_LINES];
	int n, nsec;
} A;

static void
split_answer(const char *a, size_t len)
{
	char *p = A.buf;

	ck_assert_uint_eq(strlen(a), len);
	ck_assert_uint_lt(len, sizeof(A.buf));
	memcpy(A.buf, a, len + 1);
	A.n = 0;
	A.nsec = 0;
	while (*p) {
		char *e = strstr(p, "\r\n");
		ck_assert_msg(e != NULL, "answer line without CRLF");
		*e = '\0';
		ck_assert_msg(strchr(p, '\n') == NULL, "bare LF in answer");
		ck_assert_int_lt(A.n, MAX_LINES);
		if (strncmp(p, "m=", 2) == 0)
			A.nsec++;
		A.l[A.n] = p;
		A.sec[A.n++] = A.nsec - 1;
		p = e + 2;
	}
}

static int
find(int sec, const char *line)
{
	for (int i = 0; i < A.n; i++)
		if (A.sec[i] == sec && strcmp(A.l[i], line) == 0)
			return i;
	return -1;
}

static int
count(int sec, const char *prefix)
{
	int c = 0;

	for (int i = 0; i < A.n; i++)
		if (A.sec[i] == sec && strncmp(A.l[i], prefix, strlen(prefix)) == 0)
			c++;
	return c;
}

#define HAS(sec, line) ck_assert_msg(find(sec, line) >= 0, "section %d lacks \"%s\"", sec, line)
#define NONE(sec, prefix) ck_assert_msg(count(sec, prefix) == 0, \
	"section %d has \"%s\"", sec, prefix)

static void
check_fp(const uint8_t *raw, const char *txt)
{
	uint8_t want[32];

	ck_assert_int_eq(sdp_fingerprint_parse(txt, want), 0);
	ck_assert_mem_eq(raw, want, 32);
}

/* The ICE/DTLS block and the candidates every accepted section carries. */
static void
check_transport_lines(int s, const char *ipline, const char *cand1)
{
	HAS(s, ipline);
	HAS(s, "a=ice-ufrag:rtcdU");
	HAS(s, "a=ice-pwd:rtcdpassword0123456789AB");
	HAS(s, "a=fingerprint:sha-256 " FP_LOCAL_TXT);
	HAS(s, "a=setup:passive");
	HAS(s, cand1);
	ck_assert_int_eq(count(s, "a=candidate:"), 2);
	HAS(s, "a=end-of-candidates");
	ck_assert_int_eq(count(s, "a=setup:"), 1);
}

static void
check_session_lines(const char *oline)
{
	ck_assert_str_eq(A.l[0], "v=0");
	ck_assert_str_eq(A.l[1], oline);
	HAS(-1, "s=-");
	HAS(-1, "t=0 0");
	HAS(-1, "a=ice-lite");
}

static void
check_std_candidates(int s)
{
	check_transport_lines(s, "c=IN IP4 127.0.0.1",
	    "a=candidate:1 1 udp 2130706431 127.0.0.1 9000 typ host");
	HAS(s, "a=candidate:2 1 udp 2130706175 ::1 9000 typ host");
}

static void
check_app_section(int s, const char *mid)
{
	char l[64];

	HAS(s, "m=application 9000 UDP/DTLS/SCTP webrtc-datachannel");
	snprintf(l, sizeof(l), "a=mid:%s", mid);
	HAS(s, l);
	HAS(s, "a=sctp-port:5000");
	HAS(s, "a=max-message-size:262144");
	NONE(s, "a=rtcp-mux");
	check_std_candidates(s);
}

#endif
