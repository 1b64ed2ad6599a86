/* badpeer: a hostile WebRTC Direct peer for integration tests, a thin CLI
 * over bench/rtcclient (rtcd's own engines in the client role).
 *   badpeer TARGET MODE [SECONDS] [--delay MS]
 * TARGET is IP:PORT or a /ip4|ip6/.../udp/.../webrtc-direct[/certhash/...]
 * [/p2p/...] multiaddr (then the certificate and peer id are checked).
 *   dtls-garbage        after ICE: random datagrams of the DTLS class
 *   sctp-garbage        after DTLS: random SCTP packets inside DTLS records
 *   hold SECONDS        connect completely (Noise too), keep consent fresh
 *   noise-ok            complete Noise and ping once
 *   noise-bad-prologue  Noise with the two fingerprints swapped in the prologue
 *   noise-bad-sig       msg2 names our key, its signature covers random bytes
 *   noise-wrong-key     msg2 names our key, signed by another key
 * --delay MS holds the bad Noise message that long (so a test can see the
 * connection first). Prints "local ADDR" once the socket exists, then one
 * line about what happened. Exit status: 0 the scenario ran as it should
 * (garbage sent; hold/noise-ok connected; a bad Noise handshake refused by
 * the server); 1 a local or setup failure; 3 the server accepted a bad
 * handshake or did not react to it (or noise-ok failed after connecting). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/rtcclient.h"
#include "common/log.h"
#include "common/util.h"

#define GARBAGE_LINGER_MS 300   /* let the server chew on it before we exit */
#define BAD_TIMEOUT_MS 15000    /* the server must refuse within this */

enum mode { M_DTLS, M_SCTP, M_HOLD, M_NOISE_OK, M_BAD };

static enum mode mode;
static int finished, status = 1, hold_s = 5, hostile_done;
static uint64_t end_at = UINT64_MAX;

static void done(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
done(int code, const char *fmt, ...)
{
	va_list ap;

	if (finished)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	status = code;
	finished = 1;
}

static void
on_event(void *arg, struct rc_conn *c, const struct rc_event *ev)
{
	char peer[MF_PEERID_TEXT_MAX] = "?";

	(void)arg;
	switch (ev->type) {
	case RC_EV_HOSTILE_SENT:
		hostile_done = 1;
		printf("hostile step done\n");
		fflush(stdout);
		if (mode == M_DTLS || mode == M_SCTP)
			end_at = now_ms() + GARBAGE_LINGER_MS;
		break;
	case RC_EV_CONNECTED:
		(void)rc_remote_peer(c, peer, sizeof(peer));
		printf("connected to %s\n", peer);
		fflush(stdout);
		if (mode == M_HOLD)
			end_at = now_ms() + (uint64_t)hold_s * 1000;
		else if (mode == M_NOISE_OK && rc_ping(c) < 0)
			done(3, "cannot ping");
		else if (mode == M_BAD)
			done(3, "ACCEPTED: the server completed a bad Noise handshake");
		break;
	case RC_EV_PONG:
		done(0, "pong rtt_us=%llu", (unsigned long long)ev->rtt_us);
		break;
	case RC_EV_FAILED:
	case RC_EV_CLOSED:
		if (mode == M_DTLS || mode == M_SCTP)
			done(hostile_done ? 0 : 1, hostile_done ? "sent garbage; the server closed: %s" :
			    "failed before the garbage: %s", ev->reason);
		else if (mode == M_BAD && rc_hostile_answered(c))
			done(3, "ACCEPTED: the server answered our bad Noise message (%s)", ev->reason);
		else if (mode == M_BAD && !hostile_done)
			done(1, "failed before the bad Noise message: %s", ev->reason);
		else if (mode == M_BAD)
			done(ev->by_peer ? 0 : 3, ev->by_peer ? "rejected by the server: %s" :
			    "the server did not react to our bad Noise message: %s", ev->reason);
		else if (rc_times(c)->connected != 0)
			done(3, "failed after connecting: %s", ev->reason);
		else
			done(1, "failed: %s", ev->reason);
		break;
	default:
		break;
	}
}

static int
parse_mode(const char *s, struct rc_cfg *cfg)
{
	static const struct {
		const char *name;
		enum mode mode;
		enum rc_hostile knob;
	} modes[] = {
		{ "dtls-garbage", M_DTLS, RC_HOSTILE_DTLS_GARBAGE },
		{ "sctp-garbage", M_SCTP, RC_HOSTILE_SCTP_GARBAGE },
		{ "hold", M_HOLD, RC_HOSTILE_NONE },
		{ "noise-ok", M_NOISE_OK, RC_HOSTILE_NONE },
		{ "noise-bad-prologue", M_BAD, RC_HOSTILE_NOISE_PROLOGUE },
		{ "noise-bad-sig", M_BAD, RC_HOSTILE_NOISE_SIG },
		{ "noise-wrong-key", M_BAD, RC_HOSTILE_NOISE_KEY },
	};

	for (size_t i = 0; i < ARRAY_LEN(modes); i++)
		if (strcmp(s, modes[i].name) == 0) {
			mode = modes[i].mode;
			cfg->hostile = modes[i].knob;
			return 0;
		}
	return -1;
}

static int
usage(void)
{
	fprintf(stderr, "usage: badpeer IP:PORT|MULTIADDR dtls-garbage|sctp-garbage|hold [SECONDS]|"
	    "noise-ok|noise-bad-prologue|noise-bad-sig|noise-wrong-key [--delay MS]\n");
	return 2;
}

int
main(int argc, char **argv)
{
	struct rc_cfg cfg;
	struct rc_conn *c;
	struct rc_set *set;
	struct addr local;
	char err[RC_REASON_MAX], buf[ADDR_STRLEN];

	log_init("badpeer", LOG_LVL_WARN);
	memset(&cfg, 0, sizeof(cfg));
	if (argc < 3 || rc_cfg_direct(&cfg, argv[1], err, sizeof(err)) < 0 ||
	    parse_mode(argv[2], &cfg) < 0)
		return usage();
	for (int i = 3; i < argc; i++) {
		if (strcmp(argv[i], "--delay") == 0 && i + 1 < argc)
			cfg.hostile_delay_ms = (uint32_t)strtoul(argv[++i], NULL, 10);
		else if (mode == M_HOLD && atoi(argv[i]) > 0)
			hold_s = atoi(argv[i]);
		else
			return usage();
	}
	cfg.timeout_ms = mode == M_BAD ? BAD_TIMEOUT_MS + cfg.hostile_delay_ms : 0;
	cfg.on_event = on_event;
	if (rc_global_init() < 0 || (set = rc_set_new(1)) == NULL) {
		fprintf(stderr, "badpeer: cannot initialise\n");
		return 1;
	}
	if ((c = rc_new(&cfg, err, sizeof(err))) == NULL || rc_set_add(set, c) < 0) {
		fprintf(stderr, "badpeer: %s\n", err);
		return 1;
	}
	if (rc_local_addr(c, &local) == 0)
		printf("local %s\n", addr_format(&local, buf, sizeof(buf)));
	fflush(stdout);
	while (!finished) {
		if (rc_set_run(set, 50) < 0)
			break;
		if (now_ms() >= end_at)
			done(0, "%s", mode == M_HOLD ? "held" : "sent garbage");
	}
	/* Say goodbye (SCTP ABORT, close_notify) and let it go out. */
	rc_close(c, "done");
	for (int i = 0; i < 4; i++)
		(void)rc_set_run(set, 10);
	rc_set_del(set, c);
	rc_free(c);
	rc_set_free(set);
	return status;
}
