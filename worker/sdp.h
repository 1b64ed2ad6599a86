/* sdp: the offer/answer SDP of the WHIP-style mode (sans-IO, pure). A peer's
 * offer (untrusted text) is parsed strictly into plain bounded structs, checked
 * against what rtcd supports (ICE-lite, DTLS server, one BUNDLE transport,
 * rtcp-mux, SCTP data channel, media echo codecs), and answered.
 *   sdp_parse.c   lines -> struct sdp_offer (syntax, limits)
 *   sdp_policy.c  offer-wide checks, the per-section answer plan, lookups
 *   sdp_answer.c  the answer text and fingerprint helpers
 * The data channel may be offered in the RFC 8841 form (UDP/DTLS/SCTP
 * webrtc-datachannel + a=sctp-port, Chromium) or the older sctpmap form
 * (DTLS/SCTP <port> + a=sctpmap, aiortc 1.4); it is answered in the same form.
 * Bundled sections may carry different ICE credentials (aiortc 1.4 does); the
 * bundle uses those of the first accepted section, tagged first in BUNDLE.
 * Callers read the structs' fields directly; text that only the answer needs
 * (fmtp, rtcp-fb, URIs) lives in the offer's string pool (sdp_text()). */
#ifndef RTCD_SDP_H
#define RTCD_SDP_H

#include <stddef.h>
#include <stdint.h>

#include "common/addr.h"

#define SDP_MAX_LEN        (48 * 1024)  /* whole offer */
#define SDP_MAX_LINE       4096         /* one line, without its line end */
#define SDP_MAX_MEDIA      16           /* m-sections */
#define SDP_MAX_CODECS     64           /* payload types per m-section */
#define SDP_MAX_SSRCS      32           /* distinct SSRCs per m-section */
#define SDP_MAX_SSRC_GROUPS 16          /* a=ssrc-group:FID lines per m-section */
#define SDP_MAX_EXTMAPS    32           /* a=extmap lines per m-section */
#define SDP_MAX_FB         8            /* a=rtcp-fb kept per payload type (more: ignored) */
#define SDP_MAX_FPS        4            /* fingerprints other than sha-256 per level */
#define SDP_MAX_FMTP       512          /* longer fmtp: the codec is never selected */
#define SDP_MAX_CANDIDATES 8            /* local host candidates in the answer */
#define SDP_ICE_MAX        256          /* ice-ufrag / ice-pwd characters */
#define SDP_UFRAG_MIN      4
#define SDP_PWD_MIN        22
#define SDP_MID_MAX        32
#define SDP_TOKEN_MAX      32           /* codec names, protocols, media kinds */
#define SDP_ICE_OPTIONS_MAX 128
#define SDP_CNAME_MAX      64
#define SDP_FP_MAX         64           /* longest digest (sha-512) */
#define SDP_FP_STRLEN      96           /* "AA:..:FF" for sha-256 with its NUL */
#define SDP_POOL_MAX       (SDP_MAX_LEN + 1)
#define SDP_ANSWER_MAX     (48 * 1024)  /* = WIRE_MAX_BLOB; larger answers fail cleanly */
#define SDP_DEFAULT_MAX_MESSAGE_SIZE 65536u  /* RFC 8841 §6 when absent */
#define SDP_SCTP_STREAMS   65535        /* streams announced in a legacy a=sctpmap */

enum sdp_kind { SDP_KIND_OTHER = 0, SDP_KIND_AUDIO, SDP_KIND_VIDEO, SDP_KIND_APPLICATION };
enum sdp_dir { SDP_DIR_UNSET = 0, SDP_DIR_SENDRECV, SDP_DIR_SENDONLY, SDP_DIR_RECVONLY,
	SDP_DIR_INACTIVE };
enum sdp_setup { SDP_SETUP_NONE = 0, SDP_SETUP_ACTPASS, SDP_SETUP_ACTIVE, SDP_SETUP_PASSIVE,
	SDP_SETUP_HOLDCONN };

/* A reference into sdp_offer.pool: 0 = absent, else the offset of a C string. */
typedef uint16_t sdp_ref;

struct sdp_fp {                      /* one a=fingerprint other than sha-256 */
	char hash[16];               /* lower case, e.g. "sha-1" */
	uint8_t len;
	uint8_t digest[SDP_FP_MAX];
};

/* Transport attributes as written at one level (session or one m-section),
 * or, in sdp_offer.remote, the effective values of the bundle transport. */
struct sdp_transport {
	char ufrag[SDP_ICE_MAX + 1];         /* "" when absent */
	char pwd[SDP_ICE_MAX + 1];
	char ice_options[SDP_ICE_OPTIONS_MAX + 1];
	enum sdp_setup setup;
	int has_sha256;
	uint8_t sha256[32];                  /* raw digest of the peer certificate */
	struct sdp_fp other[SDP_MAX_FPS];    /* other hashes, recorded only */
	size_t nother;
};

struct sdp_codec {
	uint8_t pt;
	uint8_t channels;    /* 0 when the rtpmap has none */
	uint8_t has_rtpmap;
	uint8_t unusable;    /* fmtp too long: never selected */
	uint32_t clock;
	char name[SDP_TOKEN_MAX + 1];   /* as written, e.g. "opus", "H264", "rtx" */
	sdp_ref rtpmap;      /* text after "a=rtpmap:<pt> " */
	sdp_ref fmtp;        /* text after "a=fmtp:<pt> " */
	sdp_ref fb[SDP_MAX_FB];   /* text after "a=rtcp-fb:<pt> " */
	uint8_t nfb;
};

struct sdp_extmap {
	uint16_t id;         /* 1..255 */
	uint8_t has_dir;     /* "<id>/<direction>" was written */
	enum sdp_dir dir;
	sdp_ref uri;
};

struct sdp_ssrc {
	uint32_t id;
	uint8_t is_rtx;      /* second SSRC of an a=ssrc-group:FID */
	uint32_t primary;    /* for RTX: the SSRC it repairs */
};

struct sdp_media {
	enum sdp_kind kind;
	char kind_tok[SDP_TOKEN_MAX + 1];    /* as written ("audio", "text", ...) */
	char proto[SDP_TOKEN_MAX + 1];       /* e.g. "UDP/TLS/RTP/SAVPF" */
	sdp_ref fmt;                         /* the m-line format list, verbatim */
	uint16_t port;                       /* 0 = disabled by the offerer */
	int bundle_only;
	char mid[SDP_MID_MAX + 1];           /* "" when absent */
	enum sdp_dir dir;                    /* offered direction (session default applied) */
	int rtcp_mux;
	struct sdp_transport tp;             /* media-level transport attributes */
	/* application (SCTP) */
	int legacy_sctp;                     /* "DTLS/SCTP <port>" + a=sctpmap (aiortc 1.4) */
	int has_sctp_port;                   /* a=sctp-port, or the legacy m-line port */
	uint16_t sctp_port;
	uint32_t max_message_size;           /* 65536 when absent, 0 = "no limit" */
	int has_sctpmap;                     /* legacy a=sctpmap:<port> <protocol> [<streams>] */
	int sctpmap_is_dc;                   /* its protocol is webrtc-datachannel */
	uint16_t sctpmap_port;
	uint16_t sctp_streams;               /* 0 when not given */
	/* audio/video */
	struct sdp_codec codecs[SDP_MAX_CODECS];  /* in m-line order */
	size_t ncodecs;
	sdp_ref fb_all[SDP_MAX_FB];          /* a=rtcp-fb:* lines */
	size_t nfb_all;
	struct sdp_extmap ext[SDP_MAX_EXTMAPS];
	size_t next;
	struct sdp_ssrc ssrcs[SDP_MAX_SSRCS];
	size_t nssrc;
	uint32_t fid[SDP_MAX_SSRC_GROUPS][2];    /* a=ssrc-group:FID primary rtx */
	size_t nfid;
	sdp_ref msid;                        /* text after "a=msid:" */
	uint8_t mid_ext_id;                  /* sdes:mid extmap id, 0 = none */
	/* answer plan, filled by sdp_parse_offer */
	int accepted;                        /* answered with our port, in BUNDLE */
	const char *why;                     /* static reason when not accepted */
	enum sdp_dir answer_dir;
	uint8_t answer_pts[SDP_MAX_CODECS];  /* kept payload types, offer order */
	size_t nanswer_pts;
};

struct sdp_offer {
	struct sdp_transport session;        /* session-level attributes */
	enum sdp_dir session_dir;
	int ice_lite;                        /* the offerer said a=ice-lite */
	int has_bundle;
	char bundle[SDP_MAX_MEDIA][SDP_MID_MAX + 1];   /* first BUNDLE group's mids */
	size_t nbundle;
	struct sdp_media media[SDP_MAX_MEDIA];
	size_t nmedia;
	/* results of the checks */
	struct sdp_transport remote;         /* ICE/DTLS values of the bundle transport:
					      * those of the first accepted section (the
					      * answerer-tagged one, RFC 8843 §7.3.1) */
	int app;                             /* accepted application section, -1 none */
	size_t naccepted;
	char pool[SDP_POOL_MAX];             /* strings referenced by sdp_ref */
	size_t pool_len;
};

struct sdp_answer_params {
	const char *ufrag;                   /* local ICE credentials */
	const char *pwd;
	uint8_t fingerprint[32];             /* sha-256 of our certificate */
	struct addr cands[SDP_MAX_CANDIDATES];   /* host candidates; [0] also for c= */
	size_t ncands;
	uint64_t session_id;
	uint16_t sctp_port;                  /* ours, normally 5000 */
	uint32_t max_message_size;           /* ours, e.g. 262144 */
	uint32_t ssrc[SDP_MAX_MEDIA];        /* our sending SSRC per m-section, 0 = none */
	const char *cname;
};

/* Parse and check an offer. The offer struct is large (~150 KiB): allocate it.
 * Returns 0, or -1 with a one-line reason in why. On success every section's
 * plan (accepted, why, answer_dir, answer_pts) and remote/app are set. */
int sdp_parse_offer(const char *sdp, size_t len, struct sdp_offer *out, char *why,
    size_t whylen);
/* The offer-wide checks and the answer plan; called once by sdp_parse_offer
 * on freshly parsed sections (not meant to be called again). */
int sdp_policy_apply(struct sdp_offer *o, char *why, size_t whylen);
/* Write the answer (NUL-terminated, *outlen excludes the NUL). 0 or -1 + why. */
int sdp_build_answer(const struct sdp_offer *offer, const struct sdp_answer_params *p,
    char *out, size_t cap, size_t *outlen, char *why, size_t whylen);

/* "AA:BB:...": 95 characters; needs cap >= SDP_FP_STRLEN. Length or -1. */
int sdp_fingerprint_format(const uint8_t fp[32], char *out, size_t cap);
/* Exactly 32 colon-separated hex pairs (either case). 0 or -1. */
int sdp_fingerprint_parse(const char *s, uint8_t fp[32]);
/* Colon-separated hex pairs of any count up to cap; byte count or -1. */
int sdp_hex_colons(const char *s, size_t n, uint8_t *out, size_t cap);

/* The string behind a reference ("" for 0). */
const char *sdp_text(const struct sdp_offer *o, sdp_ref r);
/* Lookups for the worker. NULL / -1 when absent. */
const struct sdp_codec *sdp_codec_find(const struct sdp_media *m, int pt);
const struct sdp_media *sdp_media_by_mid(const struct sdp_offer *o, const char *mid);
/* An accepted section (its index) whose SSRCs include ssrc, else -1. */
int sdp_media_by_ssrc(const struct sdp_offer *o, uint32_t ssrc);
/* "apt=" of a fmtp text, -1 when absent or malformed. */
int sdp_fmtp_apt(const char *fmtp);
const char *sdp_kind_name(enum sdp_kind k);
const char *sdp_dir_name(enum sdp_dir d);

#endif
