/* main: rtcd-worker. Started by rtcd with its channel on fd 3; initialises
 * the libraries (OpenSSL, usrsctp, libsrtp, libevent), enters the sandbox,
 * then serves exactly one peer connection and exits. With --template it is
 * instead the worker template: it initialises OpenSSL and libsrtp once and
 * forks a worker per supervisor request (template.c); each such worker
 * continues below from the usrsctp start-up on. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <event2/event.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <srtp2/srtp.h>

#include "common/log.h"
#include "common/util.h"
#include "conn.h"
#include "sandbox.h"
#include "srtp_sess.h"
#include "sctp.h"
#include "template.h"
#include "warmup.h"

#define CHAN_FD 3

static int
parse_id(const char *s, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 10);
	return (*s && !*end && errno == 0 && *out < 0xFFFFFFFFul) ? 0 : -1;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "uid", required_argument, NULL, 'u' },
		{ "gid", required_argument, NULL, 'g' },
		{ "chroot", required_argument, NULL, 'r' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "no-seccomp", no_argument, NULL, 'n' },
		{ "memory-mb", required_argument, NULL, 'm' },
		{ "template", no_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	struct sandbox_cfg sb = { (uid_t)-1, (gid_t)-1, NULL, CHAN_FD, 0, 0 };
	char err[256], skipped[128];
	unsigned long v;
	int o, type = 0, lvl, template_mode = 0;
	socklen_t tl = sizeof(type);
	uint8_t seed[16];
	struct event_base *base;
	struct event_config *ecfg;

	sandbox_close_stray_fds();
	log_init("rtcd-worker", LOG_LVL_INFO);
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'u':
			if (parse_id(optarg, &v) < 0)
				return 2;
			sb.uid = (uid_t)v;
			break;
		case 'g':
			if (parse_id(optarg, &v) < 0)
				return 2;
			sb.gid = (gid_t)v;
			break;
		case 'r':
			sb.chroot_dir = optarg;
			break;
		case 'l':
			if ((lvl = log_level_parse(optarg)) < 0)
				return 2;
			log_set_level((enum log_level)lvl);
			break;
		case 'm':
			if (parse_id(optarg, &v) < 0 || v < 16)
				return 2;
			sb.memory_mb = (unsigned)v;
			break;
		case 't':
			template_mode = 1;
			break;
		case 'n':
			sb.no_seccomp = 1;   /* only passed with the test-only worker_wrapper */
			break;
		default:
			fprintf(stderr, "rtcd-worker: started by rtcd only (usage: --uid N --gid N --chroot DIR)\n");
			return 2;
		}
	}
	if (getsockopt(CHAN_FD, SOL_SOCKET, SO_TYPE, &type, &tl) < 0 || type != SOCK_SEQPACKET) {
		fprintf(stderr, "rtcd-worker: fd 3 is not the supervisor channel; rtcd starts this program\n");
		return 2;
	}
	/* The template reads its requests blocking; a worker's channel is
	 * made non-blocking once it is one (below). */
	if (!template_mode && (fd_set_nonblock(CHAN_FD) < 0 || fd_set_cloexec(CHAN_FD) < 0))
		return 2;

	/* Everything that reads files, creates threads or fds happens now,
	 * before the sandbox and before any peer byte. */
	if (OPENSSL_init_ssl(OPENSSL_INIT_LOAD_SSL_STRINGS | OPENSSL_INIT_LOAD_CRYPTO_STRINGS |
	    OPENSSL_INIT_LOAD_CONFIG, NULL) != 1 || RAND_bytes(seed, sizeof(seed)) != 1) {
		fprintf(stderr, "rtcd-worker: OpenSSL initialisation failed\n");
		return 3;
	}
	/* libsrtp (built on NSS here: loading its softoken costs milliseconds
	 * and ~300 KiB) before the fork, so that template workers share it. */
	if (srtp_init() != srtp_err_status_ok || srtp_sess_warmup() < 0) {
		fprintf(stderr, "rtcd-worker: libsrtp initialisation failed\n");
		return 3;
	}
	if (template_mode) {
		struct template_child tc;
		int r;

		if (warmup_crypto() < 0) {
			fprintf(stderr, "rtcd-worker: template: crypto warm-up failed\n");
			return 3;
		}
		r = template_serve(CHAN_FD, &tc);

		if (r <= 0)
			_exit(r == 0 ? 0 : 3);
		/* Now a worker: its own parameters, its own randomness. */
		if (tc.log_level < LOG_LVL_ERROR || tc.log_level > LOG_LVL_DEBUG || tc.memory_mb < 16)
			_exit(2);
		log_set_level((enum log_level)tc.log_level);
		sb.memory_mb = tc.memory_mb;
		if (fd_set_nonblock(CHAN_FD) < 0 || fd_set_cloexec(CHAN_FD) < 0 || RAND_poll() != 1)
			_exit(3);
	}
	if (sctp_global_init() < 0) {
		fprintf(stderr, "rtcd-worker: usrsctp initialisation failed\n");
		return 3;
	}
	sctp_debug_off();
	ecfg = event_config_new();
	if (ecfg == NULL)
		return 3;
	event_config_avoid_method(ecfg, "select");
	event_config_avoid_method(ecfg, "poll");
	base = event_base_new_with_config(ecfg);
	event_config_free(ecfg);
	if (base == NULL) {
		fprintf(stderr, "rtcd-worker: libevent initialisation failed\n");
		return 3;
	}
	if (sandbox_enter(&sb, err, sizeof(err), skipped, sizeof(skipped)) < 0) {
		fprintf(stderr, "rtcd-worker: sandbox: %s\n", err);
		return 3;
	}
	if (skipped[0])
		fprintf(stderr, "rtcd-worker: sandbox steps skipped (not root or test wrapper): %s\n", skipped);
	/* Workers never return through atexit handlers of the libraries: the
	 * sandbox would refuse their clean-up syscalls anyway. */
	_exit(conn_run(base, CHAN_FD));
}
