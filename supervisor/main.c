/* main: rtcd, the supervisor. Command line and config, start-up in a fixed
 * order (config -> users and dirs -> sockets -> privilege drop -> worker
 * pool -> event loop), signals (TERM/INT stop, HUP reload), orderly exit. */
#include <errno.h>
#include <getopt.h>
#include <ifaddrs.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <event2/event.h>

#include "common/log.h"
#include "common/util.h"
#include "common/cert.h"
#include "cluster.h"
#include "config.h"
#include "identity.h"
#include "notify.h"
#include "rooms.h"
#include "spawner.h"
#include "sup.h"

enum {
	OPT_UDP = 256, OPT_HTTP, OPT_CONTROL, OPT_STATE_DIR, OPT_RUN_DIR, OPT_USER,
	OPT_WORKER_USER, OPT_WORKER, OPT_LOG_LEVEL, OPT_VERSION, OPT_HELP, OPT_CHECK_CONFIG,
	OPT_CHROOT_DIR, OPT_WEB_ROOT, OPT_PRINT_MULTIADDR,
};

/* Which fields the command line set: re-applied over the file on reload. */
struct cli_set {
	int udp, http, control, state_dir, run_dir, user, worker_user, worker, log_level,
	    chroot_dir, web_root;
};

static struct cli_set cli_set;
static struct sup S;

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: rtcd [-c FILE] [--udp ADDR:PORT]... [--http ADDR:PORT|off] [--control PATH]\n"
	    "            [--state-dir DIR] [--run-dir DIR] [--chroot-dir DIR] [--user NAME]\n"
	    "            [--worker-user NAME] [--worker PATH] [--web-root DIR]\n"
	    "            [--log-level error|warn|info|debug] [--check-config] [--print-multiaddr]\n"
	    "            [--version] [--help]\n"
	    "With no config file rtcd runs on its embedded defaults: UDP 127.0.0.1:9000,\n"
	    "HTTP 127.0.0.1:8080, control socket run/control.sock, state in ./state.\n"
	    "Port 0 means an ephemeral port; the bound addresses are logged and shown by\n"
	    "'rtcctl status'. See rtcd(8) and rtcd.conf(5).\n");
}

static void
apply_cli(struct config *c, const struct config *cli)
{
	if (cli_set.udp) {
		c->nudp = cli->nudp;
		memcpy(c->udp, cli->udp, sizeof(c->udp));
	}
	if (cli_set.http) {
		c->http_enabled = cli->http_enabled;
		c->http = cli->http;
	}
#define COPY(f) if (cli_set.f) memcpy(c->f, cli->f, sizeof(c->f))
	COPY(control); COPY(state_dir); COPY(run_dir); COPY(user); COPY(worker_user);
	COPY(chroot_dir); COPY(web_root);
#undef COPY
	if (cli_set.worker)
		memcpy(c->worker_path, cli->worker_path, sizeof(c->worker_path));
	if (cli_set.log_level)
		c->log_level = cli->log_level;
}

static int
set_str(char *dst, size_t len, const char *v, const char *flag)
{
	if (strlcpy_checked(dst, v, len) < 0) {
		fprintf(stderr, "rtcd: %s: value too long\n", flag);
		return -1;
	}
	return 0;
}

static int
parse_args(int argc, char **argv, struct config *cli, int *check_only)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "udp", required_argument, NULL, OPT_UDP },
		{ "http", required_argument, NULL, OPT_HTTP },
		{ "control", required_argument, NULL, OPT_CONTROL },
		{ "state-dir", required_argument, NULL, OPT_STATE_DIR },
		{ "run-dir", required_argument, NULL, OPT_RUN_DIR },
		{ "chroot-dir", required_argument, NULL, OPT_CHROOT_DIR },
		{ "user", required_argument, NULL, OPT_USER },
		{ "worker-user", required_argument, NULL, OPT_WORKER_USER },
		{ "worker", required_argument, NULL, OPT_WORKER },
		{ "web-root", required_argument, NULL, OPT_WEB_ROOT },
		{ "log-level", required_argument, NULL, OPT_LOG_LEVEL },
		{ "check-config", no_argument, NULL, OPT_CHECK_CONFIG },
		{ "print-multiaddr", no_argument, NULL, OPT_PRINT_MULTIADDR },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	int o, lvl;

	memset(cli, 0, sizeof(*cli));
	while ((o = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (o) {
		case 'c':
			S.config_path = optarg;
			break;
		case OPT_UDP:
			if (cli->nudp == CONFIG_MAX_UDP || addr_parse(&cli->udp[cli->nudp], optarg) < 0) {
				fprintf(stderr, "rtcd: --udp %s: expected IPv4:port or [IPv6]:port (at most %d)\n",
				    optarg, CONFIG_MAX_UDP);
				return -1;
			}
			cli->nudp++;
			cli_set.udp = 1;
			break;
		case OPT_HTTP:
			cli_set.http = 1;
			if (strcmp(optarg, "off") == 0) {
				cli->http_enabled = 0;
			} else if (addr_parse(&cli->http, optarg) < 0) {
				fprintf(stderr, "rtcd: --http %s: expected IPv4:port, [IPv6]:port or off\n", optarg);
				return -1;
			} else {
				cli->http_enabled = 1;
			}
			break;
		case OPT_CONTROL:
			cli_set.control = 1;
			if (set_str(cli->control, sizeof(cli->control), optarg, "--control") < 0)
				return -1;
			break;
		case OPT_STATE_DIR:
			cli_set.state_dir = 1;
			if (set_str(cli->state_dir, sizeof(cli->state_dir), optarg, "--state-dir") < 0)
				return -1;
			break;
		case OPT_RUN_DIR:
			cli_set.run_dir = 1;
			if (set_str(cli->run_dir, sizeof(cli->run_dir), optarg, "--run-dir") < 0)
				return -1;
			break;
		case OPT_CHROOT_DIR:
			cli_set.chroot_dir = 1;
			if (set_str(cli->chroot_dir, sizeof(cli->chroot_dir), optarg, "--chroot-dir") < 0)
				return -1;
			break;
		case OPT_USER:
			cli_set.user = 1;
			if (set_str(cli->user, sizeof(cli->user), optarg, "--user") < 0)
				return -1;
			break;
		case OPT_WORKER_USER:
			cli_set.worker_user = 1;
			if (set_str(cli->worker_user, sizeof(cli->worker_user), optarg, "--worker-user") < 0)
				return -1;
			break;
		case OPT_WORKER:
			cli_set.worker = 1;
			if (set_str(cli->worker_path, sizeof(cli->worker_path), optarg, "--worker") < 0)
				return -1;
			break;
		case OPT_WEB_ROOT:
			cli_set.web_root = 1;
			if (set_str(cli->web_root, sizeof(cli->web_root), optarg, "--web-root") < 0)
				return -1;
			break;
		case OPT_LOG_LEVEL:
			lvl = log_level_parse(optarg);
			if (lvl < 0) {
				fprintf(stderr, "rtcd: --log-level %s: expected error, warn, info or debug\n", optarg);
				return -1;
			}
			cli->log_level = lvl;
			cli_set.log_level = 1;
			break;
		case OPT_CHECK_CONFIG:
			*check_only = 1;
			break;
		case OPT_PRINT_MULTIADDR:
			*check_only = 2;
			break;
		case OPT_VERSION:
			printf("rtcd %s\n", PACKAGE_VERSION);
			exit(0);
		case 'h':
		case OPT_HELP:
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "rtcd: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return -1;
	}
	return 0;
}

static int
load_config(struct config *c, char *err, size_t errlen)
{
	config_defaults(c);
	if (S.config_path && config_load_file(c, S.config_path, err, errlen) < 0)
		return -1;
	apply_cli(c, &S.cli);
	config_finish(c);
	return 0;
}

static int
exe_dir(char *out, size_t len)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n < 0)
		return -1;
	exe[n] = '\0';
	return strlcpy_checked(out, dirname(exe), len);
}

/* An installed tree that was moved or staged (make install DESTDIR=D, run
 * from D): rtcd in D/SBINDIR finds its worker in D/LIBEXECDIR and its web
 * demo in D/DATADIR. Fills out with D + compiled_dir; -1 when rtcd does not
 * run from such a tree. */
static int
staged_dir(const char *exedir, const char *compiled_dir, char *out, size_t len)
{
	size_t el = strlen(exedir), sl = strlen(RTCD_SBINDIR);

	if (el <= sl || strcmp(exedir + el - sl, RTCD_SBINDIR) != 0)
		return -1;
	if ((size_t)snprintf(out, len, "%.*s%s", (int)(el - sl), exedir, compiled_dir) >= len)
		return -1;
	return 0;
}

static int
find_worker(struct sup *s, char *err, size_t errlen)
{
	char dir[PATH_MAX], staged[PATH_MAX], cand[4][PATH_MAX + 32];
	int n = 0;

	if (s->cfg.worker_path[0]) {
		if (access(s->cfg.worker_path, X_OK) < 0) {
			snprintf(err, errlen, "--worker %s: %s", s->cfg.worker_path, strerror(errno));
			return -1;
		}
		return strlcpy_checked(s->worker_path, s->cfg.worker_path, sizeof(s->worker_path));
	}
	if (exe_dir(dir, sizeof(dir)) == 0) {
		snprintf(cand[n++], sizeof(cand[0]), "%s/rtcd-worker", dir);
		snprintf(cand[n++], sizeof(cand[0]), "%s/../worker/rtcd-worker", dir);
		if (staged_dir(dir, RTCD_LIBEXECDIR, staged, sizeof(staged)) == 0)
			snprintf(cand[n++], sizeof(cand[0]), "%s/rtcd-worker", staged);
	}
	snprintf(cand[n++], sizeof(cand[0]), "%s/rtcd-worker", RTCD_LIBEXECDIR);
	for (int i = 0; i < n; i++) {
		char real[PATH_MAX];
		if (access(cand[i], X_OK) == 0 && realpath(cand[i], real) != NULL)
			return strlcpy_checked(s->worker_path, real, sizeof(s->worker_path));
	}
	snprintf(err, errlen, "cannot find rtcd-worker beside rtcd or in %s; use --worker PATH",
	    RTCD_LIBEXECDIR);
	return -1;
}

static void
find_web_root(struct sup *s)
{
	char dir[PATH_MAX], staged[PATH_MAX], cand[4][PATH_MAX + 32], probe[sizeof(cand) + 16];
	int n = 0;

	if (s->cfg.web_root[0]) {
		strlcpy_checked(s->web_root, s->cfg.web_root, sizeof(s->web_root));
		return;
	}
	if (exe_dir(dir, sizeof(dir)) == 0) {
		snprintf(cand[n++], sizeof(cand[0]), "%s/../web-demo", dir);
		if (strcmp(dir, RTCD_ABS_TOP_BUILDDIR "/supervisor") == 0)
			snprintf(cand[n++], sizeof(cand[0]), "%s/web-demo", RTCD_ABS_TOP_SRCDIR);
		if (staged_dir(dir, RTCD_DATADIR, staged, sizeof(staged)) == 0)
			snprintf(cand[n++], sizeof(cand[0]), "%s/web-demo", staged);
	}
	snprintf(cand[n++], sizeof(cand[0]), "%s/web-demo", RTCD_DATADIR);
	for (int i = 0; i < n; i++) {
		char real[PATH_MAX];
		snprintf(probe, sizeof(probe), "%s/index.html", cand[i]);
		if (access(probe, R_OK) == 0 && realpath(cand[i], real) != NULL) {
			strlcpy_checked(s->web_root, real, sizeof(s->web_root));
			return;
		}
	}
	s->web_root[0] = '\0';
}

static int
make_dir(const char *path, mode_t mode)
{
	if (mkdir(path, mode) < 0 && errno != EEXIST) {
		log_error("cannot create %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* The DTLS certificate (stable across restarts: the libp2p certhash is
 * derived from it) and the libp2p identity key, both in state_dir. */
static int
load_identity(struct sup *s, char *err, size_t errlen)
{
	size_t cl = 0, kl = 0;
	uint8_t fp[32];
	char hex[CERT_FP_HEX_LEN + 1];

	if (cert_load_or_create(s->cfg.state_dir, s->cert_der, &cl, sizeof(s->cert_der),
	    s->key_der, &kl, sizeof(s->key_der), err, errlen) < 0)
		return -1;
	s->cert_len = (uint16_t)cl;
	s->key_len = (uint16_t)kl;
	s->id = identity_load(s->cfg.state_dir, err, errlen);
	if (s->id == NULL)
		return -1;
	if (cert_fingerprint_sha256(s->cert_der, cl, fp) < 0 ||
	    identity_peer_id(s->id, s->peer_id, sizeof(s->peer_id)) < 0) {
		snprintf(err, errlen, "cannot derive the certificate fingerprint or peer id");
		return -1;
	}
	memcpy(s->cert_fp, fp, sizeof(fp));
	cert_fingerprint_hex(fp, hex);
	log_info("DTLS certificate sha-256 %s; libp2p peer id %s", hex, s->peer_id);
	return 0;
}

static void
make_multiaddrs(struct sup *s)
{
	s->nmultiaddrs = 0;
	for (int i = 0; i < s->ncands && s->nmultiaddrs < WIRE_MAX_CANDS; i++)
		if (identity_multiaddr(s->id, &s->cands[i], s->cert_fp, s->multiaddrs[s->nmultiaddrs],
		    sizeof(s->multiaddrs[0])) == 0)
			s->nmultiaddrs++;
}

/* --print-multiaddr: the addresses a dialer needs, from the configured
 * listeners (wildcards expanded to interface addresses), without starting. */
static int
print_multiaddrs(struct sup *s)
{
	struct ifaddrs *ifa = NULL;
	int printed = 0;

	for (int i = 0; i < s->cfg.nudp; i++) {
		struct addr a = s->cfg.udp[i];
		char out[300];
		if (a.port == 0) {
			fprintf(stderr, "rtcd: udp %d has port 0 (ephemeral): no stable address to print\n", i);
			continue;
		}
		if (!addr_is_any(&a)) {
			if (identity_multiaddr(s->id, &a, s->cert_fp, out, sizeof(out)) == 0) {
				printf("%s\n", out);
				printed++;
			}
			continue;
		}
		if (ifa == NULL && getifaddrs(&ifa) < 0)
			continue;
		for (struct ifaddrs *i2 = ifa; i2; i2 = i2->ifa_next) {
			struct addr b;
			if (i2->ifa_addr == NULL || i2->ifa_addr->sa_family != a.family ||
			    addr_from_sockaddr(&b, i2->ifa_addr, a.family == AF_INET ?
			    sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6)) < 0)
				continue;
			if (b.family == AF_INET6 && b.ip[0] == 0xfe && (b.ip[1] & 0xc0) == 0x80)
				continue;
			b.port = a.port;
			if (identity_multiaddr(s->id, &b, s->cert_fp, out, sizeof(out)) == 0) {
				printf("%s\n", out);
				printed++;
			}
		}
	}
	if (ifa)
		freeifaddrs(ifa);
	return printed ? 0 : 1;
}

static void
on_stop_timer(evutil_socket_t fd, short ev, void *arg)
{
	struct sup *s = arg;
	struct worker *w;

	if (now_ms() >= s->stop_deadline_ms + 1000 || s->nworkers == 0) {
		event_base_loopexit(s->base, NULL);
		return;
	}
	TAILQ_FOREACH(w, &s->workers, all_link)
		workers_kill(w, "shutdown deadline");
	{
		struct timeval tv = { 1, 0 };
		evtimer_add(s->stop_timer, &tv);
	}
	s->stop_deadline_ms = 0;   /* next tick exits */
}

/* Workers serving (or closing) a connection; killed pool workers that are
 * not reaped yet do not count. */
static int
active_connections(const struct sup *s)
{
	const struct worker *w;
	int n = 0;

	TAILQ_FOREACH(w, &s->workers, all_link)
		n += w->id != 0;
	return n;
}

/* One line for the service manager (systemctl status) and rtcctl. */
static void
status_line(const struct sup *s, char *buf, size_t len)
{
	uint64_t now = now_ms();

	if (s->stopping)
		snprintf(buf, len, "stopping: closing %d connection(s)", active_connections(s));
	else if (s->draining && s->drain_deadline_ms)
		snprintf(buf, len, "draining: %d connection(s) left, closing them in %llu s",
		    active_connections(s), (unsigned long long)(s->drain_deadline_ms > now ?
		    (s->drain_deadline_ms - now + 999) / 1000 : 0));
	else if (s->draining)
		snprintf(buf, len, "draining: %d connection(s) left", active_connections(s));
	else if (s->start_failures > 0)
		snprintf(buf, len, "crash loop: workers failing at start (%d in a row); %d connection(s)",
		    s->start_failures, active_connections(s));
	else
		snprintf(buf, len, "serving: %d connection(s), %d idle worker(s)",
		    active_connections(s), s->nidle);
}

void
sup_request_stop(struct sup *s, const char *why)
{
	struct timeval tv = { 5, 0 };
	char st[128];

	if (s->stopping)
		return;
	s->stopping = 1;
	if (s->drain_timer)
		evtimer_del(s->drain_timer);
	log_info("stopping (%s): closing %d connection(s)", why, active_connections(s));
	status_line(s, st, sizeof(st));
	notify_stopping(st);
	cluster_stop(s);
	http_close(s);
	workers_shutdown_all(s, 0);
	s->stop_deadline_ms = now_ms() + 5000;
	evtimer_add(s->stop_timer, &tv);
	if (s->nworkers == 0)
		event_base_loopexit(s->base, NULL);
}

static void
on_drain_deadline(evutil_socket_t fd, short ev, void *arg)
{
	struct sup *s = arg;

	log_warn("drain deadline passed: closing the %d connection(s) left", active_connections(s));
	sup_request_stop(s, "drain deadline");
}

void
sup_drain(struct sup *s, int deadline_s)
{
	struct worker *w, *tmp;
	char st[128];

	if (s->stopping)
		return;
	s->draining = 1;
	TAILQ_FOREACH_SAFE(w, &s->pool, pool_link, tmp)
		workers_kill(w, "draining");
	evtimer_del(s->drain_timer);
	s->drain_deadline_ms = 0;
	if (deadline_s > 0) {
		struct timeval tv = { deadline_s, 0 };
		s->drain_deadline_ms = now_ms() + (uint64_t)deadline_s * 1000;
		evtimer_add(s->drain_timer, &tv);
		log_info("draining: no new connections; exiting when the last of %d closes, "
		    "closing what is left in %d s", active_connections(s), deadline_s);
	} else {
		log_info("draining: no new connections; exiting when the last of %d closes (no deadline)",
		    active_connections(s));
	}
	status_line(s, st, sizeof(st));
	notify_status(st);
	if (s->nworkers == 0)
		sup_request_stop(s, "drained");
}

static int
reload_config(struct sup *s, char *err, size_t errlen)
{
	struct config c;

	if (load_config(&c, err, errlen) < 0) {
		log_error("reload failed, keeping the running config: %s", err);
		return -1;
	}
	if (c.nudp != s->cfg.nudp || memcmp(c.udp, s->cfg.udp, sizeof(c.udp)) != 0 ||
	    c.http_enabled != s->cfg.http_enabled || !addr_equal(&c.http, &s->cfg.http) ||
	    strcmp(c.control, s->cfg.control) != 0 || strcmp(c.user, s->cfg.user) != 0 ||
	    strcmp(c.worker_user, s->cfg.worker_user) != 0 ||
	    strcmp(c.state_dir, s->cfg.state_dir) != 0 ||
	    strcmp(c.control_group, s->cfg.control_group) != 0 ||
	    c.ncontrol_uids != s->cfg.ncontrol_uids ||
	    memcmp(c.control_uids, s->cfg.control_uids, sizeof(c.control_uids)) != 0 ||
	    memcmp(&c.cluster, &s->cfg.cluster, sizeof(c.cluster)) != 0 ||
	    strcmp(c.worker_spawn, s->cfg.worker_spawn) != 0)
		log_warn("reload: listeners, paths, users, control socket access and the cluster only change on restart");
	s->cfg.limits = c.limits;
	s->cfg.log_level = c.log_level;
	s->cfg.syslog = c.syslog;
	s->cfg.debug_hooks = c.debug_hooks;
	s->cfg.status_api = c.status_api;
	s->cfg.metrics_api = c.metrics_api;
	log_set_level(c.log_level);
	log_set_syslog(c.syslog);
	log_info("reloaded: limits (rooms included) and log level (%s) applied",
	    log_level_name(c.log_level));
	workers_refill(s);
	return 0;
}

int
sup_reload(struct sup *s, char *err, size_t errlen)
{
	char st[128];
	int r;

	notify_reloading();
	r = reload_config(s, err, errlen);
	status_line(s, st, sizeof(st));
	notify_ready(st);
	return r;
}

static void
on_signal(evutil_socket_t sig, short ev, void *arg)
{
	struct sup *s = arg;
	char err[256];

	if (sig == SIGHUP)
		sup_reload(s, err, sizeof(err));
	else
		sup_request_stop(s, sig == SIGTERM ? "SIGTERM" : "SIGINT");
}

static void
on_sweep(evutil_socket_t fd, short ev, void *arg)
{
	struct sup *s = arg;
	char st[128];

	router_sweep(s, now_ms());
	status_line(s, st, sizeof(st));
	notify_status(st);
}

int
main(int argc, char **argv)
{
	struct sup *s = &S;
	struct event *sig_term, *sig_int, *sig_hup;
	struct timeval sec = { 1, 0 };
	char err[512], buf[ADDR_STRLEN];
	int check_only = 0;

	log_init("rtcd", LOG_LVL_INFO);
	if (parse_args(argc, argv, &s->cli, &check_only) < 0)
		return 2;
	if (load_config(&s->cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "rtcd: config error: %s\n", err);
		return 2;
	}
	if (check_only == 2) {
		log_set_level(LOG_LVL_WARN);
		if (make_dir(s->cfg.state_dir, 0700) < 0 || load_identity(s, err, sizeof(err)) < 0) {
			fprintf(stderr, "rtcd: identity: %s\n", err);
			return 1;
		}
		check_only = print_multiaddrs(s);
		identity_free(s->id);
		return check_only;
	}
	if (check_only) {
		json_t *j = config_to_json(&s->cfg);
		json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		printf("\n");
		json_decref(j);
		return 0;
	}
	log_set_level(s->cfg.log_level);
	log_set_syslog(s->cfg.syslog);
	signal(SIGPIPE, SIG_IGN);
	s->start_ms = now_ms();
	metrics_init(&s->m);
	(void)notify_open();
	if (find_worker(s, err, sizeof(err)) < 0 || privdrop_resolve_worker_user(s, err, sizeof(err)) < 0) {
		fprintf(stderr, "rtcd: %s\n", err);
		return 2;
	}
	find_web_root(s);
	if (make_dir(s->cfg.run_dir, 0755) < 0 || make_dir(s->cfg.state_dir, 0700) < 0)
		return 1;
	if (privdrop_prepare_chroot(s, err, sizeof(err)) < 0) {
		fprintf(stderr, "rtcd: %s\n", err);
		return 2;
	}
	if (load_identity(s, err, sizeof(err)) < 0) {
		fprintf(stderr, "rtcd: identity: %s\n", err);
		return 1;
	}
	s->base = event_base_new();
	if (s->base == NULL || router_init(s) < 0 || workers_init(s) < 0 || rooms_init(s) < 0) {
		log_error("cannot initialise the event loop");
		return 1;
	}
	sig_term = evsignal_new(s->base, SIGTERM, on_signal, s);
	sig_int = evsignal_new(s->base, SIGINT, on_signal, s);
	sig_hup = evsignal_new(s->base, SIGHUP, on_signal, s);
	s->stop_timer = evtimer_new(s->base, on_stop_timer, s);
	s->drain_timer = evtimer_new(s->base, on_drain_deadline, s);
	s->sweep_timer = event_new(s->base, -1, EV_PERSIST, on_sweep, s);
	if (!sig_term || !sig_int || !sig_hup || !s->stop_timer || !s->sweep_timer ||
	    !s->drain_timer || metrics_start(s) < 0 ||
	    evsignal_add(sig_term, NULL) < 0 || evsignal_add(sig_int, NULL) < 0 ||
	    evsignal_add(sig_hup, NULL) < 0 || event_add(s->sweep_timer, &sec) < 0) {
		log_error("cannot install signal handlers");
		return 1;
	}
	if (listener_open_all(s) < 0 || http_open(s) < 0 || control_open(s) < 0)
		return 1;
	s->ncands = listener_candidates(s, s->cands, WIRE_MAX_CANDS);
	for (int i = 0; i < s->ncands; i++)
		log_debug("ICE host candidate %s", addr_format(&s->cands[i], buf, sizeof(buf)));
	make_multiaddrs(s);
	for (int i = 0; i < s->nmultiaddrs; i++)
		log_info("libp2p WebRTC Direct: %s", s->multiaddrs[i]);
	if (privdrop_supervisor(s, err, sizeof(err)) < 0) {
		log_error("%s", err);
		return 1;
	}
	if (spawner_init(s) < 0) {
		log_error("cannot set up the worker template");
		return 1;
	}
	workers_refill(s);
	if (cluster_init(s) < 0) {
		log_error("cannot start the cluster link");
		return 1;
	}
	{
		char line[1024];
		size_t off = 0;
		for (int i = 0; i < s->nlisteners; i++)
			off += (size_t)snprintf(line + off, sizeof(line) - off, "%sudp %s", i ? ", " : "",
			    addr_format(&s->listeners[i].bound, buf, sizeof(buf)));
		if (s->http)
			off += (size_t)snprintf(line + off, sizeof(line) - off, "; web demo http://%s/",
			    addr_format(&s->http_bound, buf, sizeof(buf)));
		snprintf(line + off, sizeof(line) - off, "; control %s", s->cfg.control);
		log_info("rtcd %s ready (pid %d): %s", PACKAGE_VERSION, (int)getpid(), line);
		log_info("worker binary %s; web demo %s", s->worker_path,
		    s->web_root[0] ? s->web_root : "(none found)");
		status_line(s, line, sizeof(line));
		notify_ready(line);
	}
	event_base_dispatch(s->base);

	log_info("exiting");
	workers_free_all(s);
	spawner_free(s);
	control_close(s);
	http_close(s);
	listener_close_all(s);
	router_free(s);
	cluster_free(s);
	rooms_free(s);
	identity_free(s->id);
	event_free(sig_term);
	event_free(sig_int);
	event_free(sig_hup);
	event_free(s->stop_timer);
	event_free(s->drain_timer);
	event_free(s->sweep_timer);
	metrics_stop(s);
	notify_close();
	event_base_free(s->base);
	return 0;
}
