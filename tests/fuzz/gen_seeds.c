/* gen_seeds: writes the seed corpora of the fuzz targets (run once, the
 * output is checked in under tests/fuzz/corpus/; `make fuzz-seeds` reruns
 * it). Seeds are built with rtcd's own encoders in each target's input
 * format: RFC 5769 STUN vectors and Chromium/aiortc-shaped ICE checks, every
 * supervisor <-> worker message, the SDP fixtures of the unit tests, DCEP
 * opens and channel scripts, real SCTP packets of an established pair,
 * libp2p framing and multistream exchanges, Identify, the messages of a real
 * Noise handshake with the fuzz target's fixed keys, multiaddrs and peer ids
 * from the specs, control and config JSON, HTTP requests and paths, and
 * SRTP/SRTCP packets. Usage: gen_seeds CORPUS_DIR. */
#include <errno.h>
#include <srtp2/srtp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "common/cert.h"
#include "common/multiformats.h"
#include "common/stun.h"
#include "common/wire.h"
#include "fuzz_dcpair.h"
#include "fuzz_noise_keys.h"
#include "sdp_fixtures.h"
#include "worker/p2p/identify.h"
#include "worker/p2p/multistream.h"
#include "worker/p2p/pb.h"
#include "worker/p2p/webrtc_msg.h"
#include "worker/dtls.h"
#include "worker/srtp_sess.h"

/* The offer-mode credentials of fuzz_ice.c. */
#define ICE_UFRAG "Fz9q"
#define ICE_PWD "fuzzpasswordfuzzpassword"

static const char *top;
static int failures;

/* A growable byte string for composing scripted inputs. */
struct bs {
	uint8_t b[65536];
	size_t n;
};

static void
bs_reset(struct bs *s)
{
	s->n = 0;
}

static void
bs_put(struct bs *s, const void *p, size_t n)
{
	if (n > sizeof(s->b) - s->n) {
		fprintf(stderr, "gen_seeds: seed too large\n");
		failures++;
		return;
	}
	memcpy(s->b + s->n, p, n);
	s->n += n;
}

static void
bs_u8(struct bs *s, uint8_t v)
{
	bs_put(s, &v, 1);
}

static void
bs_u16(struct bs *s, uint16_t v)
{
	bs_u8(s, (uint8_t)(v >> 8));
	bs_u8(s, (uint8_t)v);
}

static void
bs_u32(struct bs *s, uint32_t v)
{
	bs_u16(s, (uint16_t)(v >> 16));
	bs_u16(s, (uint16_t)v);
}

/* 16-bit length + bytes (fz_chunk16) and 8-bit (fz_chunk8). */
static void
bs_chunk16(struct bs *s, const void *p, size_t n)
{
	bs_u16(s, (uint16_t)n);
	bs_put(s, p, n);
}

static void
bs_chunk8(struct bs *s, const void *p, size_t n)
{
	bs_u8(s, (uint8_t)n);
	bs_put(s, p, n);
}

static void
put(const char *target, const char *name, const void *p, size_t n)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", top, target);
	if (mkdir(path, 0755) < 0 && errno != EEXIST) {
		perror(path);
		failures++;
		return;
	}
	snprintf(path, sizeof(path), "%s/%s/%s", top, target, name);
	f = fopen(path, "wb");
	if (f == NULL || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
		perror(path);
		failures++;
	}
}

static void
put_bs(const char *target, const char *name, const struct bs *s)
{
	put(target, name, s->b, s->n);
}

static void
put_str(const char *target, const char *name, const char *s)
{
	put(target, name, s, strlen(s));
}

static size_t
unhex(const char *h, uint8_t *out, size_t cap)
{
	size_t n = 0;

	for (; h[0] && h[1] && n < cap; h += 2) {
		unsigned v;
		sscanf(h, "%2x", &v);
		out[n++] = (uint8_t)v;
	}
	return n;
}

/* ---- STUN and ICE ---------------------------------------------------- */

static const char *RFC5769_REQ =
    "000100582112a442b7e7a701bc34d686fa87dfae802200105354554e207465737420636c69656e74"
    "002400046e0001ff80290008932ff9b151263b36000600096576746a3a68367659202020000800149aeaa70c"
    "bfd8cb56781ef2b5b2d3f249c1b571a280280004e57a3bcf";
static const char *RFC5769_RESP4 =
    "0101003c2112a442b7e7a701bc34d686fa87dfae8022000b7465737420766563746f7220002000080001a147"
    "e112a643000800142b91f599fd9e90c38c7489f92af9ba53f06be7d780280004c07d4c96";
static const char *RFC5769_RESP6 =
    "010100482112a442b7e7a701bc34d686fa87dfae8022000b7465737420766563746f7220002000140002a147"
    "0113a9faa5d3f179bc25f4b5bed2b9d900080014a382954e4be67bf11784c97c8292c275bfe3ed4180280004"
    "c8fb0b4c";

/* A connectivity check as browsers and aiortc send it. */
static int
check(uint8_t *out, size_t cap, const char *user, const char *pwd, int chrome, int controlled,
    int use_cand)
{
	static const uint8_t txid[12] = { 0x6a, 0x31, 0x55, 0x02, 0x9c, 0x4e, 0x11, 0xd0, 0x7b,
		0x21, 0x08, 0xee };
	static const uint8_t prio[4] = { 0x6e, 0x7f, 0x1e, 0xff };
	static const uint8_t tie[8] = { 0x1b, 0x3c, 0x9d, 0x04, 0x55, 0xe1, 0x70, 0x2a };
	static const uint8_t netinfo[4] = { 0x00, 0x01, 0x00, 0x0a };   /* Chromium GOOG-NETWORK-INFO */
	struct stun_builder b;

	stun_build_begin(&b, out, cap, STUN_BINDING_REQUEST, txid);
	stun_build_attr(&b, STUN_ATTR_USERNAME, user, (uint16_t)strlen(user));
	if (chrome)
		stun_build_attr(&b, 0xC057, netinfo, sizeof(netinfo));
	stun_build_attr(&b, controlled ? STUN_ATTR_ICE_CONTROLLED : STUN_ATTR_ICE_CONTROLLING, tie,
	    sizeof(tie));
	if (use_cand)
		stun_build_attr(&b, STUN_ATTR_USE_CANDIDATE, NULL, 0);
	stun_build_attr(&b, STUN_ATTR_PRIORITY, prio, sizeof(prio));
	stun_build_integrity(&b, pwd, strlen(pwd));
	stun_build_fingerprint(&b);
	return stun_build_end(&b);
}

static void
gen_stun(void)
{
	static const char *lp = "libp2p+webrtc+v1/4a9e1c7bd2f8a0e36c15b9d4";
	uint8_t b[512];
	char user[256];
	int n;
	struct stun_builder sb;
	uint8_t txid[12] = { 9, 8, 7 };
	struct addr a;

	n = (int)unhex(RFC5769_REQ, b, sizeof(b));
	put("stun_peek", "rfc5769-request", b, (size_t)n);
	put("stun_full", "rfc5769-request", b, (size_t)n);
	n = (int)unhex(RFC5769_RESP4, b, sizeof(b));
	put("stun_full", "rfc5769-response-ipv4", b, (size_t)n);
	put("stun_peek", "rfc5769-response-ipv4", b, (size_t)n);
	n = (int)unhex(RFC5769_RESP6, b, sizeof(b));
	put("stun_full", "rfc5769-response-ipv6", b, (size_t)n);
	n = check(b, sizeof(b), "Fz9q:Ab3X", ICE_PWD, 1, 0, 1);
	put("stun_peek", "chromium-check", b, (size_t)n);
	put("stun_full", "chromium-check", b, (size_t)n);
	n = check(b, sizeof(b), "Fz9q:aiortc1", ICE_PWD, 0, 0, 0);
	put("stun_peek", "aiortc-check", b, (size_t)n);
	put("stun_full", "aiortc-check", b, (size_t)n);
	snprintf(user, sizeof(user), "%s:%s", lp, lp);
	n = check(b, sizeof(b), user, lp, 1, 0, 1);
	put("stun_peek", "libp2p-check", b, (size_t)n);
	put("stun_full", "libp2p-check", b, (size_t)n);
	stun_build_begin(&sb, b, sizeof(b), STUN_BINDING_INDICATION, txid);
	stun_build_fingerprint(&sb);
	n = stun_build_end(&sb);
	put("stun_peek", "indication", b, (size_t)n);
	put("stun_full", "indication", b, (size_t)n);
	addr_parse(&a, "[2001:db8::7]:50000");
	stun_build_begin(&sb, b, sizeof(b), STUN_BINDING_SUCCESS, txid);
	stun_build_xor_addr(&sb, STUN_ATTR_XOR_MAPPED_ADDRESS, &a);
	stun_build_xor_addr(&sb, STUN_ATTR_MAPPED_ADDRESS, &a);
	stun_build_error_code(&sb, 487, "Role Conflict");
	stun_build_integrity(&sb, ICE_PWD, strlen(ICE_PWD));
	stun_build_fingerprint(&sb);
	n = stun_build_end(&sb);
	put("stun_full", "response-addrs-error", b, (size_t)n);
	/* not STUN: a DTLS ClientHello start and an RTP header */
	put("stun_peek", "dtls-clienthello", "\x16\xfe\xfd\x00\x00\x00\x00\x00\x00\x00\x00\x00\x7a"
	    "\x01\x00\x00\x6e\x00\x00\x00\x00\x00\x00\x00\x6e", 25);
	put("stun_peek", "rtp", "\x80\x60\x12\x34\x00\x00\x00\x01\xca\xfe\xba\xbe", 12);
	put_str("stun_peek", "libp2p-ufrag", "libp2p+webrtc+v2/aB3+/x9");
}

static void
ice_msg_raw(struct bs *s, uint8_t flags, uint16_t dt, const uint8_t *m, size_t n)
{
	bs_u8(s, flags);
	bs_u16(s, dt);
	bs_chunk16(s, m, n);
}

/* A structured message: type, txid, attributes; the harness adds M-I/FP. */
static void
ice_msg_built(struct bs *s, uint8_t flags, const char *user, int use_cand, int controlled)
{
	static const uint8_t prio[4] = { 0x6e, 0x7f, 0x1e, 0xff };
	static const uint8_t tie[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };

	bs_u8(s, (uint8_t)(flags | 2 | 4 | 8));
	bs_u16(s, 20);
	bs_u16(s, STUN_BINDING_REQUEST);
	bs_put(s, "txid-fuzz-01", 12);
	bs_u8(s, (uint8_t)(3 + use_cand));
	bs_u16(s, STUN_ATTR_USERNAME);
	bs_chunk8(s, user, strlen(user));
	bs_u16(s, STUN_ATTR_PRIORITY);
	bs_chunk8(s, prio, sizeof(prio));
	bs_u16(s, controlled ? STUN_ATTR_ICE_CONTROLLED : STUN_ATTR_ICE_CONTROLLING);
	bs_chunk8(s, tie, sizeof(tie));
	if (use_cand) {
		bs_u16(s, STUN_ATTR_USE_CANDIDATE);
		bs_u8(s, 0);
	}
}

static void
gen_ice(void)
{
	static const char *lp = "libp2p+webrtc+v1/4a9e1c7bd2f8a0e36c15b9d4";
	struct bs s;
	uint8_t b[512];
	char user[256];
	int n;

	/* offer mode: a check, a nominating check on an authenticated tuple,
	 * a wrong password, a role conflict */
	bs_reset(&s);
	bs_u8(&s, 0);
	n = check(b, sizeof(b), "Fz9q:Ab3X", ICE_PWD, 1, 0, 0);
	ice_msg_raw(&s, 0, 5, b, (size_t)n);
	n = check(b, sizeof(b), "Fz9q:Ab3X", ICE_PWD, 1, 0, 1);
	ice_msg_raw(&s, 1, 500, b, (size_t)n);
	n = check(b, sizeof(b), "Fz9q:Ab3X", "wrongpassword", 1, 0, 0);
	ice_msg_raw(&s, 1, 20, b, (size_t)n);
	n = check(b, sizeof(b), "Fz9q:Ab3X", ICE_PWD, 0, 1, 0);
	ice_msg_raw(&s, 1, 20, b, (size_t)n);
	put_bs("ice", "offer-mode-checks", &s);
	/* WebRTC Direct: learn from the first check, then IPv6 */
	bs_reset(&s);
	bs_u8(&s, 1);
	snprintf(user, sizeof(user), "%s:%s", lp, lp);
	n = check(b, sizeof(b), user, lp, 1, 0, 1);
	ice_msg_raw(&s, 0, 5, b, (size_t)n);
	ice_msg_raw(&s, 0x11, 30000, b, (size_t)n);
	put_bs("ice", "libp2p-learn", &s);
	/* built with the harness's M-I and FINGERPRINT */
	bs_reset(&s);
	bs_u8(&s, 0);
	ice_msg_built(&s, 0, "Fz9q:Ab3X", 1, 0);
	ice_msg_built(&s, 1, "Fz9q:Ab3X", 0, 1);
	ice_msg_built(&s, 1 | 32, "Fz9q:Ab3X", 0, 0);
	put_bs("ice", "offer-mode-built", &s);
	bs_reset(&s);
	bs_u8(&s, 1);
	ice_msg_built(&s, 0, user, 1, 0);
	ice_msg_built(&s, 1, "libp2p+webrtc+v1/other:x", 0, 0);
	put_bs("ice", "libp2p-built", &s);
}

/* ---- supervisor <-> worker messages ---------------------------------- */

static void
put_wire(const char *name, const struct wire_msg *m)
{
	static uint8_t b[WIRE_MAX_MSG];
	ssize_t n = wire_encode(b, sizeof(b), m);

	if (n < 0) {
		fprintf(stderr, "gen_seeds: cannot encode %s\n", name);
		failures++;
		return;
	}
	put("wire_decode", name, b, (size_t)n);
}

static void
gen_wire(void)
{
	static const uint8_t dgram[] = { 0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42, 1, 2, 3,
		4, 5, 6, 7, 8, 9, 10, 11, 12 };
	struct wire_msg m;

	wire_init(&m, WIRE_READY, 0);
	m.u.version = WIRE_VERSION;
	put_wire("ready", &m);
	wire_init(&m, WIRE_HELLO, 0);
	m.u.hello.conn_id = 7;
	m.u.hello.mode = WIRE_MODE_DIRECT;
	m.u.hello.log_level = 2;
	m.u.hello.consent_timeout_ms = 30000;
	m.u.hello.handshake_timeout_ms = 20000;
	m.u.hello.ncand = 2;
	addr_parse(&m.u.hello.cand[0], "127.0.0.1:9000");
	addr_parse(&m.u.hello.cand[1], "[::1]:9000");
	m.u.hello.cert_len = 16;
	memset(m.u.hello.cert, 0x30, 16);
	m.u.hello.key_len = 8;
	memset(m.u.hello.key, 0x31, 8);
	m.u.hello.pubkey_len = 36;
	memset(m.u.hello.pubkey, 0x08, 36);
	put_wire("hello", &m);
	wire_init(&m, WIRE_OFFER, 0);
	m.data = (const uint8_t *)"v=0\r\n";
	m.data_len = 5;
	put_wire("offer", &m);
	wire_init(&m, WIRE_ANSWER, 0);
	strcpy(m.u.ufrag, "Fz9q");
	m.data = (const uint8_t *)"v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n";
	m.data_len = strlen((const char *)m.data);
	put_wire("answer", &m);
	wire_init(&m, WIRE_OFFER_FAIL, 0);
	m.u.text.code = 1;
	strcpy(m.u.text.text, "no a=fingerprint");
	put_wire("offer-fail", &m);
	wire_init(&m, WIRE_DGRAM_IN, 3);
	addr_parse(&m.u.tuple.local, "127.0.0.1:9000");
	addr_parse(&m.u.tuple.remote, "127.0.0.1:50000");
	m.data = dgram;
	m.data_len = sizeof(dgram);
	put_wire("dgram-in", &m);
	wire_init(&m, WIRE_DGRAM_OUT, 3);
	m.data = dgram;
	m.data_len = sizeof(dgram);
	put_wire("dgram-out", &m);
	wire_init(&m, WIRE_TUPLE_BIND, 3);
	m.u.code = 1;
	put_wire("tuple-bind", &m);
	wire_init(&m, WIRE_TUPLE_ACK, 3);
	put_wire("tuple-ack", &m);
	wire_init(&m, WIRE_PEER_ERROR, 3);
	m.u.peer_error.err = 111;
	m.u.peer_error.origin = 2;
	m.u.peer_error.type = 3;
	m.u.peer_error.code = 3;
	put_wire("peer-error", &m);
	wire_init(&m, WIRE_STATE, 0);
	m.u.state.phase = PHASE_OPEN;
	m.u.state.bytes_in = 12345;
	m.u.state.msgs_out = 3;
	strcpy(m.u.state.peer, "12D3KooWNpDk9w6WrEEcdsEH1y47W71S36yFjw4sd3j7omzgCSMS");
	put_wire("state", &m);
	wire_init(&m, WIRE_LOG, 0);
	m.u.text.code = 2;
	strcpy(m.u.text.text, "conn 7: dtls: handshake done");
	put_wire("log", &m);
	wire_init(&m, WIRE_SHUTDOWN, 0);
	m.u.code = 1;
	put_wire("shutdown", &m);
	wire_init(&m, WIRE_BYE, 0);
	strcpy(m.u.text.text, "peer closed");
	put_wire("bye", &m);
	wire_init(&m, WIRE_SIGN_REQ, 0);
	m.data = (const uint8_t *)"noise-libp2p-static-key:0123456789abcdef0123456789abcdef";
	m.data_len = 56;
	put_wire("sign-req", &m);
	wire_init(&m, WIRE_SIGN_RESP, 0);
	m.data = (const uint8_t *)"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	m.data_len = 64;
	put_wire("sign-resp", &m);
	wire_init(&m, WIRE_ROOM_JOIN, 0);
	strcpy(m.u.room, "lobby");
	m.data = (const uint8_t *)"{\"name\":\"alice\"}";
	m.data_len = strlen((const char *)m.data);
	put_wire("room-join", &m);
	wire_init(&m, WIRE_ROOM_LEAVE, 0);
	strcpy(m.u.room, "lobby");
	put_wire("room-leave", &m);
	wire_init(&m, WIRE_ROOM_PUBLISH, 0);
	strcpy(m.u.room, "lobby");
	m.data = (const uint8_t *)"hi";
	m.data_len = 2;
	put_wire("room-publish", &m);
	wire_init(&m, WIRE_ROOM_DELIVER, 0);
	strcpy(m.u.deliver.room, "lobby");
	m.u.deliver.lost = 2;
	m.u.deliver.from_conn = 9;
	m.data = (const uint8_t *)"{\"type\":\"msg\"}";
	m.data_len = strlen((const char *)m.data);
	put_wire("room-deliver", &m);
	wire_init(&m, WIRE_DEBUG, 0);
	m.u.code = DEBUG_CRASH;
	put_wire("debug", &m);
}

/* ---- SDP --------------------------------------------------------------- */

static void
gen_sdp(void)
{
	put_str("sdp", "chromium-datachannel", CHROME_DC);
	put_str("sdp", "chromium-audio-video-datachannel", CHROME_AV);
	put_str("sdp", "aiortc-1.4", AIORTC);
}

/* ---- DCEP and the SCTP association ------------------------------------ */

static size_t
dcep_open(uint8_t *out, size_t cap, uint8_t type, const char *label, const char *proto)
{
	struct dcep_open o;
	int n;

	memset(&o, 0, sizeof(o));
	o.type = type;
	o.priority = 256;
	o.rel_param = type == DC_RELIABLE ? 0 : 3;
	o.label = (const uint8_t *)label;
	o.label_len = (uint16_t)strlen(label);
	o.protocol = (const uint8_t *)proto;
	o.protocol_len = (uint16_t)strlen(proto);
	n = dcep_build_open(out, cap, &o);
	return n < 0 ? 0 : (size_t)n;
}

static void
gen_dcep(void)
{
	uint8_t b[256];
	struct bs s;
	size_t n;

	bs_reset(&s);
	bs_u8(&s, 0);
	n = dcep_open(b, sizeof(b), DC_REXMIT_UNORDERED, "chat", "json");
	bs_put(&s, b, n);
	put_bs("dcep", "open-rexmit-unordered", &s);
	bs_reset(&s);
	bs_u8(&s, 0);
	n = dcep_open(b, sizeof(b), DC_RELIABLE, "echo", "");
	bs_put(&s, b, n);
	put_bs("dcep", "open-reliable", &s);
	/* side 0 (DTLS server) gets an OPEN on even stream 2 from the browser,
	 * then a string, an empty binary message, a peer reset, steps */
	bs_reset(&s);
	bs_u8(&s, 1);
	bs_u8(&s, 0x00);
	bs_u8(&s, 2);
	bs_u8(&s, 0);                      /* PPID 50 (DCEP) */
	n = dcep_open(b, sizeof(b), DC_RELIABLE, "chat", "");
	bs_chunk16(&s, b, n);
	bs_u8(&s, 0x07);
	bs_u8(&s, 2);
	bs_u8(&s, 0x00);
	bs_u8(&s, 2);
	bs_u8(&s, 1);                      /* PPID 51 (string) */
	bs_chunk16(&s, "{\"type\":\"join\",\"room\":\"lobby\"}", 30);
	bs_u8(&s, 0x00);
	bs_u8(&s, 2);
	bs_u8(&s, 6);                      /* PPID 57 (empty binary) */
	bs_chunk16(&s, "\0", 1);
	bs_u8(&s, 0x01);
	bs_u8(&s, 2);
	bs_u8(&s, 0x07);
	bs_u8(&s, 5);
	put_bs("dcep", "script-peer-open", &s);
	/* local open from side 0, send, close, steps in between */
	bs_reset(&s);
	bs_u8(&s, 1);
	bs_u8(&s, 0x04);
	bs_chunk8(&s, "ping", 4);
	bs_u8(&s, 0);
	bs_u16(&s, 0);
	bs_u8(&s, 0x07);
	bs_u8(&s, 3);
	bs_u8(&s, 0x85);                   /* binary send on sid 1 */
	bs_u8(&s, 1);
	bs_chunk16(&s, "0123456789", 10);
	bs_u8(&s, 0x07);
	bs_u8(&s, 3);
	bs_u8(&s, 0x06);
	bs_u8(&s, 1);
	bs_u8(&s, 0x07);
	bs_u8(&s, 7);
	bs_u8(&s, 0x08);                   /* pre-negotiated channel 0 */
	bs_u8(&s, 0);
	bs_u8(&s, 0);
	put_bs("dcep", "script-local-open", &s);
}

/* Record real packets of an established pair (after the same set-up the
 * harness does) to seed the SCTP target with chunks the association
 * expects: DATA with the right TSNs, SACKs, stream resets. */
static struct bs *sctp_rec;

static void
rec_tap(int from, const uint8_t *p, size_t n)
{
	static uint8_t pkt[65536];

	if (sctp_rec != NULL && from == 1 && n > 12 && n <= sizeof(pkt)) {
		/* sequence numbers as the offsets fdc_fixup expects */
		memcpy(pkt, p, n);
		fdc_relativize(0, pkt, n);
		bs_u8(sctp_rec, 0x00);     /* fixed-up packet to side 0 */
		bs_chunk16(sctp_rec, pkt + 12, n - 12);
		bs_u8(sctp_rec, 0x02);     /* and a step */
		bs_u8(sctp_rec, 0);
	}
}

static void
gen_sctp(void)
{
	struct bs s;
	struct dc_channel *ch;

	fuzz_quiet_logs();
	fdc_tap = rec_tap;
	/* the same set-up as fuzz_dcpair.h, with side 1's packets recorded */
	bs_reset(&s);
	fdc_setup();
	/* side 1 (browser) opens a channel and sends, then closes it; the
	 * seed replays its packets to side 0 with side 1 cut off */
	bs_u8(&s, 0x02);
	bs_u8(&s, 0x80);
	sctp_rec = &s;
	ch = dc_open(fdc[1].dc, "chat", "", DC_RELIABLE, 0);
	for (int i = 0; i < 3; i++)
		pair_step(&fdc_pair);
	if (ch != NULL) {
		(void)dc_send(fdc[1].dc, ch, 0, (const uint8_t *)"hello", 5);
		(void)dc_send(fdc[1].dc, ch, 1, (const uint8_t *)"\x01\x02\x03", 3);
		for (int i = 0; i < 5; i++)
			pair_step(&fdc_pair);
		(void)dc_close(fdc[1].dc, ch);
		for (int i = 0; i < 10; i++)
			pair_step(&fdc_pair);
	}
	sctp_rec = NULL;
	fdc_teardown();
	put_bs("sctp_assoc", "recorded-open-send-close", &s);
	/* actions only: open on both sides, messages, reset, steps */
	bs_reset(&s);
	bs_u8(&s, 0x03);
	bs_chunk8(&s, "a", 1);
	bs_u8(&s, 0);
	bs_u8(&s, 0);
	bs_u8(&s, 0x0b);
	bs_chunk8(&s, "b", 1);
	bs_u8(&s, 1);
	bs_u8(&s, 0);
	bs_u8(&s, 0x02);
	bs_u8(&s, 3);
	bs_u8(&s, 0x04);
	bs_u8(&s, 1);
	bs_chunk16(&s, "x", 1);
	bs_u8(&s, 0x07);
	bs_u16(&s, 1);
	bs_u32(&s, SCTP_PPID_STRING);
	bs_u8(&s, 0);
	bs_chunk16(&s, "raw", 3);
	bs_u8(&s, 0x06);
	bs_u16(&s, 1);
	bs_u8(&s, 0x02);
	bs_u8(&s, 3);
	put_bs("sctp_assoc", "actions", &s);
	/* hand-made chunks: HEARTBEAT, SHUTDOWN, ABORT, FORWARD-TSN, RE-CONFIG */
	bs_reset(&s);
	bs_u8(&s, 0x00);
	bs_chunk16(&s, "\x04\x00\x00\x0c\x00\x01\x00\x08\x01\x02\x03\x04", 12);
	bs_u8(&s, 0x02);
	bs_u8(&s, 0);
	bs_u8(&s, 0x00);
	bs_chunk16(&s, "\xc0\x00\x00\x08\x00\x00\x00\x05", 8);
	bs_u8(&s, 0x00);
	bs_chunk16(&s, "\x82\x00\x00\x18\x00\x0d\x00\x10\x00\x00\x00\x01\x00\x00\x00\x00"
	    "\x00\x00\x00\x00\x00\x01\x00\x00", 24);
	bs_u8(&s, 0x00);
	bs_chunk16(&s, "\x07\x00\x00\x08\x00\x00\x00\x00", 8);
	bs_u8(&s, 0x00);
	bs_chunk16(&s, "\x06\x00\x00\x04", 4);
	put_bs("sctp_assoc", "chunks", &s);
	fdc_tap = NULL;
}

/* ---- libp2p framing, multistream, protobuf, identify ------------------ */

static void
gen_p2p(void)
{
	uint8_t b[1024], body[512];
	struct bs s;
	int n;
	struct wr w;
	struct identify_msg im;
	uint8_t maddr[MF_MADDR_BIN_MAX], pb[36];
	struct mf_maddr ma;

	/* webrtc framing: js sends the prefix and the body separately */
	bs_reset(&s);
	n = webrtc_msg_encode(b, sizeof(b), 0, WEBRTC_FLAG_FIN,
	    (const uint8_t *)"\x13/multistream/1.0.0\n\x11/ipfs/ping/1.0.0\n", 38);
	bs_u8(&s, 0x00);
	bs_chunk8(&s, b, 1);
	bs_u8(&s, 0x00);
	bs_chunk8(&s, b + 1, (size_t)n - 1);
	n = webrtc_msg_encode(b, sizeof(b), 0, WEBRTC_FLAG_FIN, (const uint8_t *)"0123456789abcdef0123456789abcdef", 32);
	bs_u8(&s, 0x01);
	bs_chunk16(&s, b, (size_t)n);
	bs_u8(&s, 0x02);
	bs_u8(&s, P2P_EV_LOCAL_WRITE);
	bs_u8(&s, 0x02);
	bs_u8(&s, P2P_EV_LOCAL_CLOSE_WRITE);
	n = webrtc_msg_encode(b, sizeof(b), 1, WEBRTC_FLAG_FIN_ACK, NULL, 0);
	bs_u8(&s, 0x00);
	bs_chunk8(&s, b, (size_t)n);
	n = webrtc_msg_encode(b, sizeof(b), 1, WEBRTC_FLAG_FIN, NULL, 0);
	bs_u8(&s, 0x00);
	bs_chunk8(&s, b, (size_t)n);
	put_bs("webrtc_msg", "ping-then-close", &s);
	bs_reset(&s);
	n = webrtc_msg_encode(b, sizeof(b), 1, WEBRTC_FLAG_STOP_SENDING, NULL, 0);
	bs_u8(&s, 0x00);
	bs_chunk8(&s, b, (size_t)n);
	bs_u8(&s, 0x02);
	bs_u8(&s, P2P_EV_LOCAL_CLOSE_WRITE);
	bs_u8(&s, 0x03);
	bs_u16(&s, 11000);
	n = webrtc_msg_encode(b, sizeof(b), 1, WEBRTC_FLAG_RESET, (const uint8_t *)"x", 1);
	bs_u8(&s, 0x00);
	bs_chunk8(&s, b, (size_t)n);
	put_bs("webrtc_msg", "stop-timeout-reset", &s);
	bs_reset(&s);
	unhex("281226132f6d756c746973747265616d2f312e302e300a112f697066732f70696e672f312e302e300a",
	    b, sizeof(b));
	bs_u8(&s, 0x01);
	bs_chunk16(&s, b, 41);
	put_bs("webrtc_msg", "js-ping-proposal", &s);

	/* multistream: listener (byte 0 = 0), dialer (1) */
	bs_reset(&s);
	bs_u8(&s, 0);
	bs_chunk8(&s, "\x13/multistream/1.0.0\n\x11/ipfs/ping/1.0.0\n", 38);
	put_bs("multistream", "listener-ping", &s);
	bs_reset(&s);
	bs_u8(&s, 0);
	bs_chunk8(&s, "\x13/multistream/1.0.0\n", 20);
	bs_chunk8(&s, "\x03ls\n", 4);
	bs_chunk8(&s, "\x0c/unknown/1.0\n", 14);
	bs_chunk8(&s, "\x0f/ipfs/id/1.0.0\n", 16);
	put_bs("multistream", "listener-ls-na-id", &s);
	bs_reset(&s);
	bs_u8(&s, 1);
	bs_chunk8(&s, "\x13/multistream/1.0.0\n", 20);
	bs_chunk8(&s, "\x03na\n", 4);
	bs_chunk8(&s, "\x0f/ipfs/id/1.0.0\n", 16);
	put_bs("multistream", "dialer-na-then-id", &s);
	bs_reset(&s);
	bs_u8(&s, 1);
	bs_chunk8(&s, "\x13/multistream/1.0.0\n\x11/ipfs/ping/1.0.0\n", 38);
	put_bs("multistream", "dialer-ping", &s);

	/* identify: what rtcd sends, with a binary listen address */
	memset(&im, 0, sizeof(im));
	fnk_pub_pb(FNK_ENGINE_ID_SEED, pb);
	im.public_key.p = pb;
	im.public_key.len = sizeof(pb);
	mf_maddr_parse("/ip4/127.0.0.1/udp/9000/webrtc-direct", 37, &ma);
	n = mf_maddr_to_bin(&ma, maddr, sizeof(maddr));
	im.listen_addrs[0].p = maddr;
	im.listen_addrs[0].len = n < 0 ? 0 : (size_t)n;
	im.n_listen_addrs = 1;
	im.observed_addr = im.listen_addrs[0];
	im.protocols[0] = identify_str("/ipfs/ping/1.0.0");
	im.protocols[1] = identify_str("/ipfs/id/1.0.0");
	im.n_protocols = 2;
	identify_set_server_versions(&im);
	n = identify_encode(&im, b, sizeof(b));
	if (n > 0) {
		put("identify_decode", "rtcd-identify", b, (size_t)n);
		put("pb", "identify-body", b + 2, (size_t)n - 2);
	}
	/* protobuf bodies: webrtc Message, PublicKey, every wire type */
	wr_init(&w, body, sizeof(body));
	pb_wr_varint_field(&w, 1, 0);
	pb_wr_bytes_field(&w, 2, "hello", 5);
	put("pb", "webrtc-message", body, w.len);
	put("pb", "pubkey", pb, sizeof(pb));
	put("pb", "all-wire-types", "\x08\x96\x01\x11\x01\x02\x03\x04\x05\x06\x07\x08\x1a\x03" "abc"
	    "\x25\x01\x02\x03\x04\xf8\xff\xff\xff\x0f\x01", 26);
}

/* ---- Noise ------------------------------------------------------------- */

static size_t
frame(const uint8_t *m, size_t n, uint8_t *out)
{
	out[0] = (uint8_t)(n >> 8);
	out[1] = (uint8_t)n;
	memcpy(out + 2, m, n);
	return n + 2;
}

/* Run the handshake the harness runs, with valid identities, and write
 * the messages in the four input layouts of fuzz_noise.c. */
static void
gen_noise(void)
{
	uint8_t prologue[NOISE_PROLOGUE_LEN], payload[104], m1[128], m2[512], m3[512], w[600];
	uint8_t sig[64], ts[NOISE_TO_SIGN_LEN], out[NOISE_OUT_MAX], scratch[NOISE_MAX_PAYLOAD];
	struct noise_xx peer, init;
	struct noise_cfg cfg;
	struct noise *e;
	size_t l1, l2, l3, len, pl;
	struct bs s;

	fnk_prologue(prologue);
	if (fnk_payload(FNK_PEER_ID_SEED, FNK_PEER_S, payload) != 104)
		goto fail;
	memset(&cfg, 0, sizeof(cfg));
	cfg.role = NOISE_INITIATOR;
	cfg.prologue = prologue;
	cfg.prologue_len = sizeof(prologue);
	fnk_pub_pb(FNK_ENGINE_ID_SEED, cfg.identity_key);
	cfg.static_priv = FNK_ENGINE_S;
	cfg.ephemeral_priv = FNK_ENGINE_E;
	/* engine = initiator: its msg1, the peer's msg2 */
	e = noise_new(&cfg);
	if (e == NULL || noise_write_message(e, out, sizeof(out), &len) != NOISE_RC_MSG)
		goto fail;
	noise_xx_init(&peer, 0, prologue, sizeof(prologue), FNK_PEER_S, FNK_PEER_E);
	if (noise_xx_read(&peer, out + 2, len - 2, scratch, sizeof(scratch), &pl) < 0 ||
	    noise_xx_write(&peer, payload, sizeof(payload), m2, sizeof(m2), &l2) < 0)
		goto fail;
	noise_free(e);
	noise_xx_clear(&peer);
	bs_reset(&s);
	bs_u8(&s, 0);
	bs_chunk16(&s, w, frame(m2, l2, w));
	put_bs("noise", "initiator-raw-msg2", &s);
	bs_reset(&s);
	bs_u8(&s, 1);
	bs_chunk16(&s, payload, sizeof(payload));
	bs_u8(&s, 200);                    /* feed it in one piece */
	put_bs("noise", "initiator-msg2-payload", &s);
	bs_reset(&s);
	bs_u8(&s, 1);
	bs_chunk16(&s, payload, sizeof(payload));
	for (int i = 0; i < 12; i++)
		bs_u8(&s, 9);              /* 10-byte pieces */
	put_bs("noise", "initiator-msg2-payload-split", &s);
	bs_reset(&s);
	bs_u8(&s, 5);
	bs_chunk16(&s, payload, sizeof(payload));
	put_bs("noise", "initiator-bad-signature", &s);
	/* engine = responder: the peer's msg1 and msg3 */
	cfg.role = NOISE_RESPONDER;
	e = noise_new(&cfg);
	noise_xx_init(&init, 1, prologue, sizeof(prologue), FNK_PEER_S, FNK_PEER_E);
	if (e == NULL || noise_xx_write(&init, NULL, 0, m1, sizeof(m1), &l1) < 0)
		goto fail;
	len = frame(m1, l1, w);
	if (noise_feed(e, w, len) < 0 ||
	    noise_write_message(e, out, sizeof(out), &len) != NOISE_RC_NEED_SIGNATURE)
		goto fail;
	noise_static_to_sign(e, ts);
	if (fnk_sign(FNK_ENGINE_ID_SEED, ts, sizeof(ts), sig) < 0 ||
	    noise_set_signature(e, sig, sizeof(sig)) < 0 ||
	    noise_write_message(e, out, sizeof(out), &len) != NOISE_RC_MSG ||
	    noise_xx_read(&init, out + 2, len - 2, scratch, sizeof(scratch), &pl) < 0 ||
	    noise_xx_write(&init, payload, sizeof(payload), m3, sizeof(m3), &l3) < 0)
		goto fail;
	{
		uint8_t f3[600];
		size_t n3 = frame(m3, l3, f3);
		if (noise_feed(e, f3, n3) < 0 || !noise_is_done(e))
			goto fail;
		bs_reset(&s);
		bs_u8(&s, 2);
		bs_chunk16(&s, w, frame(m1, l1, w));
		bs_chunk16(&s, f3, n3);
		put_bs("noise", "responder-raw-msg1-msg3", &s);
	}
	noise_free(e);
	noise_xx_clear(&init);
	bs_reset(&s);
	bs_u8(&s, 3);
	bs_chunk8(&s, "", 0);
	bs_u8(&s, 200);
	bs_chunk16(&s, payload, sizeof(payload));
	bs_u8(&s, 200);
	put_bs("noise", "responder-msg3-payload", &s);
	bs_reset(&s);
	bs_u8(&s, 3);
	bs_chunk8(&s, "early", 5);
	bs_u8(&s, 200);
	bs_chunk16(&s, payload, sizeof(payload));
	bs_u8(&s, 200);
	bs_put(&s, "\x00\x05trail", 7);
	put_bs("noise", "responder-payload-in-msg1-and-trailing", &s);
	return;
fail:
	fprintf(stderr, "gen_seeds: the Noise handshake failed\n");
	failures++;
}

/* ---- multiformats -------------------------------------------------------- */

static void
put_mf(const char *name, uint8_t sel, const void *p, size_t n)
{
	struct bs s;

	bs_reset(&s);
	bs_u8(&s, sel);
	bs_put(&s, p, n);
	put_bs("multiformats", name, &s);
}

static void
gen_multiformats(void)
{
	static const char *maddr = "/ip4/127.0.0.1/udp/39901/webrtc-direct/certhash/"
	    "uEiDikp5KVUgkLta1EjUN-IKbHk-dUBg8VzKgf5nXxLK46w/p2p/"
	    "12D3KooWNpDk9w6WrEEcdsEH1y47W71S36yFjw4sd3j7omzgCSMS";
	static const char *maddr6 = "/ip6/::1/udp/9000/webrtc-direct/certhash/"
	    "uEiDikp5KVUgkLta1EjUN-IKbHk-dUBg8VzKgf5nXxLK46w";
	struct mf_maddr m;
	struct mf_peerid id;
	uint8_t bin[MF_MADDR_BIN_MAX], pb[36];
	int n;

	put_mf("maddr-webrtc-direct", 0, maddr, strlen(maddr));
	put_mf("maddr-ip6", 0, maddr6, strlen(maddr6));
	if (mf_maddr_parse(maddr, strlen(maddr), &m) == 0 &&
	    (n = mf_maddr_to_bin(&m, bin, sizeof(bin))) > 0)
		put_mf("maddr-binary", 1, bin, (size_t)n);
	put_mf("peerid-base58", 2, "12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA", 52);
	put_mf("peerid-qm", 2, "QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N", 46);
	put_mf("peerid-cid-base32", 2, "bafzbeie5745rpv2m6tjyuugywy4d5ewrqgqqhfnf445he3omzpjbx5xqxe", 59);
	if (mf_peerid_from_text("12D3KooWNpDk9w6WrEEcdsEH1y47W71S36yFjw4sd3j7omzgCSMS", 52, &id) == 0)
		put_mf("peerid-bytes", 3, id.b, id.len);
	put_mf("base58", 4, "3mJr7AoUXx2Wqd", 14);
	put_mf("base64url", 5, "EiDikp5KVUgkLta1EjUN-IKbHk-dUBg8VzKgf5nXxLK46w", 46);
	put_mf("base32", 6, "mfrggzdfmztwq2lknnwg23tpobyxe", 29);
	put_mf("multibase-z", 7, "z3mJr7AoUXx2Wqd", 15);
	put_mf("multihash-sha256", 8, "\x12\x20\xe2\x92\x9e\x4a\x55\x48\x24\x2e\xd6\xb5\x12\x35\x0d"
	    "\xf8\x82\x9b\x1e\x4f\x9d\x50\x18\x3c\x57\x32\xa0\x7f\x99\xd7\xc4\xb2\xb8\xeb", 34);
	fnk_pub_pb(FNK_PEER_ID_SEED, pb);
	put_mf("pubkey-ed25519", 9, pb, sizeof(pb));
	put_mf("certhash", 10, "uEiDikp5KVUgkLta1EjUN-IKbHk-dUBg8VzKgf5nXxLK46w", 47);
	put_mf("varint", 11, "\xac\x02", 2);
	put_mf("varint-max", 11, "\xff\xff\xff\xff\xff\xff\xff\xff\x7f", 9);
}

/* ---- control socket, config, HTTP ---------------------------------------- */

static void
gen_supervisor(void)
{
	static const char *config =
	    "{\n  \"udp\": [\"0.0.0.0:9000\", \"[::]:9000\"],\n  \"http\": \"127.0.0.1:8080\",\n"
	    "  \"run_dir\": \"/run/rtcd\",\n  \"state_dir\": \"/var/lib/rtcd\",\n"
	    "  \"worker_user\": \"rtcd-worker\",\n  \"log_level\": \"info\",\n  \"syslog\": false,\n"
	    "  \"status_api\": true,\n  \"limits\": {\n    \"max_workers\": 2500,\n"
	    "    \"pool_size\": 8,\n    \"max_pending\": 256,\n    \"new_flows_per_ip\": 50,\n"
	    "    \"new_flows_burst\": 100,\n    \"consent_timeout_s\": 30,\n"
	    "    \"handshake_timeout_s\": 20,\n    \"max_pending_offers\": 256,\n"
	    "    \"max_offer_bytes\": 32768,\n    \"http_timeout_s\": 10,\n"
	    "    \"max_control_clients\": 16,\n    \"max_rooms\": 1000,\n"
	    "    \"room_members\": 1000,\n    \"rooms_per_conn\": 8,\n"
	    "    \"room_msg_bytes\": 16384,\n    \"room_msgs_per_s\": 50,\n    \"room_burst\": 100\n"
	    "  }\n}\n";
	char req[512];

	put_str("control_json", "status", "{\"cmd\": \"status\"}\n");
	put_str("control_json", "listings", "{\"cmd\":\"connections\"}\n{\"cmd\":\"workers\"}\n"
	    "{\"cmd\":\"rooms\"}\n");
	put_str("control_json", "kill-by-id-and-pid", "{\"cmd\":\"kill\",\"id\":1}\n"
	    "{\"cmd\":\"kill\",\"pid\":2147483631}\n{\"cmd\":\"kill\",\"id\":99}\n");
	put_str("control_json", "drain-reload", "{\"cmd\":\"drain\"}\n{\"cmd\":\"reload\"}\n");
	put_str("control_json", "debug", "{\"cmd\":\"debug\",\"id\":2,\"action\":\"crash\"}\n"
	    "{\"cmd\":\"debug\",\"pid\":2147483630,\"action\":\"forbidden-syscall\"}\n"
	    "{\"cmd\":\"debug\",\"id\":1,\"action\":\"x\"}\n");
	put_str("control_json", "bad", "[1,2]\n{\"cmd\":42}\n{\"cmd\":\"nope\"}\nnot json\n"
	    "{\"cmd\":\"status\",\"cmd\":\"status\"}\n\n");
	put_str("config_json", "rtcd.conf.example", config);
	put_str("config_json", "minimal", "{}");
	put_str("config_json", "http-off-ipv6", "{\"http\": null, \"udp\": [\"[::1]:0\"], "
	    "\"log_level\": \"debug\", \"debug_hooks\": true, \"limits\": {\"pool_size\": 0}}");
	put_str("config_json", "bad-values", "{\"limits\": {\"pool_size\": 5000, \"max_workers\": 1}}");
	put_str("http_offer", "get-index", "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
	put_str("http_offer", "get-info-status", "GET /v1/info HTTP/1.1\r\nHost: x\r\n\r\n"
	    "GET /v1/status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
	snprintf(req, sizeof(req), "POST /v1/offer HTTP/1.1\r\nHost: x\r\n"
	    "Content-Type: application/sdp\r\nContent-Length: %zu\r\n\r\n%s",
	    strlen("v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"),
	    "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n");
	put_str("http_offer", "post-offer", req);
	put_str("http_offer", "post-offer-wrong-type", "POST /v1/offer HTTP/1.1\r\nHost: x\r\n"
	    "Content-Type: text/plain\r\nContent-Length: 3\r\n\r\nv=0");
	put_str("http_offer", "delete-options", "DELETE /v1/session/1 HTTP/1.1\r\nHost: x\r\n\r\n"
	    "OPTIONS /v1/offer HTTP/1.1\r\nHost: x\r\n\r\n");
	put_str("http_offer", "traversal", "GET /../../etc/passwd HTTP/1.0\r\n\r\n");
	put_str("http_offer", "chunked", "POST /v1/offer HTTP/1.1\r\nHost: x\r\n"
	    "Content-Type: application/sdp\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nv=0\n\r\n0\r\n\r\n");
	put_str("http_offer", "path-app-js", "/app.js");
	put_str("http_offer", "path-dotdot", "/a/../index.html");
	put_str("http_offer", "path-hidden", "/.git/config");
	put_str("http_offer", "path-nested", "/dist/p2p.js");
}

/* ---- worker -> supervisor in context (fuzz_wchan.c) --------------------- */

enum { W_READY, W_ANSWER, W_OFFER_FAIL, W_DGRAM_OUT, W_TUPLE_BIND, W_STATE, W_LOG, W_BYE,
	W_SIGN_REQ, W_ROOM_JOIN, W_ROOM_LEAVE, W_ROOM_PUBLISH };

static void
wchan_built(struct bs *s, int worker, int type, uint8_t tuple, uint8_t code, const char *str,
    const void *data, size_t dlen)
{
	bs_u8(s, (uint8_t)(1 | worker << 4));
	bs_u8(s, (uint8_t)type);
	bs_u8(s, tuple);
	bs_u8(s, code);
	bs_chunk8(s, str, strlen(str));
	bs_chunk16(s, data, dlen);
}

static void
wchan_binding(struct bs *s, uint8_t which, const char *remote_ufrag)
{
	bs_u8(s, 3);
	bs_u8(s, which);
	bs_chunk8(s, remote_ufrag, strlen(remote_ufrag));
}

static void
gen_wchan(void)
{
	static const char stun[] = "\x01\x01\x00\x00\x21\x12\xa4\x42txid-fuzz-01";
	uint8_t sk[56];
	struct bs s;

	memcpy(sk, "noise-libp2p-static-key:", 24);
	memset(sk + 24, 0x42, 32);
	/* offer mode: worker 0 assigned (ufrag Fz9q), 1 connected, 2 spawned */
	bs_reset(&s);
	bs_u8(&s, 0x0e);
	wchan_binding(&s, 0, "Ab3X");
	wchan_built(&s, 0, W_TUPLE_BIND, 1, 1, "", "", 0);
	wchan_built(&s, 0, W_DGRAM_OUT, 1, 0, "", stun, sizeof(stun) - 1);
	wchan_built(&s, 0, W_STATE, 0, PHASE_OPEN, "", "", 0);
	wchan_built(&s, 0, W_ROOM_JOIN, 0, 0, "lobby", "{\"name\":\"alice\"}", 16);
	wchan_built(&s, 1, W_ROOM_JOIN, 0, 0, "lobby", "", 0);
	wchan_built(&s, 1, W_ROOM_PUBLISH, 0, 0, "lobby", "{\"type\":\"msg\",\"text\":\"hi\"}", 27);
	wchan_built(&s, 0, W_ROOM_LEAVE, 0, 0, "lobby", "", 0);
	wchan_built(&s, 0, W_LOG, 0, 2, "dtls: handshake done", "", 0);
	wchan_built(&s, 2, W_READY, 0, 0, "", "", 0);
	wchan_built(&s, 0, W_BYE, 0, 0, "peer closed", "", 0);
	bs_u8(&s, 4 | 1 << 4);
	put_bs("wchan", "offer-mode-session", &s);
	/* offer answer and refusal, and violations: a DGRAM_OUT to a tuple
	 * never bound, a bind of someone else's tuple, a supervisor type */
	bs_reset(&s);
	bs_u8(&s, 0x0e);
	wchan_built(&s, 0, W_ANSWER, 0, 0, "Qx7r", "v=0\r\n", 5);
	wchan_built(&s, 1, W_OFFER_FAIL, 0, 0, "no fingerprint", "", 0);
	wchan_binding(&s, 0, "Ab3X");
	wchan_built(&s, 1, W_TUPLE_BIND, 1, 0, "", "", 0);
	wchan_built(&s, 1, W_DGRAM_OUT, 1, 0, "", stun, sizeof(stun) - 1);
	bs_u8(&s, 0x00);
	bs_chunk16(&s, "\x09\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00", 13);
	put_bs("wchan", "answers-and-violations", &s);
	/* WebRTC Direct: worker 2 idle takes a libp2p flow, binds, signs */
	bs_reset(&s);
	bs_u8(&s, 0x40 | 0x10 | 0x0b);
	wchan_binding(&s, 1, "libp2p+webrtc+v1/4a9e1c7bd2f8a0e36c15b9d4");
	wchan_built(&s, 2, W_TUPLE_BIND, 1, 1, "", "", 0);
	wchan_built(&s, 2, W_SIGN_REQ, 0, 0, "", sk, sizeof(sk));
	wchan_built(&s, 2, W_SIGN_REQ, 0, 0, "", sk, sizeof(sk));
	wchan_built(&s, 2, W_STATE, 0, PHASE_OPEN, "12D3KooWNpDk9w6WrEEcdsEH1y47W71S36yFjw4sd3j7omzgCSMS",
	    "", 0);
	bs_u8(&s, 2);
	bs_chunk16(&s, stun, sizeof(stun) - 1);
	put_bs("wchan", "direct-mode-session", &s);
}

/* ---- DTLS (fuzz_dtls.c) ------------------------------------------------ */

static uint8_t hello[DTLS_MAX_MTU];
static size_t hello_len;

static void
keep_first(void *arg, const uint8_t *p, size_t n)
{
	if (hello_len == 0 && n <= sizeof(hello)) {
		memcpy(hello, p, n);
		hello_len = n;
	}
}

static void
gen_dtls(void)
{
	uint8_t cert[CERT_MAX_DER], key[KEY_MAX_DER];
	size_t cl, kl;
	struct dtls_cfg c;
	struct dtls *d;
	char err[256];
	struct bs s;

	/* a real ClientHello (with use_srtp) from our client engine */
	if (cert_generate(cert, &cl, sizeof(cert), key, &kl, sizeof(key)) < 0)
		goto fail;
	memset(&c, 0, sizeof(c));
	c.role = DTLS_ROLE_CLIENT;
	c.cert_der = cert;
	c.cert_len = cl;
	c.key_der = key;
	c.key_len = kl;
	c.verify = DTLS_VERIFY_ANY;
	c.use_srtp = 1;
	c.send = keep_first;
	d = dtls_new(&c, err, sizeof(err));
	if (d == NULL || dtls_start(d) < 0 || hello_len == 0)
		goto fail;
	dtls_free(d);
	bs_reset(&s);
	bs_u8(&s, 0x02 | 0x04);            /* server alone, SRTP, MTU 1200 */
	bs_u8(&s, 0);
	bs_chunk16(&s, hello, hello_len);
	bs_u8(&s, 1);
	bs_chunk16(&s, hello, hello_len);  /* again, then the timer */
	put_bs("dtls", "server-clienthello", &s);
	/* after a handshake: data both ways, a changed record, raw junk,
	 * the timer, close */
	bs_reset(&s);
	bs_u8(&s, 0x01 | 0x02 | 0x04);
	bs_u8(&s, 1);
	bs_chunk16(&s, "\x03\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00", 12);
	bs_u8(&s, 2);
	bs_chunk16(&s, "ack", 3);
	bs_u8(&s, 3);
	bs_u16(&s, 20);
	bs_u8(&s, 0x40);
	bs_u8(&s, 0);
	bs_chunk16(&s, hello, hello_len);
	bs_u8(&s, 5);
	bs_u8(&s, 4);
	put_bs("dtls", "connected-data-tamper-close", &s);
	bs_reset(&s);
	bs_u8(&s, 0x01 | 0x08);            /* no SRTP, MTU 1500 */
	bs_u8(&s, 1);
	{
		static uint8_t big[1400];
		memset(big, 'x', sizeof(big));
		bs_chunk16(&s, big, sizeof(big));
	}
	put_bs("dtls", "connected-large-record", &s);
	return;
fail:
	fprintf(stderr, "gen_seeds: DTLS seeds failed\n");
	failures++;
}

/* ---- SRTP --------------------------------------------------------------- */

static void
gen_srtp(void)
{
	static const uint8_t rtp[] = { 0x90, 0x6f, 0x12, 0x34, 0xde, 0xca, 0xfb, 0xad, 0xca, 0xfe,
		0xba, 0xbe, 0xbe, 0xde, 0x00, 0x01, 0x10, 0xff, 0x00, 0x00, 0xab, 0xab, 0xab, 0xab };
	static const uint8_t rtcp[] = { 0x81, 0xc8, 0x00, 0x06, 0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 1,
		0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0, 5 };
	static const uint8_t pli[] = { 0x81, 0xce, 0x00, 0x02, 0, 0, 0, 1, 0xca, 0xfe, 0xba, 0xbe };
	uint8_t b[256];
	size_t n;
	struct bs s;

	for (int gcm = 0; gcm < 2; gcm++) {
		bs_reset(&s);
		bs_u8(&s, (uint8_t)gcm);
		bs_u8(&s, 2);
		bs_chunk16(&s, rtp, sizeof(rtp));
		bs_u8(&s, 3);
		bs_chunk16(&s, rtcp, sizeof(rtcp));
		bs_u8(&s, 3);
		bs_chunk16(&s, pli, sizeof(pli));
		bs_u8(&s, 2 | 4);
		bs_chunk16(&s, rtp, sizeof(rtp));
		bs_u16(&s, 3);
		bs_u8(&s, 0x80);
		bs_u8(&s, 2);
		bs_chunk16(&s, rtp, sizeof(rtp));   /* a replay */
		put_bs("srtp", gcm ? "gcm-protect-unprotect" : "cm-protect-unprotect", &s);
	}
	/* libsrtp's reference packets (other keys: they fail authentication) */
	bs_reset(&s);
	bs_u8(&s, 0);
	n = unhex("800f1234decafbadcafebabe4e55dc4ce79978d88ca4d215949d2402b78d6acc99ea179b8dbb",
	    b, sizeof(b));
	bs_u8(&s, 0);
	bs_chunk16(&s, b, n);
	n = unhex("81c8000bcafebabe7128035be487b9bdbef89041f977a5a880000001993e08cd54d6c1230798",
	    b, sizeof(b));
	bs_u8(&s, 1);
	bs_chunk16(&s, b, n);
	put_bs("srtp", "libsrtp-reference-raw", &s);
}

int
main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: gen_seeds CORPUS_DIR\n");
		return 2;
	}
	top = argv[1];
	if (mkdir(top, 0755) < 0 && errno != EEXIST) {
		perror(top);
		return 1;
	}
	if (srtp_init() != srtp_err_status_ok)
		return 1;
	gen_stun();
	gen_ice();
	gen_wire();
	gen_sdp();
	gen_dcep();
	gen_sctp();
	gen_p2p();
	gen_noise();
	gen_multiformats();
	gen_supervisor();
	gen_srtp();
	gen_wchan();
	gen_dtls();
	printf("gen_seeds: corpora written to %s (%d failures)\n", top, failures);
	return failures ? 1 : 0;
}
