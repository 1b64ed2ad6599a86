/* rc_offer: plain WebRTC offer mode. Builds a data-channel-only SDP offer
 * (RFC 8841 `UDP/DTLS/SCTP webrtc-datachannel`, random ICE credentials, our
 * certificate's sha-256 fingerprint, a=setup:actpass, BUNDLE) and sends it
 * with a small non-blocking HTTP/1.1 client (one request per connection,
 * Connection: close, bounded buffers, the connection's setup deadline as
 * timeout): to rtcd's WHIP-style /v1/offer, or through rc_janus.c to the
 * Janus echotest plugin. Reads back from the answer only what the client
 * needs: ice-ufrag/pwd, the sha-256 fingerprint, a=setup (Janus answers
 * active: we are then the DTLS server), sctp-port and the host candidates
 * (worker/sdp.h parses offers and rightly refuses a=setup:passive). Also
 * the configuration helpers for both modes. */
#include "bench/rc_int.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/util.h"
#include "worker/sdp.h"

#define LUFRAG_LEN 16
#define LPWD_LEN 24
#define SDP_OFFER_MAX 2048
#define MAX_CANDS 8
#define CAND_MAX 160
#define CAND_PRIORITY 2130706431u      /* host, local preference 65535, RTP */
#define HTTP_PREFIX "http://"
#define JANUS_PREFIX "janus:"
#define PATH_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/-_."

struct rc_offer {
	char req[RC_HTTP_MAX];
	size_t req_len, req_off;
	char resp[RC_HTTP_MAX + 1];
	size_t resp_len;
	int connected;
	char lufrag[LUFRAG_LEN + 1], lpwd[LPWD_LEN + 1];
	char sdp[SDP_OFFER_MAX];
};

/* What we take from the answer. */
struct answer {
	char ufrag[RC_CRED_MAX], pwd[RC_CRED_MAX];
	int has_fp;
	uint8_t fp[32];
	int active;                        /* a=setup:active: the peer is the DTLS client */
	unsigned sctp_port;
	struct addr cands[MAX_CANDS];
	int ncands;
};

/* ---- configuration helpers ---- */

int
rc_cfg_direct(struct rc_cfg *cfg, const char *target, char *err, size_t errlen)
{
	struct mf_maddr m;

	cfg->mode = RC_MODE_DIRECT;
	if (target[0] != '/') {
		if (addr_parse(&cfg->target, target) < 0) {
			snprintf(err, errlen, "bad address %s (IP:PORT or a multiaddr)", target);
			return -1;
		}
		cfg->has_server_fp = 0;
		cfg->has_peer_id = 0;
		return 0;
	}
	if (mf_maddr_parse(target, strlen(target), &m) < 0 || !m.webrtc_direct) {
		snprintf(err, errlen, "bad WebRTC Direct multiaddr %s", target);
		return -1;
	}
	cfg->target = m.addr;
	cfg->has_server_fp = m.n_certhash > 0;
	if (cfg->has_server_fp)
		memcpy(cfg->server_fp, m.certhash[0], sizeof(cfg->server_fp));
	cfg->has_peer_id = m.has_peer;
	if (m.has_peer)
		cfg->peer_id = m.peer;
	return 0;
}

int
rc_cfg_offer(struct rc_cfg *cfg, const char *url, char *err, size_t errlen)
{
	char hostport[ADDR_STRLEN];
	const char *p = url, *slash;
	size_t n;

	cfg->mode = RC_MODE_OFFER;
	cfg->janus = strncmp(p, JANUS_PREFIX, strlen(JANUS_PREFIX)) == 0;
	if (cfg->janus)
		p += strlen(JANUS_PREFIX);
	if (strncmp(p, HTTP_PREFIX, strlen(HTTP_PREFIX)) != 0) {
		snprintf(err, errlen, "the URL must start with http://");
		return -1;
	}
	p += strlen(HTTP_PREFIX);
	slash = strchr(p, '/');
	n = slash ? (size_t)(slash - p) : strlen(p);
	if (n == 0 || n >= sizeof(hostport)) {
		snprintf(err, errlen, "bad URL %s", url);
		return -1;
	}
	memcpy(hostport, p, n);
	hostport[n] = '\0';
	if (addr_parse(&cfg->http, hostport) < 0) {
		snprintf(err, errlen, "bad URL %s (an IP literal and a port, no DNS)", url);
		return -1;
	}
	cfg->http_path[0] = '\0';
	if (cfg->janus) {
		const char *path = slash ? slash : "/janus";
		size_t pl = strlen(path);
		while (pl > 1 && path[pl - 1] == '/')
			pl--;
		if (pl >= sizeof(cfg->http_path) || strspn(path, PATH_CHARS) < pl) {
			snprintf(err, errlen, "bad Janus path in %s", url);
			return -1;
		}
		memcpy(cfg->http_path, path, pl);
		cfg->http_path[pl] = '\0';
	}
	return 0;
}

int
rc_cfg_bind(struct rc_cfg *cfg, const char *ip)
{
	char hp[ADDR_STRLEN + 4];

	if (strlen(ip) >= ADDR_STRLEN - 8)
		return -1;
	snprintf(hp, sizeof(hp), strchr(ip, ':') ? "[%s]:0" : "%s:0", ip);
	return addr_parse(&cfg->bind, hp);
}

/* ---- the offer and the request ---- */

/* Janus will not run ICE without a remote candidate: make the UDP socket
 * now (bound to cfg.bind, else to the HTTP target's address family's
 * loopback) and name it in the offer. rc_start_ice connects it later. */
static int
candidate(struct rc_conn *c, char *out, size_t cap, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct addr local;
	char ip[ADDR_STRLEN];
	int n;

	if (c->cfg.bind.family == 0 &&
	    addr_parse(&c->cfg.bind, c->cfg.http.family == AF_INET6 ? "[::1]:0" : "127.0.0.1:0") < 0) {
		snprintf(err, errlen, "no local address");
		return -1;
	}
	if ((c->pre_fd = rc_udp_socket(c, c->cfg.bind.family, err, errlen)) < 0)
		return -1;
	if (getsockname(c->pre_fd, (struct sockaddr *)&ss, &sl) < 0 ||
	    addr_from_sockaddr(&local, (struct sockaddr *)&ss, sl) < 0) {
		snprintf(err, errlen, "udp getsockname: %s", strerror(errno));
		return -1;
	}
	addr_format_ip(&local, ip, sizeof(ip));
	n = snprintf(out, cap, "a=candidate:1 1 udp %u %s %u typ host\r\na=end-of-candidates\r\n",
	    CAND_PRIORITY, ip, (unsigned)local.port);
	if (n < 0 || (size_t)n >= cap) {
		snprintf(err, errlen, "candidate too long");
		return -1;
	}
	return 0;
}

static int
build_offer(struct rc_conn *c, char *err, size_t errlen)
{
	struct rc_offer *o = c->offer;
	char fp[CERT_FP_HEX_LEN], cand[CAND_MAX] = "";
	uint32_t sess;
	int n;

	if (random_token(o->lufrag, LUFRAG_LEN) < 0 || random_token(o->lpwd, LPWD_LEN) < 0 ||
	    random_bytes(&sess, sizeof(sess)) < 0) {
		snprintf(err, errlen, "no randomness");
		return -1;
	}
	cert_fingerprint_hex(c->local_fp, fp);
	if (c->cfg.janus && candidate(c, cand, sizeof(cand), err, errlen) < 0)
		return -1;
	n = snprintf(o->sdp, sizeof(o->sdp),
	    "v=0\r\no=- %u 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
	    "a=group:BUNDLE 0\r\na=msid-semantic: WMS\r\n"
	    "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\n"
	    "a=ice-ufrag:%s\r\na=ice-pwd:%s\r\na=ice-options:trickle\r\n"
	    "a=fingerprint:sha-256 %s\r\na=setup:actpass\r\na=mid:0\r\n"
	    "a=sctp-port:%u\r\na=max-message-size:%u\r\n%s",
	    (unsigned)(sess & 0x7fffffffu), o->lufrag, o->lpwd, fp, SCTP_DEFAULT_PORT,
	    RC_MAX_MESSAGE, cand);
	if (n < 0 || (size_t)n >= sizeof(o->sdp)) {
		snprintf(err, errlen, "offer too long");
		return -1;
	}
	return 0;
}

const char *
rc_offer_sdp(const struct rc_conn *c)
{
	return c->offer->sdp;
}

int
rc_offer_request(struct rc_conn *c, const char *method, const char *path, const char *body,
    size_t body_len, char *err, size_t errlen)
{
	struct rc_offer *o = c->offer;
	struct sockaddr_storage ss;
	char host[ADDR_STRLEN];
	socklen_t sl;
	int m, fd;

	/* HTTP/1.0 to Janus: its server answers 1.1 requests chunked. */
	m = snprintf(o->req, sizeof(o->req),
	    "%s %s HTTP/1.%d\r\nHost: %s\r\nContent-Type: %s\r\n"
	    "Content-Length: %zu\r\nConnection: close\r\n\r\n",
	    method, path, c->cfg.janus ? 0 : 1, addr_format(&c->cfg.http, host, sizeof(host)),
	    c->cfg.janus ? "application/json" : "application/sdp", body ? body_len : 0);
	if (m < 0 || (size_t)m + (body ? body_len : 0) >= sizeof(o->req)) {
		snprintf(err, errlen, "request too long");
		return -1;
	}
	if (body != NULL)
		memcpy(o->req + m, body, body_len);
	o->req_len = (size_t)m + (body ? body_len : 0);
	o->req_off = 0;
	o->resp_len = 0;
	o->connected = 0;
	if (c->fd >= 0) {
		close(c->fd);
		c->fd = -1;
	}
	sl = addr_to_sockaddr(&c->cfg.http, &ss);
	fd = socket(c->cfg.http.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || (connect(fd, (struct sockaddr *)&ss, sl) < 0 && errno != EINPROGRESS)) {
		snprintf(err, errlen, "http connect: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	c->fd = fd;
	c->udp = 0;
	return 0;
}

int
rc_offer_new(struct rc_conn *c, char *err, size_t errlen)
{
	if ((c->offer = calloc(1, sizeof(*c->offer))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (c->cfg.http.family == 0) {
		snprintf(err, errlen, "no HTTP address");
		return -1;
	}
	if (build_offer(c, err, errlen) < 0)
		return -1;
	if (c->cfg.janus)
		return rc_janus_start(c, err, errlen);
	c->t.offer = now_us();
	return rc_offer_request(c, "POST", "/v1/offer", c->offer->sdp, strlen(c->offer->sdp),
	    err, errlen);
}

void
rc_offer_free(struct rc_conn *c)
{
	rc_janus_free(c);
	free(c->offer);
	c->offer = NULL;
}

short
rc_offer_events(const struct rc_conn *c)
{
	const struct rc_offer *o = c->offer;

	return !o->connected || o->req_off < o->req_len ? POLLOUT : POLLIN;
}

/* ---- the answer ---- */

/* "a=candidate:<foundation> <component> <transport> <priority> <ip> <port>
 * typ <type> ..." (RFC 8839 §5.1): UDP component 1 only. */
static void
parse_candidate(struct answer *a, const char *v)
{
	char comp[8], transport[8], ip[64], hp[ADDR_STRLEN + 2];
	unsigned port;

	if (a->ncands == MAX_CANDS ||
	    sscanf(v, "%*s %7s %7s %*s %63s %u", comp, transport, ip, &port) != 4 ||
	    strcmp(comp, "1") != 0 || strcasecmp(transport, "udp") != 0 || port == 0 ||
	    port > 65535)
		return;
	snprintf(hp, sizeof(hp), strchr(ip, ':') ? "[%s]:%u" : "%s:%u", ip, port);
	if (addr_parse(&a->cands[a->ncands], hp) == 0)
		a->ncands++;
}

static void
parse_line(struct answer *a, const char *l)
{
	static const char fp_prefix[] = "a=fingerprint:sha-256 ";

	if (strncmp(l, "a=ice-ufrag:", 12) == 0)
		(void)strlcpy_checked(a->ufrag, l + 12, sizeof(a->ufrag));
	else if (strncmp(l, "a=ice-pwd:", 10) == 0)
		(void)strlcpy_checked(a->pwd, l + 10, sizeof(a->pwd));
	else if (strncasecmp(l, fp_prefix, sizeof(fp_prefix) - 1) == 0)
		a->has_fp = sdp_fingerprint_parse(l + sizeof(fp_prefix) - 1, a->fp) == 0;
	else if (strcmp(l, "a=setup:active") == 0)
		a->active = 1;
	else if (strncmp(l, "a=sctp-port:", 12) == 0)
		a->sctp_port = (unsigned)strtoul(l + 12, NULL, 10);
	else if (strncmp(l, "a=candidate:", 12) == 0)
		parse_candidate(a, l + 12);
}

static int
parse_answer(char *body, struct answer *a)
{
	char *save = NULL;

	memset(a, 0, sizeof(*a));
	for (char *l = strtok_r(body, "\r\n", &save); l != NULL; l = strtok_r(NULL, "\r\n", &save))
		parse_line(a, l);
	return a->ufrag[0] && a->pwd[0] && a->has_fp && a->ncands > 0 ? 0 : -1;
}

/* The answer's first candidate of the HTTP address's family; cfg.target
 * overrides it (its IP only when its port is 0, e.g. a relay that keeps
 * ports). */
static struct addr
pick_candidate(const struct rc_conn *c, const struct answer *a)
{
	struct addr r = a->cands[0];

	for (int i = 0; i < a->ncands; i++)
		if (a->cands[i].family == c->cfg.http.family) {
			r = a->cands[i];
			break;
		}
	if (c->cfg.target.family != 0) {
		uint16_t port = c->cfg.target.port ? c->cfg.target.port : r.port;
		r = c->cfg.target;
		r.port = port;
	}
	return r;
}

void
rc_offer_answer(struct rc_conn *c, char *sdp)
{
	struct rc_offer *o = c->offer;
	struct answer a;
	char err[RC_REASON_MAX];

	if (parse_answer(sdp, &a) < 0) {
		rc_fail(c, 1, "http: the answer lacks ICE credentials, a fingerprint or a candidate");
		return;
	}
	if ((a.sctp_port != 0 && a.sctp_port != SCTP_DEFAULT_PORT) ||
	    snprintf(c->stun_user, sizeof(c->stun_user), "%s:%s", a.ufrag, o->lufrag) >=
	    (int)sizeof(c->stun_user) ||
	    strlcpy_checked(c->stun_key, a.pwd, sizeof(c->stun_key)) < 0) {
		rc_fail(c, 1, "http: unusable answer (sctp-port %u)", a.sctp_port);
		return;
	}
	c->t.answer = now_us();
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	/* Checks to the server carry "<their ufrag>:<ours>", keyed with their
	 * password; DTLS must present the answer's certificate. */
	memcpy(c->server_fp, a.fp, sizeof(c->server_fp));
	c->have_server_fp = 1;
	c->dtls_server = a.active;
	(void)strlcpy_checked(c->local_ufrag, o->lufrag, sizeof(c->local_ufrag));
	(void)strlcpy_checked(c->local_pwd, o->lpwd, sizeof(c->local_pwd));
	c->remote = pick_candidate(c, &a);
	if (rc_start_ice(c, err, sizeof(err)) < 0)
		rc_fail(c, 0, "%s", err);
}

static void
on_response(struct rc_conn *c)
{
	struct rc_offer *o = c->offer;
	char *body;
	int status = 0;

	o->resp[o->resp_len] = '\0';
	body = strstr(o->resp, "\r\n\r\n");
	if (sscanf(o->resp, "HTTP/%*d.%*d %d", &status) != 1 || body == NULL) {
		rc_fail(c, 1, "http: malformed response");
		return;
	}
	body += 4;
	if (c->cfg.janus) {
		rc_janus_response(c, status, body, o->resp_len - (size_t)(body - o->resp));
		return;
	}
	if (status != 201) {
		body[strcspn(body, "\r\n")] = '\0';
		rc_fail(c, 1, "http: %d %.100s", status, body);
		return;
	}
	rc_offer_answer(c, body);
}

void
rc_offer_input(struct rc_conn *c, short revents)
{
	struct rc_offer *o = c->offer;
	ssize_t n;

	if (!o->connected) {
		int e = 0;
		socklen_t el = sizeof(e);
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &e, &el) < 0)
			e = errno;
		if (e != 0) {
			rc_fail(c, 1, "http connect: %s", strerror(e));
			return;
		}
		if (!(revents & POLLOUT))
			return;
		o->connected = 1;
	}
	if (o->req_off < o->req_len) {
		n = send(c->fd, o->req + o->req_off, o->req_len - o->req_off, MSG_NOSIGNAL);
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			rc_fail(c, 1, "http send: %s", strerror(errno));
		else if (n > 0)
			o->req_off += (size_t)n;
		return;
	}
	n = recv(c->fd, o->resp + o->resp_len, RC_HTTP_MAX - o->resp_len, 0);
	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			rc_fail(c, 1, "http recv: %s", strerror(errno));
		return;
	}
	o->resp_len += (size_t)n;
	if (n == 0)
		on_response(c);   /* Connection: close: the response is complete */
	else if (o->resp_len == RC_HTTP_MAX)
		rc_fail(c, 1, "http: response over %d bytes", RC_HTTP_MAX);
}
