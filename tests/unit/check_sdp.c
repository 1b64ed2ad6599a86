/* check_sdp: the SDP offer parser and answer builder against Chromium and
 * aiortc shaped offers (every extracted field, the answer line by line), the
 * rejections with their reasons, the limits, and hostile input: every
 * truncation and 20 000 seeded random mutations must fail or succeed cleanly. */
#include <sys/socket.h>

#include "worker/sdp.h"
#include "testutil.h"
#include "sdp_fixtures.h"
#include "sdp_helpers.h"

#define FP1 "A5:4D:CA:18:25:30:BB:1D:6D:13:2C:DE:D6:23:7B:2E:D9:1E:3F:72:1F:CB:19:71:17:44:" \
	"94:D6:49:3C:9D:5C"
#define FP2 "34:60:BE:31:20:1E:69:FE:DA:A0:EE:E8:B9:99:7F:5C:7C:29:99:FD:AF:E5:93:25:3C:D6:" \
	"54:AF:4D:FA:D7:14"
#define FP512 "77:06:F8:5D:86:90:02:4A:D6:BD:A3:40:1B:E9:C8:CB:CC:C9:35:F6:CD:1F:61:22:6A:" \
	"E1:53:38:AE:1A:34:00:4D:33:BA:0D:24:6A:C0:4C:81:B1:BA:F2:3E:3B:F9:EE:F5:F7:9F:2B:" \
	"49:34:AF:87:F5:52:0B:69:B9:4B:0D:98"

static struct sdp_offer *offer;
static char why[256];
static char ans[SDP_ANSWER_MAX];

static void
setup(void)
{
	offer = calloc(1, sizeof(*offer));
	ck_assert_ptr_nonnull(offer);
}

static void
teardown(void)
{
	free(offer);
}

static void
parse_ok(const char *sdp)
{
	why[0] = '\0';
	ck_assert_msg(sdp_parse_offer(sdp, strlen(sdp), offer, why, sizeof(why)) == 0,
	    "parse failed: %s", why);
}

static void
parse_fails(const char *sdp, size_t len, const char *want)
{
	why[0] = '\0';
	ck_assert_msg(sdp_parse_offer(sdp, len, offer, why, sizeof(why)) == -1,
	    "parse succeeded, wanted failure \"%s\"", want);
	ck_assert_msg(strstr(why, want) != NULL, "reason \"%s\" lacks \"%s\"", why, want);
}

static void
params(struct sdp_answer_params *p)
{
	memset(p, 0, sizeof(*p));
	p->ufrag = "rtcdU";
	p->pwd = "rtcdpassword0123456789AB";
	ck_assert_uint_eq(unhex(FP_LOCAL_HEX, p->fingerprint, 32), 32);
	ck_assert_int_eq(addr_parse(&p->cands[0], "127.0.0.1:9000"), 0);
	ck_assert_int_eq(addr_parse(&p->cands[1], "[::1]:9000"), 0);
	p->ncands = 2;
	p->session_id = 1234567890123ull;
	p->sctp_port = 5000;
	p->max_message_size = 262144;
	p->ssrc[0] = 11111111;
	p->ssrc[1] = 22222222;
	p->cname = "rtcd-cname";
}

static void
build_ok(const struct sdp_answer_params *p)
{
	size_t n = 0;

	why[0] = '\0';
	ck_assert_msg(sdp_build_answer(offer, p, ans, sizeof(ans), &n, why, sizeof(why)) == 0,
	    "answer failed: %s", why);
	split_answer(ans, n);
}

static void
check_pts(const struct sdp_media *m, const int *want, size_t n)
{
	ck_assert_uint_eq(m->nanswer_pts, n);
	for (size_t i = 0; i < n; i++)
		ck_assert_int_eq(m->answer_pts[i], want[i]);
}

START_TEST(chrome_datachannel_offer)
{
	const struct sdp_media *m = &offer->media[0];
	struct sdp_answer_params p;

	parse_ok(CHROME_DC);
	ck_assert_uint_eq(offer->nmedia, 1);
	ck_assert_int_eq(offer->has_bundle, 1);
	ck_assert_uint_eq(offer->nbundle, 1);
	ck_assert_str_eq(offer->bundle[0], "0");
	ck_assert_int_eq(offer->ice_lite, 0);
	ck_assert_str_eq(offer->session.ufrag, "");
	ck_assert_int_eq(m->kind, SDP_KIND_APPLICATION);
	ck_assert_str_eq(m->kind_tok, "application");
	ck_assert_uint_eq(m->port, 9);
	ck_assert_str_eq(m->proto, "UDP/DTLS/SCTP");
	ck_assert_str_eq(sdp_text(offer, m->fmt), "webrtc-datachannel");
	ck_assert_str_eq(m->mid, "0");
	ck_assert_str_eq(m->tp.ufrag, "9Pc5");
	ck_assert_str_eq(m->tp.pwd, "k6jS2MLEIj3NbPzvGs7Wq1dR");
	ck_assert_str_eq(m->tp.ice_options, "trickle");
	ck_assert_int_eq(m->tp.setup, SDP_SETUP_ACTPASS);
	ck_assert_int_eq(m->tp.has_sha256, 1);
	check_fp(m->tp.sha256, FP2);
	ck_assert_int_eq(m->has_sctp_port, 1);
	ck_assert_uint_eq(m->sctp_port, 5000);
	ck_assert_uint_eq(m->max_message_size, 262144);
	ck_assert_int_eq(m->accepted, 1);
	ck_assert_int_eq(offer->app, 0);
	ck_assert_uint_eq(offer->naccepted, 1);
	ck_assert_str_eq(offer->remote.ufrag, "9Pc5");
	ck_assert_str_eq(offer->remote.pwd, "k6jS2MLEIj3NbPzvGs7Wq1dR");
	ck_assert_int_eq(offer->remote.setup, SDP_SETUP_ACTPASS);
	check_fp(offer->remote.sha256, FP2);

	params(&p);
	build_ok(&p);
	check_session_lines("o=rtcd 1234567890123 1 IN IP4 127.0.0.1");
	HAS(-1, "a=group:BUNDLE 0");
	NONE(-1, "a=msid-semantic");
	ck_assert_int_eq(A.nsec, 1);
	check_app_section(0, "0");
}
END_TEST

START_TEST(chrome_av_offer)
{
	const struct sdp_media *a = &offer->media[0], *v = &offer->media[1];
	static const int apts[] = { 111, 63, 9, 0, 8, 13, 110, 126 }, akeep[] = { 111, 9, 0, 8 };
	static const int vkeep[] = { 96, 97, 98, 99, 100, 101, 102, 103, 104, 105, 106, 107, 108,
		109, 127, 125, 39, 40, 45, 46 };
	const struct sdp_codec *c;

	parse_ok(CHROME_AV);
	ck_assert_uint_eq(offer->nmedia, 3);
	ck_assert_uint_eq(offer->nbundle, 3);
	ck_assert_str_eq(offer->bundle[2], "2");
	ck_assert_int_eq(a->kind, SDP_KIND_AUDIO);
	ck_assert_str_eq(a->mid, "0");
	ck_assert_int_eq(a->dir, SDP_DIR_SENDRECV);
	ck_assert_int_eq(a->rtcp_mux, 1);
	ck_assert_uint_eq(a->ncodecs, 8);
	for (size_t i = 0; i < 8; i++)
		ck_assert_int_eq(a->codecs[i].pt, apts[i]);
	c = sdp_codec_find(a, 111);
	ck_assert_str_eq(c->name, "opus");
	ck_assert_uint_eq(c->clock, 48000);
	ck_assert_uint_eq(c->channels, 2);
	ck_assert_str_eq(sdp_text(offer, c->rtpmap), "opus/48000/2");
	ck_assert_str_eq(sdp_text(offer, c->fmtp), "minptime=10;useinbandfec=1");
	ck_assert_uint_eq(c->nfb, 1);
	ck_assert_str_eq(sdp_text(offer, c->fb[0]), "transport-cc");
	c = sdp_codec_find(a, 9);
	ck_assert_str_eq(c->name, "G722");
	ck_assert_uint_eq(c->channels, 0);
	ck_assert_uint_eq(a->next, 4);
	ck_assert_uint_eq(a->ext[0].id, 1);
	ck_assert_str_eq(sdp_text(offer, a->ext[0].uri), "urn:ietf:params:rtp-hdrext:ssrc-audio-level");
	ck_assert_uint_eq(a->mid_ext_id, 4);
	ck_assert_uint_eq(a->nssrc, 1);
	ck_assert_uint_eq(a->ssrcs[0].id, 3735928559u);
	ck_assert_int_eq(a->ssrcs[0].is_rtx, 0);
	ck_assert_str_eq(sdp_text(offer, a->msid), "8d2b4c1e-6f0a-4c3b-9e57-0a1f2d3c4b5a "
	    "0c4f7d21-93ab-4e6c-b1d8-5f2e9a7c3b10");
	check_pts(a, akeep, 4);
	ck_assert_int_eq(a->answer_dir, SDP_DIR_SENDRECV);

	ck_assert_int_eq(v->kind, SDP_KIND_VIDEO);
	ck_assert_uint_eq(v->ncodecs, 23);
	ck_assert_str_eq(sdp_text(offer, sdp_codec_find(v, 102)->fmtp),
	    "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f");
	ck_assert_uint_eq(sdp_codec_find(v, 96)->nfb, 5);
	ck_assert_str_eq(sdp_text(offer, sdp_codec_find(v, 96)->fb[2]), "ccm fir");
	ck_assert_int_eq(sdp_fmtp_apt(sdp_text(offer, sdp_codec_find(v, 113)->fmtp)), 112);
	ck_assert_uint_eq(v->next, 11);
	ck_assert_uint_eq(v->mid_ext_id, 4);
	ck_assert_uint_eq(v->nssrc, 2);
	ck_assert_uint_eq(v->ssrcs[0].id, 2882400001u);
	ck_assert_int_eq(v->ssrcs[0].is_rtx, 0);
	ck_assert_uint_eq(v->ssrcs[1].id, 2882400002u);
	ck_assert_int_eq(v->ssrcs[1].is_rtx, 1);
	ck_assert_uint_eq(v->ssrcs[1].primary, 2882400001u);
	check_pts(v, vkeep, sizeof(vkeep) / sizeof(vkeep[0]));
	ck_assert_int_eq(offer->media[2].kind, SDP_KIND_APPLICATION);
	ck_assert_int_eq(offer->app, 2);
	ck_assert_uint_eq(offer->naccepted, 3);
	ck_assert_str_eq(offer->remote.ufrag, "Hr4k");
	ck_assert_str_eq(offer->remote.pwd, "tQ7x2VfL9mZp3KcR8sWb1nYe");
	ck_assert_str_eq(offer->remote.ice_options, "trickle");
	check_fp(offer->remote.sha256, FP1);
	ck_assert_int_eq(sdp_media_by_ssrc(offer, 2882400002u), 1);
	ck_assert_int_eq(sdp_media_by_ssrc(offer, 3735928559u), 0);
	ck_assert_int_eq(sdp_media_by_ssrc(offer, 5), -1);
	ck_assert_ptr_eq(sdp_media_by_mid(offer, "1"), v);
	ck_assert_ptr_null(sdp_media_by_mid(offer, "7"));
}
END_TEST

START_TEST(chrome_av_answer)
{
	struct sdp_answer_params p;
	int rtpmap, fb, fmtp;

	parse_ok(CHROME_AV);
	params(&p);
	build_ok(&p);
	check_session_lines("o=rtcd 1234567890123 1 IN IP4 127.0.0.1");
	HAS(-1, "a=group:BUNDLE 0 1 2");
	HAS(-1, "a=msid-semantic: WMS *");
	ck_assert_int_eq(A.nsec, 3);
	/* audio: opus, G722, PCMU, PCMA kept; red, CN, telephone-event dropped */
	HAS(0, "m=audio 9000 UDP/TLS/RTP/SAVPF 111 9 0 8");
	check_std_candidates(0);
	HAS(0, "a=mid:0");
	HAS(0, "a=sendrecv");
	HAS(0, "a=rtcp-mux");
	HAS(0, "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level");
	HAS(0, "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time");
	HAS(0, "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01");
	HAS(0, "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid");
	rtpmap = find(0, "a=rtpmap:111 opus/48000/2");
	fb = find(0, "a=rtcp-fb:111 transport-cc");
	fmtp = find(0, "a=fmtp:111 minptime=10;useinbandfec=1");
	ck_assert(rtpmap >= 0 && fb > rtpmap && fmtp > rtpmap);
	HAS(0, "a=rtpmap:9 G722/8000");
	HAS(0, "a=rtpmap:0 PCMU/8000");
	HAS(0, "a=rtpmap:8 PCMA/8000");
	ck_assert_int_eq(count(0, "a=rtpmap:"), 4);
	NONE(0, "a=fmtp:63");
	HAS(0, "a=msid:rtcd-0 rtcd-track-0");
	HAS(0, "a=ssrc:11111111 cname:rtcd-cname");
	HAS(0, "a=ssrc:11111111 msid:rtcd-0 rtcd-track-0");
	ck_assert_int_eq(count(0, "a=ssrc:"), 2);
	/* video: red, its rtx and ulpfec dropped; every H264 profile kept verbatim */
	HAS(1, "m=video 9000 UDP/TLS/RTP/SAVPF 96 97 98 99 100 101 102 103 104 105 106 107 108 "
	    "109 127 125 39 40 45 46");
	check_std_candidates(1);
	ck_assert_int_eq(count(1, "a=extmap:"), 4);
	HAS(1, "a=extmap:14 urn:ietf:params:rtp-hdrext:toffset");
	HAS(1, "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid");
	NONE(1, "a=extmap:13 ");
	NONE(1, "a=extmap:10 ");
	ck_assert_int_eq(count(1, "a=rtcp-fb:96 "), 5);
	HAS(1, "a=rtcp-fb:96 goog-remb");
	HAS(1, "a=rtcp-fb:96 nack pli");
	HAS(1, "a=fmtp:97 apt=96");
	HAS(1, "a=fmtp:98 profile-id=0");
	HAS(1, "a=fmtp:100 profile-id=2");
	HAS(1, "a=fmtp:104 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42001f");
	HAS(1, "a=fmtp:39 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=4d001f");
	HAS(1, "a=rtpmap:45 AV1/90000");
	HAS(1, "a=fmtp:45 level-idx=5;profile=0;tier=0");
	HAS(1, "a=fmtp:46 apt=45");
	ck_assert_int_eq(count(1, "a=rtpmap:"), 20);
	NONE(1, "a=rtpmap:112");
	NONE(1, "a=rtpmap:113");
	NONE(1, "a=fmtp:113");
	NONE(1, "a=rtpmap:114");
	HAS(1, "a=msid:rtcd-1 rtcd-track-1");
	HAS(1, "a=ssrc:22222222 cname:rtcd-cname");
	check_app_section(2, "2");
}
END_TEST

START_TEST(aiortc_offer_and_answer)
{
	const struct sdp_media *a = &offer->media[0], *v = &offer->media[1];
	static const int akeep[] = { 96, 0, 8 }, vkeep[] = { 97, 98, 99, 100, 101, 102 };
	struct sdp_answer_params p;

	parse_ok(AIORTC);
	ck_assert_uint_eq(offer->nmedia, 3);
	ck_assert_str_eq(offer->session.ufrag, "");
	ck_assert_uint_eq(a->port, 46771);
	ck_assert_int_eq(a->dir, SDP_DIR_RECVONLY);
	ck_assert_int_eq(a->answer_dir, SDP_DIR_SENDONLY);
	ck_assert_str_eq(a->tp.ufrag, "zK3q");
	ck_assert_str_eq(a->tp.pwd, "M2yTq8WvR4pLx6NcB1eHsJ");
	check_fp(a->tp.sha256, FP2);
	ck_assert_uint_eq(a->tp.nother, 0);
	ck_assert_str_eq(v->tp.ufrag, "tB7n");    /* one ICE transport per section */
	ck_assert_str_eq(offer->media[2].tp.pwd, "Hs3Lp7Xc1Vz9Nb5Mk2Jr4t");
	ck_assert_uint_eq(a->mid_ext_id, 1);
	ck_assert_uint_eq(a->ssrcs[0].id, 1876543210u);
	check_pts(a, akeep, 3);
	ck_assert_int_eq(v->dir, SDP_DIR_SENDONLY);
	ck_assert_int_eq(v->answer_dir, SDP_DIR_RECVONLY);
	check_pts(v, vkeep, 6);
	ck_assert_uint_eq(v->nssrc, 2);
	ck_assert_int_eq(v->ssrcs[1].is_rtx, 1);
	ck_assert_uint_eq(v->ssrcs[1].primary, 305419896u);
	ck_assert_uint_eq(offer->media[2].max_message_size, 65536);
	ck_assert_int_eq(offer->media[2].legacy_sctp, 1);
	ck_assert_int_eq(offer->media[2].has_sctp_port, 1);
	ck_assert_uint_eq(offer->media[2].sctp_port, 5000);
	ck_assert_int_eq(offer->media[2].has_sctpmap, 1);
	ck_assert_uint_eq(offer->media[2].sctp_streams, 65535);
	ck_assert_str_eq(offer->media[2].mid, "2");
	/* the bundle runs on the first accepted section's transport */
	ck_assert_str_eq(offer->remote.ufrag, "zK3q");
	ck_assert_str_eq(offer->remote.pwd, "M2yTq8WvR4pLx6NcB1eHsJ");
	check_fp(offer->remote.sha256, FP2);
	ck_assert_int_eq(offer->remote.setup, SDP_SETUP_ACTPASS);
	ck_assert_int_eq(offer->app, 2);

	/* IPv6 first: o=, c=, the m-line port and the first candidate follow it */
	params(&p);
	ck_assert_int_eq(addr_parse(&p.cands[0], "[2001:db8::1]:9001"), 0);
	ck_assert_int_eq(addr_parse(&p.cands[1], "192.0.2.10:9000"), 0);
	build_ok(&p);
	check_session_lines("o=rtcd 1234567890123 1 IN IP6 2001:db8::1");
	HAS(-1, "a=group:BUNDLE 0 1 2");
	HAS(0, "m=audio 9001 UDP/TLS/RTP/SAVPF 96 0 8");
	check_transport_lines(0, "c=IN IP6 2001:db8::1",
	    "a=candidate:1 1 udp 2130706431 2001:db8::1 9001 typ host");
	HAS(0, "a=candidate:2 1 udp 2130706175 192.0.2.10 9000 typ host");
	HAS(0, "a=sendonly");
	HAS(0, "a=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid");
	HAS(0, "a=extmap:2 urn:ietf:params:rtp-hdrext:ssrc-audio-level");
	HAS(0, "a=msid:rtcd-0 rtcd-track-0");
	HAS(0, "a=ssrc:11111111 cname:rtcd-cname");
	HAS(1, "m=video 9001 UDP/TLS/RTP/SAVPF 97 98 99 100 101 102");
	HAS(1, "a=recvonly");
	HAS(1, "a=rtcp-fb:97 goog-remb");
	HAS(1, "a=fmtp:98 apt=97");
	HAS(1, "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time");
	NONE(1, "a=msid:");       /* we only receive here: no sender lines */
	NONE(1, "a=ssrc:");
	/* the data channel is answered in the offer's legacy form */
	HAS(2, "m=application 9001 DTLS/SCTP 5000");
	HAS(2, "a=sctpmap:5000 webrtc-datachannel 65535");
	HAS(2, "a=max-message-size:262144");
	NONE(2, "a=sctp-port");
	HAS(2, "a=mid:2");
	HAS(2, "a=setup:passive");
}
END_TEST

/* When we reject the offer's first section, the next accepted one leads the
 * bundle: its credentials become the remote ones and its mid comes first. */
START_TEST(tagged_transport_follows_acceptance)
{
	struct sdp_answer_params p;
	char *s = subst(AIORTC, "m=audio 46771 UDP/TLS/RTP/SAVPF 96 0 8",
	    "m=audio 46771 UDP/TLS/RTP/SAVPF 96 0 8\r\na=rtpmap:96 L16/48000/2\r\n"
	    "a=rtpmap:0 X/8000\r\na=rtpmap:8 Y/8000");
	char *t = subst(s, "a=rtpmap:96 opus/48000/2\r\na=rtpmap:0 PCMU/8000\r\n"
	    "a=rtpmap:8 PCMA/8000\r\n", "");

	parse_ok(t);
	ck_assert_int_eq(offer->media[0].accepted, 0);
	ck_assert_str_eq(offer->remote.ufrag, "tB7n");
	ck_assert_str_eq(offer->remote.pwd, "9fKd2LxQ4wZr6VbN8mTy1c");
	params(&p);
	build_ok(&p);
	HAS(-1, "a=group:BUNDLE 1 2");
	HAS(0, "m=audio 0 UDP/TLS/RTP/SAVPF 96 0 8");
	free(s);
	free(t);
}
END_TEST

START_TEST(rejected_sections_get_port_zero)
{
	struct sdp_answer_params p;
	char *s1 = subst(CHROME_AV, "m=video 9 ", "m=video 0 ");
	char *s2 = subst(CHROME_AV, "m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126",
	    "m=audio 9 UDP/TLS/RTP/SAVPF 63 13 110 126");
	char *s3 = subst(CHROME_DC, "a=group:BUNDLE 0", "a=group:BUNDLE 0 1");
	char *s4 = malloc(strlen(s3) + 64);

	params(&p);
	parse_ok(s1);
	ck_assert_int_eq(offer->media[1].accepted, 0);
	ck_assert_ptr_nonnull(strstr(offer->media[1].why, "port 0"));
	build_ok(&p);
	ck_assert_int_eq(A.nsec, 3);
	HAS(-1, "a=group:BUNDLE 0 2");
	HAS(1, "m=video 0 UDP/TLS/RTP/SAVPF 96 97 98 99 100 101 102 103 104 105 106 107 108 109 "
	    "127 125 39 40 45 46 112 113 114");
	HAS(1, "a=mid:1");
	NONE(1, "a=ice-ufrag");
	NONE(1, "a=candidate");
	NONE(1, "a=rtpmap");

	parse_ok(s2);
	ck_assert_int_eq(offer->media[0].accepted, 0);
	ck_assert_str_eq(offer->media[0].why, "no codec rtcd can echo");
	build_ok(&p);
	HAS(-1, "a=group:BUNDLE 1 2");
	HAS(0, "m=audio 0 UDP/TLS/RTP/SAVPF 63 13 110 126");
	HAS(1, "m=video 9000 UDP/TLS/RTP/SAVPF 96 97 98 99 100 101 102 103 104 105 106 107 108 "
	    "109 127 125 39 40 45 46");

	sprintf(s4, "%sm=text 9 UDP/TLS/RTP/SAVPF t140\r\na=mid:1\r\n", s3);
	parse_ok(s4);
	ck_assert_str_eq(offer->media[1].why, "unsupported media kind");
	build_ok(&p);
	ck_assert_int_eq(A.nsec, 2);
	HAS(-1, "a=group:BUNDLE 0");
	HAS(1, "m=text 0 UDP/TLS/RTP/SAVPF t140");
	free(s1);
	free(s2);
	free(s3);
	free(s4);
}
END_TEST

/* A small Chromium-like video section to exercise the filters. */
static const char MINI[] =
    "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE v\r\n"
    "a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuv\r\n"
    "a=fingerprint:sha-256 " FP1 "\r\na=setup:active\r\n"
    "a=fingerprint:SHA-1 34:60:BE:31:20:1E:69:FE:DA:A0:EE:E8:B9:99:7F:5C:7C:29:99:FD\r\n"
    "a=fingerprint:sha-512 " FP512 "\r\n"
    "m=video 9 RTP/SAVPF 96 97 98 99 100\r\nc=IN IP4 0.0.0.0\r\na=mid:v\r\na=rtcp-mux\r\n"
    "a=extmap:5/sendonly urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
    "a=extmap:6 urn:ietf:params:rtp-hdrext:toffset\r\n"
    "a=rtpmap:96 VP8/90000\r\na=rtcp-fb:96 nack rpsi\r\na=rtcp-fb:96 nack\r\n"
    "a=rtcp-fb:* ccm fir\r\na=rtcp-fb:* foo\r\n"
    "a=rtpmap:97 rtx/90000\r\na=fmtp:97 rtx-time=3000; apt=96\r\n"
    "a=rtpmap:98 H263/90000\r\na=rtpmap:99 rtx/90000\r\na=fmtp:99 apt=98\r\n"
    "a=rtpmap:100 VP9/90000\r\na=fmtp:100 X=%s\r\n";

START_TEST(codec_fb_extmap_filters)
{
	struct sdp_answer_params p;
	char *big = malloc(sizeof(MINI) + SDP_MAX_FMTP + 8), pad[SDP_MAX_FMTP + 1];
	static const int keep[] = { 96, 97 };

	memset(pad, 'x', SDP_MAX_FMTP);
	pad[SDP_MAX_FMTP] = '\0';
	sprintf(big, MINI, pad);   /* VP9's fmtp is over the limit: never selected */
	params(&p);
	parse_ok(big);
	ck_assert_int_eq(offer->remote.setup, SDP_SETUP_ACTIVE);
	ck_assert_str_eq(offer->remote.ufrag, "abcd");   /* session level */
	check_fp(offer->remote.sha256, FP1);
	ck_assert_uint_eq(offer->remote.nother, 2);      /* recorded, not used */
	ck_assert_str_eq(offer->remote.other[0].hash, "sha-1");
	ck_assert_uint_eq(offer->remote.other[0].len, 20);
	ck_assert_uint_eq(offer->remote.other[0].digest[19], 0xfd);
	ck_assert_str_eq(offer->remote.other[1].hash, "sha-512");
	ck_assert_uint_eq(offer->remote.other[1].len, 64);
	ck_assert_uint_eq(offer->remote.other[1].digest[0], 0x77);
	ck_assert_uint_eq(offer->remote.other[1].digest[63], 0x98);
	ck_assert_int_eq(sdp_codec_find(&offer->media[0], 100)->unusable, 1);
	check_pts(&offer->media[0], keep, 2);
	build_ok(&p);
	HAS(0, "m=video 9000 RTP/SAVPF 96 97");
	HAS(0, "a=rtcp-fb:96 nack");
	NONE(0, "a=rtcp-fb:96 nack rpsi");
	HAS(0, "a=rtcp-fb:* ccm fir");
	NONE(0, "a=rtcp-fb:* foo");
	HAS(0, "a=fmtp:97 rtx-time=3000; apt=96");
	NONE(0, "a=extmap:5");     /* a direction we do not mirror */
	HAS(0, "a=extmap:6 urn:ietf:params:rtp-hdrext:toffset");
	ck_assert_uint_eq(offer->media[0].mid_ext_id, 5);
	free(big);
}
END_TEST

START_TEST(line_endings_and_no_bundle)
{
	struct sdp_answer_params p;
	char first[SDP_ANSWER_MAX];
	char *lf = subst(CHROME_AV, "\r\n", "\n");
	char *nob = drop_lines(CHROME_DC, "a=group:");

	params(&p);
	parse_ok(CHROME_AV);
	build_ok(&p);
	strcpy(first, ans);
	parse_ok(lf);
	build_ok(&p);
	ck_assert_str_eq(ans, first);
	parse_ok(nob);   /* one section: BUNDLE not needed, and not answered */
	build_ok(&p);
	NONE(-1, "a=group:");
	HAS(0, "a=mid:0");
	free(lf);
	free(nob);
}
END_TEST

static void
fails_with(const char *sdp, const char *want)
{
	parse_fails(sdp, strlen(sdp), want);
}

START_TEST(rejections)
{
	char *s, *t;
	char *big = malloc(SDP_MAX_LEN + 64);

	fails_with("", "empty");
	parse_fails(CHROME_DC, 0, "empty");
	fails_with("GET / HTTP/1.1\r\nHost: x\r\n\r\n", "not SDP");
	fails_with("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", "character");
	s = drop_lines(CHROME_DC, "a=fingerprint:"); fails_with(s, "no a=fingerprint"); free(s);
	s = subst(CHROME_DC, "sha-256 " FP2, "sha-1 34:60:BE:31:20:1E:69:FE:DA:A0:EE:E8:B9:99:7F:"
	    "5C:7C:29:99:FD");
	fails_with(s, "no sha-256 a=fingerprint"); free(s);
	s = drop_lines(CHROME_DC, "a=ice-ufrag:"); fails_with(s, "no a=ice-ufrag"); free(s);
	s = drop_lines(CHROME_DC, "a=ice-pwd:"); fails_with(s, "no a=ice-pwd"); free(s);
	s = subst(CHROME_DC, "ice-ufrag:9Pc5", "ice-ufrag:9P-5"); fails_with(s, "bad a=ice-ufrag");
	free(s);
	s = subst(CHROME_DC, "ice-ufrag:9Pc5", "ice-ufrag:9Pc"); fails_with(s, "bad a=ice-ufrag");
	free(s);
	s = subst(CHROME_DC, "ice-pwd:k6jS", "ice-pwd:k"); fails_with(s, "bad a=ice-pwd"); free(s);
	s = subst(CHROME_DC, "setup:actpass", "setup:passive"); fails_with(s, "setup:passive");
	free(s);
	s = subst(CHROME_AV, "a=group:BUNDLE 0 1 2\r\n", ""); fails_with(s, "BUNDLE"); free(s);
	s = subst(CHROME_DC, "a=group:BUNDLE 0", "a=ice-lite\r\na=group:BUNDLE 0");
	fails_with(s, "ICE-lite"); free(s);
	s = subst(CHROME_DC, "UDP/DTLS/SCTP webrtc-datachannel", "DTLS/SCTP webrtc-datachannel");
	fails_with(s, "needs one SCTP port"); free(s);
	s = subst(AIORTC, "a=sctpmap:5000", "a=sctpmap:5001"); fails_with(s, "a=sctpmap"); free(s);
	s = subst(CHROME_DC, "UDP/DTLS/SCTP", "TCP/DTLS/SCTP"); fails_with(s, "unsupported m=app");
	free(s);
	s = drop_lines(CHROME_DC, "a=sctp-port"); fails_with(s, "without sctp-port"); free(s);
	s = subst(CHROME_AV, "m=audio 9 UDP/TLS/RTP/SAVPF", "m=audio 9 RTP/AVP");
	fails_with(s, "protocol"); free(s);
	s = subst(CHROME_AV, "a=mid:2", "a=mid:1"); fails_with(s, "share one a=mid"); free(s);
	s = subst(CHROME_DC, "a=group:BUNDLE 0", "a=group:BUNDLE 0 9"); fails_with(s, "BUNDLE");
	free(s);
	/* two application sections */
	s = subst(CHROME_DC, "a=group:BUNDLE 0", "a=group:BUNDLE 0 1");
	t = malloc(strlen(s) + 128);
	sprintf(t, "%sm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\n"
	    "a=mid:1\r\na=sctp-port:5000\r\n", s);
	fails_with(t, "more than one m=application"); free(s); free(t);
	/* an overlong line, then an oversized offer */
	memset(big, 'x', SDP_MAX_LEN + 63);
	memcpy(big, "v=0\r\na=", 7);
	big[7 + SDP_MAX_LINE] = '\0';
	fails_with(big, "line too long");
	big[7 + SDP_MAX_LINE] = 'x';
	parse_fails(big, SDP_MAX_LEN + 1, "too large");
	free(big);
}
END_TEST

START_TEST(limits)
{
	char *s = malloc(SDP_MAX_LEN + 1);
	size_t n;

	/* 16 m-sections are fine, 17 are not */
	for (int k = 16; k <= 17; k++) {
		n = (size_t)sprintf(s, "v=0\r\na=group:BUNDLE");
		for (int i = 0; i < k; i++)
			n += (size_t)sprintf(s + n, " %d", i);
		n += (size_t)sprintf(s + n, "\r\na=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuv\r\n"
		    "a=fingerprint:sha-256 " FP1 "\r\n");
		for (int i = 0; i < k; i++)
			n += (size_t)sprintf(s + n, "m=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=mid:%d\r\n"
			    "a=rtcp-mux\r\n", i);
		if (k == 16) {
			parse_ok(s);
			ck_assert_uint_eq(offer->naccepted, 16);
		} else {
			fails_with(s, "too many m-sections");
		}
	}
	/* 64 payload types and 32 SSRCs are fine, one more is not */
	for (int extra = 0; extra <= 2; extra++) {
		n = (size_t)sprintf(s, "v=0\r\na=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuv\r\n"
		    "a=fingerprint:sha-256 " FP1 "\r\nm=audio 9 UDP/TLS/RTP/SAVPF");
		for (int i = 0; i < 64 + (extra == 1); i++)
			n += (size_t)sprintf(s + n, " %d", i);
		n += (size_t)sprintf(s + n, "\r\na=rtcp-mux\r\n");
		for (int i = 0; i < 32 + (extra == 2); i++)
			n += (size_t)sprintf(s + n, "a=ssrc:%d cname:x\r\n", 1000 + i);
		if (extra == 0) {
			parse_ok(s);
			ck_assert_uint_eq(offer->media[0].ncodecs, 64);
			ck_assert_uint_eq(offer->media[0].nssrc, 32);
		} else {
			fails_with(s, extra == 1 ? "too many payload types" : "too many SSRCs");
		}
	}
	free(s);
}
END_TEST

START_TEST(fingerprint_helpers)
{
	uint8_t fp[32], back[32];
	char txt[SDP_FP_STRLEN];

	ck_assert_uint_eq(unhex(FP_LOCAL_HEX, fp, 32), 32);
	ck_assert_int_eq(sdp_fingerprint_format(fp, txt, sizeof(txt)), 95);
	ck_assert_str_eq(txt, FP_LOCAL_TXT);
	ck_assert_int_eq(sdp_fingerprint_format(fp, txt, sizeof(txt) - 1), -1);
	ck_assert_int_eq(sdp_fingerprint_parse(txt, back), 0);
	ck_assert_mem_eq(fp, back, 32);
	ck_assert_int_eq(sdp_fingerprint_parse("de:ad:be:ef:00:11:22:33:44:55:66:77:88:99:aa:bb:"
	    "cc:dd:ee:ff:01:02:03:04:05:06:07:08:09:0a:0b:0c", back), 0);
	ck_assert_mem_eq(fp, back, 32);
	txt[94] = '\0';      /* 31 bytes and a half */
	ck_assert_int_eq(sdp_fingerprint_parse(txt, back), -1);
	txt[92] = '\0';      /* 31 bytes */
	ck_assert_int_eq(sdp_fingerprint_parse(txt, back), -1);
	ck_assert_int_eq(sdp_fingerprint_parse(FP_LOCAL_TXT ":00", back), -1);
	ck_assert_int_eq(sdp_fingerprint_parse(FP_LOCAL_TXT ":", back), -1);
	ck_assert_int_eq(sdp_fingerprint_parse("DE-AD", back), -1);
	ck_assert_int_eq(sdp_fingerprint_parse("ZZ:AD:BE:EF:00:11:22:33:44:55:66:77:88:99:AA:BB:"
	    "CC:DD:EE:FF:01:02:03:04:05:06:07:08:09:0A:0B:0C", back), -1);
	ck_assert_int_eq(sdp_fmtp_apt("apt=96"), 96);
	ck_assert_int_eq(sdp_fmtp_apt("apt=128"), -1);
	ck_assert_int_eq(sdp_fmtp_apt("apt=9x"), -1);
	ck_assert_int_eq(sdp_fmtp_apt("rtx-time=3000"), -1);
}
END_TEST

START_TEST(answer_params_and_capacity)
{
	struct sdp_answer_params p;
	static char buf[SDP_ANSWER_MAX + 16];
	size_t full, n;

	parse_ok(CHROME_AV);
	params(&p);
	ck_assert_int_eq(sdp_build_answer(offer, &p, buf, sizeof(buf), &full, why, sizeof(why)), 0);
	/* Every smaller capacity fails cleanly and writes nothing past cap. */
	for (size_t cap = 0; cap <= full; cap++) {
		memset(buf, 0x5a, sizeof(buf));
		ck_assert_int_eq(sdp_build_answer(offer, &p, buf, cap, &n, why, sizeof(why)), -1);
		ck_assert_str_eq(why, "answer too large");
		for (size_t i = cap; i < cap + 16; i++)
			ck_assert_uint_eq((uint8_t)buf[i], 0x5a);
	}
	ck_assert_int_eq(sdp_build_answer(offer, &p, buf, full + 1, &n, why, sizeof(why)), 0);
	ck_assert_uint_eq(n, full);
	p.ufrag = "ab";
	ck_assert_int_eq(sdp_build_answer(offer, &p, buf, sizeof(buf), &n, why, sizeof(why)), -1);
	params(&p);
	p.ncands = 0;
	ck_assert_int_eq(sdp_build_answer(offer, &p, buf, sizeof(buf), &n, why, sizeof(why)), -1);
	params(&p);
	ck_assert_int_eq(addr_parse(&p.cands[1], "0.0.0.0:9000"), 0);
	ck_assert_int_eq(sdp_build_answer(offer, &p, buf, sizeof(buf), &n, why, sizeof(why)), -1);
	params(&p);
	p.cname = "has space";
	ck_assert_int_eq(sdp_build_answer(offer, &p, buf, sizeof(buf), &n, why, sizeof(why)), -1);
	ck_assert_str_eq(why, "bad cname");
	memset(offer, 0, sizeof(*offer));
	params(&p);
	ck_assert_int_eq(sdp_build_answer(offer, &p, buf, sizeof(buf), &n, why, sizeof(why)), -1);
}
END_TEST

static const char *const fixtures[] = { CHROME_DC, CHROME_AV, AIORTC };

/* Parse; when it succeeds, the answer must build. */
static void
parse_and_answer(const char *s, size_t n)
{
	struct sdp_answer_params p;
	size_t len;

	if (sdp_parse_offer(s, n, offer, why, sizeof(why)) != 0) {
		ck_assert_uint_gt(strlen(why), 0);
		return;
	}
	ck_assert_uint_gt(offer->naccepted, 0);
	params(&p);
	ck_assert_msg(sdp_build_answer(offer, &p, ans, sizeof(ans), &len, why, sizeof(why)) == 0,
	    "answer to a parsed offer failed: %s", why);
	ck_assert_uint_eq(strlen(ans), len);
}

START_TEST(every_truncation)
{
	for (size_t f = 0; f < sizeof(fixtures) / sizeof(fixtures[0]); f++) {
		size_t len = strlen(fixtures[f]);
		for (size_t n = 0; n <= len; n++) {
			/* an exact-size heap copy so ASan sees any read past n */
			char *c = malloc(n ? n : 1);
			memcpy(c, fixtures[f], n);
			parse_and_answer(c, n);
			free(c);
		}
	}
}
END_TEST

START_TEST(random_mutations)
{
	static const char pick[] = "v=am:/ 0123456789\r\n-abcdefxyzABCDEF*;\x00\x7f\xff";
	unsigned seed = 20240611;
	char *buf = malloc(SDP_MAX_LEN + 64);

	for (int i = 0; i < 20000; i++) {
		const char *f = fixtures[(size_t)rand_r(&seed) % 3];
		size_t n = strlen(f), ops = 1 + (size_t)rand_r(&seed) % 8;
		memcpy(buf, f, n);
		for (size_t k = 0; k < ops && n > 0; k++) {
			size_t at = (size_t)rand_r(&seed) % n;
			int r = rand_r(&seed);
			char ch = (r & 1) ? (char)rand_r(&seed) : pick[(size_t)rand_r(&seed) % (sizeof(pick) - 1)];
			switch (r % 3) {
			case 0:
				buf[at] = ch;
				break;
			case 1:
				memmove(buf + at + 1, buf + at, n - at);
				buf[at] = ch;
				n++;
				break;
			default:
				memmove(buf + at, buf + at + 1, n - at - 1);
				n--;
				break;
			}
		}
		parse_and_answer(buf, n);
	}
	free(buf);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("sdp");
	TCase *tc = tcase_create("core"), *rob = tcase_create("robustness");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, chrome_datachannel_offer);
	tcase_add_test(tc, chrome_av_offer);
	tcase_add_test(tc, chrome_av_answer);
	tcase_add_test(tc, aiortc_offer_and_answer);
	tcase_add_test(tc, tagged_transport_follows_acceptance);
	tcase_add_test(tc, rejected_sections_get_port_zero);
	tcase_add_test(tc, codec_fb_extmap_filters);
	tcase_add_test(tc, line_endings_and_no_bundle);
	tcase_add_test(tc, rejections);
	tcase_add_test(tc, limits);
	tcase_add_test(tc, fingerprint_helpers);
	tcase_add_test(tc, answer_params_and_capacity);
	tcase_add_checked_fixture(rob, setup, teardown);
	tcase_set_timeout(rob, 300);
	tcase_add_test(rob, every_truncation);
	tcase_add_test(rob, random_mutations);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, rob);
	return run_suite(s);
}
