/* rtcload: load generator over bench/rtcclient. Opens N connections at a
 * fixed arrival rate from one process, makes each do a little work, and
 * reports per-phase setup latency and success counts.
 *   rtcload direct MULTIADDR [--conns N] [--rate R[/s]] [--pings K] [--hold S]
 *           [--stream-bytes B]
 *   rtcload offer http://IP:PORT [--conns N] [--rate R[/s]] [--echo-bytes B]
 *           [--echoes K] [--hold S]
 * common: [--timeout S] (setup deadline per connection) [--streams N] (SCTP
 * streams per association) [--fresh-certs] (one DTLS certificate per
 * connection instead of one for the run) [--steady S] [--every MS].
 * direct: after Noise, K pings on /ipfs/ping/1.0.0, then with
 * --stream-bytes B a raw stream (same protocol: rtcd echoes it) carrying B
 * bytes out and back (stream_mbps counts both directions); offer: after SCTP, a channel "echo" and K
 * messages of B bytes echoed back. --hold keeps every
 * connection open S seconds after its work (consent checks keep it alive),
 * so N connections can be held concurrently; --steady S instead keeps every
 * connection open until S seconds after the last one finished its work
 * (the steady window: all N open at once; "steady open=N" goes to stderr
 * when it starts). While held, each connection sends one message every MS
 * ms (--every, default 1000; 0 = none): a ping (direct) or a B-byte echo
 * (offer), at most one in flight (a message still unanswered when the next
 * is due counts as late); round trips go into histograms: all held
 * messages (held_*) and those sent in the steady window (steady_*).
 * Output: one key=value line and one JSON line; exit 0 when every
 * connection succeeded. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "bench/hist.h"
#include "bench/rtcclient.h"
#include "common/cert.h"
#include "common/log.h"
#include "common/util.h"

#define MAX_CONNS 100000
#define MAX_ERRORS 16
#define MAX_ECHO (256 * 1024)
#define WAIT_MS 50
#define STREAM_CHUNK (64 * 1024)     /* bytes per rc_send on the raw stream */
#define P2P_PING "/ipfs/ping/1.0.0"

/* Phases measured per successful connection (microseconds). */
enum phase { PH_SETUP, PH_STUN, PH_DTLS, PH_SCTP, PH_NOISE, PH_HTTP, PH_OPEN, PH_WORK, PH_RTT,
	PH_COUNT };
static const char *const phase_names[PH_COUNT] = { "setup", "stun", "dtls", "sctp", "noise",
	"http", "open", "work", "rtt" };

struct slot {
	struct rc_conn *c;
	struct rc_chan *ch;          /* offer: the echo channel; direct: the raw stream */
	int left;                    /* pings / echoes still to do */
	size_t have;                 /* offer: bytes of the current echo back */
	size_t sent, got;            /* direct: raw stream bytes out and back */
	uint64_t stream_t0;
	uint64_t sent_us, first_rtt, work_done_us, hold_until;
	uint64_t msg_next_ms, msg_t0;  /* held messages: next due; in flight since (us) */
	int ok, ended;
};

static struct {
	enum rc_mode mode;
	int conns, pings, echoes, hold_s, timeout_s, fresh;
	double rate;
	size_t echo_bytes, stream_bytes;
	uint16_t streams;
	int steady_s, every_ms;
} opt = { RC_MODE_DIRECT, 10, 1, 1, 0, 10, 0, 10.0, 1024, 0, 0, 0, 1000 };

static struct slot *slots;
static uint64_t *samples[PH_COUNT];
static size_t nsamples[PH_COUNT];
static uint8_t *payload;
static double *mbps;
static size_t nmbps;
static struct { char reason[RC_REASON_MAX]; int count; } errs[MAX_ERRORS];
static int nerrs, nok, nfailed, active, peak;
/* Held messages: all of them, and those sent in the steady window. */
static struct hist held_h, steady_h;
static uint64_t held_late, steady_late, steady_start_ms, steady_end_ms;
static int steady_open;

static void
count_error(const char *reason)
{
	for (int i = 0; i < nerrs; i++)
		if (strcmp(errs[i].reason, reason) == 0) {
			errs[i].count++;
			return;
		}
	if (nerrs < MAX_ERRORS) {
		(void)strlcpy_checked(errs[nerrs].reason, reason, sizeof(errs[nerrs].reason));
		errs[nerrs++].count = 1;
	}
}

static void
sample(enum phase p, uint64_t from, uint64_t to)
{
	if (from != 0 && to >= from)
		samples[p][nsamples[p]++] = to - from;
}

static void
record(const struct slot *s)
{
	const struct rc_times *t = rc_times(s->c);

	sample(PH_SETUP, t->stun_sent, opt.mode == RC_MODE_DIRECT ? t->noise_done : t->first_open);
	sample(PH_STUN, t->stun_sent, t->stun_ok);
	sample(PH_DTLS, t->stun_ok, t->dtls_up);
	sample(PH_SCTP, t->dtls_up, t->sctp_up);
	if (opt.mode == RC_MODE_DIRECT) {
		sample(PH_NOISE, t->sctp_up, t->noise_done);
		sample(PH_WORK, t->noise_done, t->first_pong);
	} else {
		sample(PH_HTTP, t->start, t->answer);
		sample(PH_OPEN, t->sctp_up, t->first_open);
		sample(PH_WORK, t->first_open, s->work_done_us);
	}
	if (s->first_rtt)
		samples[PH_RTT][nsamples[PH_RTT]++] = s->first_rtt;
	if (opt.stream_bytes && s->got >= opt.stream_bytes && s->work_done_us > s->stream_t0)
		mbps[nmbps++] = 2.0 * 8.0 * (double)opt.stream_bytes /
		    (double)(s->work_done_us - s->stream_t0);
}

static void
work_done(struct slot *s)
{
	s->ok = 1;
	s->work_done_us = now_us();
	if (opt.steady_s > 0)
		s->hold_until = UINT64_MAX;   /* set when the steady window starts */
	else if (opt.hold_s > 0)
		s->hold_until = now_ms() + (uint64_t)opt.hold_s * 1000;
	else
		rc_close(s->c, "done");
	if (s->hold_until != 0 && opt.every_ms > 0)
		s->msg_next_ms = now_ms() + (uint64_t)opt.every_ms;
}

static int
in_steady(uint64_t t_ms)
{
	return steady_start_ms != 0 && t_ms >= steady_start_ms && t_ms < steady_end_ms;
}

/* A held message came back after rtt_us. */
static void
held_answer(struct slot *s, uint64_t rtt_us)
{
	hist_add(&held_h, rtt_us);
	if (in_steady(s->msg_t0 / 1000))
		hist_add(&steady_h, rtt_us);
	s->msg_t0 = 0;
}

/* One held message per --every: a ping (direct) or an echo (offer). */
static void
held_send(struct slot *s, uint64_t now)
{
	s->msg_next_ms += (uint64_t)opt.every_ms;
	if (s->msg_next_ms <= now)   /* we fell behind: do not burst */
		s->msg_next_ms = now + (uint64_t)opt.every_ms;
	if (s->msg_t0 != 0) {        /* the previous one is still out */
		held_late++;
		if (in_steady(now))
			steady_late++;
		return;
	}
	s->msg_t0 = now_us();
	if (opt.mode == RC_MODE_DIRECT) {
		if (rc_ping(s->c) < 0)
			rc_close(s->c, "cannot ping while held");
		return;
	}
	s->have = 0;
	if (rc_send(s->c, s->ch, 1, payload, opt.echo_bytes) < 0)
		rc_close(s->c, "cannot send a held echo");
}

static void
echo_send(struct slot *s)
{
	s->have = 0;
	s->sent_us = now_us();
	if (rc_send(s->c, s->ch, 1, payload, opt.echo_bytes) < 0)
		rc_close(s->c, "cannot send the echo message");
}

/* direct: keep the raw stream's send queue full until B bytes are out. */
static void
stream_pump(struct slot *s)
{
	while (s->ch != NULL && s->sent < opt.stream_bytes) {
		size_t k = MIN(STREAM_CHUNK, opt.stream_bytes - s->sent);
		if (rc_send(s->c, s->ch, 1, payload, k) < 0) {
			if (errno != EAGAIN)
				rc_close(s->c, "cannot send on the stream");
			return;   /* EAGAIN: RC_EV_WRITABLE follows */
		}
		s->sent += k;
	}
}

static void
stream_start(struct slot *s)
{
	if ((s->ch = rc_open(s->c, P2P_PING)) == NULL)
		rc_close(s->c, "cannot open a stream");
}

static void
on_message(struct slot *s, const struct rc_event *ev)
{
	if (ev->ch != s->ch)
		return;
	if (s->ok && s->msg_t0 != 0 && opt.mode == RC_MODE_OFFER) {
		s->have += ev->len;
		if (s->have >= opt.echo_bytes)
			held_answer(s, now_us() - s->msg_t0);
		return;
	}
	if (opt.mode == RC_MODE_DIRECT) {
		s->got += ev->len;   /* the echo of the raw stream */
		if (s->got >= opt.stream_bytes)
			work_done(s);
		return;
	}
	s->have += ev->len;
	if (s->have < opt.echo_bytes)
		return;
	if (s->first_rtt == 0)
		s->first_rtt = now_us() - s->sent_us;
	if (--s->left > 0)
		echo_send(s);
	else
		work_done(s);
}

static void
on_event(void *arg, struct rc_conn *c, const struct rc_event *ev)
{
	struct slot *s = arg;

	switch (ev->type) {
	case RC_EV_CONNECTED:
		if (opt.mode == RC_MODE_DIRECT) {
			if (rc_ping(c) < 0)
				rc_close(c, "cannot ping");
		} else if ((s->ch = rc_open(c, "echo")) == NULL) {
			rc_close(c, "cannot open the echo channel");
		}
		break;
	case RC_EV_CHAN_OPEN:
		if (ev->ch == s->ch && opt.mode == RC_MODE_OFFER) {
			echo_send(s);
		} else if (ev->ch == s->ch) {
			s->stream_t0 = now_us();
			stream_pump(s);
		}
		break;
	case RC_EV_WRITABLE:
		if (opt.mode == RC_MODE_DIRECT)
			stream_pump(s);
		break;
	case RC_EV_MESSAGE:
		on_message(s, ev);
		break;
	case RC_EV_PONG:
		if (s->ok) {
			if (s->msg_t0 != 0)
				held_answer(s, ev->rtt_us);
			break;
		}
		if (s->first_rtt == 0)
			s->first_rtt = ev->rtt_us;
		if (--s->left > 0 && rc_ping(c) < 0)
			rc_close(c, "cannot ping");
		else if (s->left <= 0 && opt.stream_bytes > 0)
			stream_start(s);
		else if (s->left <= 0)
			work_done(s);
		break;
	case RC_EV_FAILED:
	case RC_EV_CLOSED:
		s->ended = 1;
		/* Success: we closed it after its work (and its hold). */
		if (s->ok && ev->type == RC_EV_CLOSED && !ev->by_peer &&
		    (s->hold_until == 0 || now_ms() >= s->hold_until))
			break;
		s->ok = 0;
		count_error(ev->reason);
		break;
	default:
		break;
	}
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile (q in percent) in milliseconds. */
static double
pct(enum phase p, unsigned q)
{
	size_t n = nsamples[p], k;

	if (n == 0)
		return 0;
	k = (n * q + 99) / 100;
	return (double)samples[p][k > 0 ? k - 1 : 0] / 1000.0;
}

static int
phase_used(enum phase p)
{
	if (opt.mode == RC_MODE_DIRECT)
		return p != PH_HTTP && p != PH_OPEN;
	return p != PH_NOISE;
}

static void
print_hist_json(const char *name, const struct hist *h, uint64_t late, int open)
{
	printf(",\"%s\":{\"n\":%llu,\"late\":%llu,\"p50\":%.3f,\"p99\":%.3f,\"max\":%.3f", name,
	    (unsigned long long)h->n, (unsigned long long)late, (double)hist_pct(h, 50) / 1000.0,
	    (double)hist_pct(h, 99) / 1000.0, (double)h->max / 1000.0);
	if (open >= 0)
		printf(",\"open\":%d", open);
	printf("}");
}

static void
report(double elapsed_s)
{
	const char *mode = opt.mode == RC_MODE_DIRECT ? "direct" : "offer";
	struct rusage ru;
	int have_ru = getrusage(RUSAGE_SELF, &ru) == 0;
	long rss_kb = have_ru ? ru.ru_maxrss : 0;
	double cpu_s = have_ru ? (double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec +
	    ((double)ru.ru_utime.tv_usec + (double)ru.ru_stime.tv_usec) / 1e6 : 0;

	for (int p = 0; p < PH_COUNT; p++)
		qsort(samples[p], nsamples[p], sizeof(uint64_t), cmp_u64);
	printf("mode=%s conns=%d ok=%d failed=%d rate=%.1f elapsed_s=%.2f peak_active=%d "
	    "max_rss_kb=%ld cpu_s=%.2f", mode, opt.conns, nok, nfailed, opt.rate, elapsed_s, peak,
	    rss_kb, cpu_s);
	for (int p = 0; p < PH_COUNT; p++)
		if (phase_used(p))
			printf(" %s_p50_ms=%.2f %s_p99_ms=%.2f", phase_names[p], pct(p, 50),
			    phase_names[p], pct(p, 99));
	qsort(mbps, nmbps, sizeof(double), cmp_double);
	if (nmbps > 0)
		printf(" stream_mbps_p50=%.1f stream_mbps_min=%.1f", mbps[nmbps / 2], mbps[0]);
	if (held_h.n > 0 || held_late > 0)
		printf(" held_msgs=%llu held_late=%llu held_p50_ms=%.3f held_p99_ms=%.3f "
		    "held_max_ms=%.3f", (unsigned long long)held_h.n, (unsigned long long)held_late,
		    (double)hist_pct(&held_h, 50) / 1000.0, (double)hist_pct(&held_h, 99) / 1000.0,
		    (double)held_h.max / 1000.0);
	if (opt.steady_s > 0)
		printf(" steady_open=%d steady_msgs=%llu steady_late=%llu steady_p50_ms=%.3f "
		    "steady_p99_ms=%.3f steady_max_ms=%.3f", steady_open,
		    (unsigned long long)steady_h.n, (unsigned long long)steady_late,
		    (double)hist_pct(&steady_h, 50) / 1000.0, (double)hist_pct(&steady_h, 99) / 1000.0,
		    (double)steady_h.max / 1000.0);
	printf("\n{\"mode\":\"%s\",\"conns\":%d,\"ok\":%d,\"failed\":%d,\"rate\":%.1f,"
	    "\"elapsed_s\":%.2f,\"peak_active\":%d,\"max_rss_kb\":%ld,\"cpu_s\":%.2f,"
	    "\"phases_ms\":{", mode, opt.conns, nok, nfailed, opt.rate, elapsed_s, peak, rss_kb, cpu_s);
	for (int p = 0, first = 1; p < PH_COUNT; p++) {
		if (!phase_used(p))
			continue;
		printf("%s\"%s\":{\"p50\":%.3f,\"p99\":%.3f,\"n\":%zu}", first ? "" : ",",
		    phase_names[p], pct(p, 50), pct(p, 99), nsamples[p]);
		first = 0;
	}
	printf("}");
	if (nmbps > 0)
		printf(",\"stream_mbps\":{\"p50\":%.1f,\"min\":%.1f,\"n\":%zu}", mbps[nmbps / 2],
		    mbps[0], nmbps);
	print_hist_json("held", &held_h, held_late, -1);
	if (opt.steady_s > 0)
		print_hist_json("steady", &steady_h, steady_late, steady_open);
	printf(",\"errors\":{");
	for (int i = 0; i < nerrs; i++) {
		printf("%s\"", i ? "," : "");
		for (const char *q = errs[i].reason; *q; q++)
			if (*q != '"' && *q != '\\' && (unsigned char)*q >= 0x20)
				putchar(*q);
		printf("\":%d", errs[i].count);
	}
	printf("}}\n");
	fflush(stdout);
}

static int
usage(void)
{
	fprintf(stderr,
	    "usage: rtcload direct MULTIADDR [--conns N] [--rate R/s] [--pings K] [--hold S]\n"
	    "               [--stream-bytes B]\n"
	    "       rtcload offer http://IP:PORT [--conns N] [--rate R/s] [--echo-bytes B]\n"
	    "               [--echoes K] [--hold S]\n"
	    "       common: [--timeout S] [--streams N] [--fresh-certs] [--steady S] [--every MS]\n"
	    "               [--bind IP]\n"
	    "       offer also takes janus:http://IP:PORT/janus (Janus echotest)\n");
	return 2;
}

static int
parse_args(int argc, char **argv, struct rc_cfg *cfg)
{
	char err[RC_REASON_MAX];

	if (argc < 3)
		return -1;
	if (strcmp(argv[1], "direct") == 0) {
		if (rc_cfg_direct(cfg, argv[2], err, sizeof(err)) < 0)
			goto bad;
	} else if (strcmp(argv[1], "offer") == 0) {
		if (rc_cfg_offer(cfg, argv[2], err, sizeof(err)) < 0)
			goto bad;
	} else {
		return -1;
	}
	opt.mode = cfg->mode;
	for (int i = 3; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--fresh-certs") == 0) {
			opt.fresh = 1;
			continue;
		}
		if (v == NULL)
			return -1;
		i++;
		if (strcmp(a, "--conns") == 0)
			opt.conns = atoi(v);
		else if (strcmp(a, "--rate") == 0)
			opt.rate = strtod(v, NULL);   /* "25" or "25/s" */
		else if (strcmp(a, "--pings") == 0)
			opt.pings = atoi(v);
		else if (strcmp(a, "--echoes") == 0)
			opt.echoes = atoi(v);
		else if (strcmp(a, "--echo-bytes") == 0)
			opt.echo_bytes = (size_t)strtoul(v, NULL, 10);
		else if (strcmp(a, "--stream-bytes") == 0 && opt.mode == RC_MODE_DIRECT)
			opt.stream_bytes = (size_t)strtoull(v, NULL, 10);
		else if (strcmp(a, "--hold") == 0)
			opt.hold_s = atoi(v);
		else if (strcmp(a, "--timeout") == 0)
			opt.timeout_s = atoi(v);
		else if (strcmp(a, "--streams") == 0)
			opt.streams = (uint16_t)atoi(v);
		else if (strcmp(a, "--steady") == 0)
			opt.steady_s = atoi(v);
		else if (strcmp(a, "--every") == 0)
			opt.every_ms = atoi(v);
		else if (strcmp(a, "--bind") == 0) {
			if (rc_cfg_bind(cfg, v) < 0)
				return -1;
		} else
			return -1;
	}
	if (opt.conns < 1 || opt.conns > MAX_CONNS || !(opt.rate > 0) || opt.pings < 1 ||
	    opt.echoes < 1 || opt.echo_bytes < 1 || opt.echo_bytes > MAX_ECHO ||
	    opt.hold_s < 0 || opt.timeout_s < 1 || opt.steady_s < 0 || opt.steady_s > 3600 ||
	    opt.every_ms < 0 || opt.every_ms > 3600 * 1000) {
		fprintf(stderr, "rtcload: a value is out of range\n");
		return -1;
	}
	return 0;
bad:
	fprintf(stderr, "rtcload: %s\n", err);
	return -1;
}

/* One socket per connection (plus the HTTP one while offering). */
static void
raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)opt.conns + 64) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			perror("rtcload: setrlimit");
	}
}

static int
setup(struct rc_cfg *cfg)
{
	static uint8_t cert[CERT_MAX_DER], key[KEY_MAX_DER];
	size_t cl, kl;

	slots = calloc((size_t)opt.conns, sizeof(*slots));
	mbps = calloc((size_t)opt.conns, sizeof(*mbps));
	payload = malloc(MAX(opt.echo_bytes, STREAM_CHUNK));
	for (int p = 0; p < PH_COUNT; p++)
		if ((samples[p] = calloc((size_t)opt.conns, sizeof(uint64_t))) == NULL)
			return -1;
	if (slots == NULL || mbps == NULL || payload == NULL ||
	    random_bytes(payload, MAX(opt.echo_bytes, STREAM_CHUNK)) < 0)
		return -1;
	if (!opt.fresh) {
		/* One certificate for the run keeps key generation off the clock. */
		if (cert_generate(cert, &cl, sizeof(cert), key, &kl, sizeof(key)) < 0)
			return -1;
		cfg->cert_der = cert;
		cfg->cert_len = cl;
		cfg->key_der = key;
		cfg->key_len = kl;
	}
	cfg->timeout_ms = (uint32_t)opt.timeout_s * 1000;
	cfg->sctp_streams = opt.streams;
	cfg->on_event = on_event;
	return rc_global_init();
}

/* --steady: once every connection was started and has finished its work
 * (or ended), all of them are held until S seconds from now. */
static void
steady_check(int started)
{
	uint64_t now = now_ms();

	if (opt.steady_s <= 0 || steady_start_ms != 0 || started < opt.conns)
		return;
	for (int i = 0; i < started; i++)
		if (slots[i].c != NULL && !slots[i].ended && !slots[i].ok)
			return;
	steady_start_ms = now;
	steady_end_ms = now + (uint64_t)opt.steady_s * 1000;
	for (int i = 0; i < started; i++)
		if (slots[i].c != NULL && !slots[i].ended) {
			slots[i].hold_until = steady_end_ms;
			steady_open++;
		}
	fprintf(stderr, "steady open=%d\n", steady_open);
	fflush(stderr);
}

/* Free what ended; close what finished holding; send held messages.
 * Returns the earliest time a held message is due. */
static uint64_t
sweep(struct rc_set *set, int started)
{
	uint64_t now = now_ms(), due = UINT64_MAX;

	steady_check(started);
	for (int i = 0; i < started; i++) {
		struct slot *s = &slots[i];

		if (s->c == NULL)
			continue;
		if (!s->ended && s->hold_until != 0 && now >= s->hold_until)
			rc_close(s->c, "held");
		if (!s->ended && s->ok && s->msg_next_ms != 0 && now >= s->msg_next_ms)
			held_send(s, now);
		if (!s->ended && s->ok && s->msg_next_ms != 0)
			due = MIN(due, s->msg_next_ms);
		if (!s->ended)
			continue;
		if (s->ok)
			record(s);
		if (s->ok)
			nok++;
		else
			nfailed++;
		rc_set_del(set, s->c);
		rc_free(s->c);
		s->c = NULL;
		active--;
	}
	return due;
}

int
main(int argc, char **argv)
{
	struct rc_cfg cfg;
	struct rc_set *set;
	uint64_t t0, due = UINT64_MAX;
	int started = 0;

	memset(&cfg, 0, sizeof(cfg));
	if (parse_args(argc, argv, &cfg) < 0)
		return usage();
	log_init("rtcload", LOG_LVL_WARN);
	raise_fd_limit();
	if (setup(&cfg) < 0 || (set = rc_set_new((size_t)opt.conns)) == NULL) {
		fprintf(stderr, "rtcload: cannot initialise\n");
		return 1;
	}
	t0 = now_ms();
	while (started < opt.conns || active > 0) {
		uint64_t now = now_ms(), next = t0 + (uint64_t)((double)started * 1000.0 / opt.rate);
		int wait = WAIT_MS;

		if (due <= now)
			wait = 0;
		else if (due - now < (uint64_t)wait)
			wait = (int)(due - now);

		while (started < opt.conns && now >= next) {
			struct slot *s = &slots[started];
			char err[RC_REASON_MAX];

			cfg.arg = s;
			s->left = opt.mode == RC_MODE_DIRECT ? opt.pings : opt.echoes;
			if ((s->c = rc_new(&cfg, err, sizeof(err))) == NULL) {
				count_error(err);
				nfailed++;
			} else if (rc_set_add(set, s->c) == 0) {
				active++;
				peak = MAX(peak, active);
			}
			started++;
			next = t0 + (uint64_t)((double)started * 1000.0 / opt.rate);
		}
		if (started < opt.conns && next > now && next - now < (uint64_t)wait)
			wait = (int)(next - now);
		if (rc_set_run(set, wait) < 0) {
			perror("rtcload: poll");
			return 1;
		}
		due = sweep(set, started);
	}
	report((double)(now_ms() - t0) / 1000.0);
	rc_set_free(set);
	return nfailed == 0 ? 0 : 1;
}
