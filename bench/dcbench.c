/* dcbench: the data-channel benchmarks of bench/ndc/client.mjs with our C
 * client (bench/rtcclient, offer mode) instead of node-datachannel, against
 * rtcd or the Janus echotest, so both servers are measured with the same
 * client and the same definitions. Binary messages on a reliable ordered
 * channel labelled "echo".
 *   dcbench tput  TARGET [--size B] [--secs S] [--window B]  echoed MB/s over s 2..S,
 *                 at most B bytes sent and not yet echoed (one connection)
 *   dcbench setup TARGET [--n N]           offer sent -> channel open, N sequential
 *                                          connections after one warm-up (p50/p99)
 *   dcbench conc  TARGET [--n N] [--par P] N connections, P at a time, each offer +
 *                                          open + first echo of 1000 bytes: conn/s
 * TARGET: http://IP:PORT (rtcd) or janus:http://IP:PORT/janus.
 * common: [--bind IP] (local UDP address) [--via IP] (send to this IP, at
 * the port of the answer's candidate, e.g. a udpdelay relay)
 * [--cpu-pid PID] (CPU % of PID and its children while measuring)
 * [--timeout S] (per connection).
 * Prints one JSON line (the keys of ndc/client.mjs); exit 0 on success. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "bench/rtcclient.h"
#include "common/cert.h"
#include "common/log.h"
#include "common/util.h"

#define MAX_N 2000
#define MAX_PAR 100
#define MAX_SECS 600
#define MAX_SIZE (256 * 1024)
#define MAX_WINDOW (64u * 1024 * 1024)
#define ECHO_BYTES 1000
#define WAIT_MS 20
#define MAX_ERRORS 5
#define CLK_TCK_HZ 100           /* /proc/PID/stat clock ticks */
#define MAX_CHILDREN 4096

enum mode { M_TPUT, M_SETUP, M_CONC };

static struct {
	enum mode mode;
	size_t size, window;
	int secs, n, par, timeout_s, cpu_pid;
} opt = { M_TPUT, 16384, 4u * 1024 * 1024, 15, 30, 1, 10, 0 };

/* One connection in flight. */
struct job {
	struct rc_conn *c;
	struct rc_chan *ch;
	size_t sent, got;
	unsigned bad;                 /* echoes of the wrong size */
	uint64_t deadline_ms, echo_us;
	int echoed, ended, failed;
	char why[RC_REASON_MAX];
};

static struct rc_cfg cfg;
static uint8_t *payload;
static char errors[MAX_ERRORS][RC_REASON_MAX];
static int nerrors;

static void
note_error(const char *why)
{
	if (nerrors < MAX_ERRORS)
		(void)strlcpy_checked(errors[nerrors++], why, RC_REASON_MAX);
}

/* ---- /proc: CPU ticks of a process and its children ---- */

/* utime + stime, and with reaped = 1 also cutime + cstime (the CPU of
 * children it has reaped: rtcd's finished workers). */
static unsigned long long
ticks_of(int pid, int reaped)
{
	char path[64], buf[1024], *p;
	unsigned long long ut = 0, st = 0, cut = 0, cst = 0;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* after "(comm) ": state is field 3; utime, stime, cutime, cstime are
	 * 14 to 17 */
	if ((p = strrchr(buf, ')')) == NULL ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %llu %llu",
	    &ut, &st, &cut, &cst) != 4)
		return 0;
	return ut + st + (reaped ? cut + cst : 0);
}

static unsigned long long
cpu_ticks(int pid)
{
	char path[64];
	unsigned long long sum;
	FILE *f;
	int child, k = 0;

	if (pid <= 0)
		return 0;
	sum = ticks_of(pid, 1);
	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", pid, pid);
	if ((f = fopen(path, "r")) == NULL)
		return sum;
	while (k++ < MAX_CHILDREN && fscanf(f, "%d", &child) == 1)
		sum += ticks_of(child, 0);
	fclose(f);
	return sum;
}

static double
self_cpu_s(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) < 0)
		return 0;
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec +
	    ((double)ru.ru_utime.tv_usec + (double)ru.ru_stime.tv_usec) / 1e6;
}

/* ---- one connection ---- */

static void
pump(struct job *j)
{
	while (j->ch != NULL && !j->ended && j->sent - j->got + opt.size <= opt.window) {
		if (rc_send(j->c, j->ch, 1, payload, opt.size) < 0) {
			if (errno != EAGAIN)
				rc_close(j->c, "cannot send");
			return;   /* EAGAIN: RC_EV_WRITABLE follows */
		}
		j->sent += opt.size;
	}
}

static void
on_event(void *arg, struct rc_conn *c, const struct rc_event *ev)
{
	struct job *j = arg;

	switch (ev->type) {
	case RC_EV_CONNECTED:
		if ((j->ch = rc_open(c, "echo")) == NULL)
			rc_close(c, "cannot open the echo channel");
		break;
	case RC_EV_CHAN_OPEN:
		if (ev->ch != j->ch)
			break;
		if (opt.mode == M_TPUT) {
			pump(j);
		} else if (rc_send(c, j->ch, 1, payload, ECHO_BYTES) < 0) {
			rc_close(c, "cannot send the echo message");
		}
		break;
	case RC_EV_WRITABLE:
		if (opt.mode == M_TPUT)
			pump(j);
		break;
	case RC_EV_MESSAGE:
		if (ev->ch != j->ch)
			break;
		j->got += ev->len;
		if (opt.mode == M_TPUT) {
			if (ev->len != opt.size)
				j->bad++;
			pump(j);
		} else if (!j->echoed && j->got >= ECHO_BYTES) {
			j->echoed = 1;
			j->echo_us = now_us();
		}
		break;
	case RC_EV_FAILED:
	case RC_EV_CLOSED:
		j->ended = 1;
		if (!j->echoed || opt.mode == M_TPUT) {
			j->failed = ev->type == RC_EV_FAILED || ev->by_peer;
			(void)strlcpy_checked(j->why, ev->reason ? ev->reason : "?", sizeof(j->why));
		}
		break;
	default:
		break;
	}
}

static int
job_start(struct job *j, struct rc_set *set)
{
	char err[RC_REASON_MAX];

	memset(j, 0, sizeof(*j));
	cfg.arg = j;
	j->deadline_ms = now_ms() + (uint64_t)opt.timeout_s * 1000;
	if ((j->c = rc_new(&cfg, err, sizeof(err))) == NULL) {
		note_error(err);
		return -1;
	}
	if (rc_set_add(set, j->c) < 0) {
		rc_free(j->c);
		j->c = NULL;
		note_error("set full");
		return -1;
	}
	return 0;
}

static void
job_end(struct job *j, struct rc_set *set)
{
	if (j->c == NULL)
		return;
	rc_set_del(set, j->c);
	rc_free(j->c);
	j->c = NULL;
}

/* Run until pred(j) or the job's deadline; 0 when pred held. */
static int
run_until(struct rc_set *set, struct job *j, int (*pred)(const struct job *))
{
	while (!pred(j) && !j->ended) {
		if (now_ms() >= j->deadline_ms) {
			snprintf(j->why, sizeof(j->why), "timeout in phase %s", rc_state_name(rc_state(j->c)));
			return -1;
		}
		if (rc_set_run(set, WAIT_MS) < 0)
			return -1;
	}
	return pred(j) ? 0 : -1;
}

static int is_echoed(const struct job *j) { return j->echoed; }
static int is_open(const struct job *j) { return j->ch != NULL && rc_times(j->c)->first_open != 0; }

static double
ms_between(uint64_t a, uint64_t b)
{
	return b >= a && a != 0 ? (double)(b - a) / 1000.0 : 0;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
pct(const double *v, int n, int q)
{
	int k = (n * q + 99) / 100;

	return n == 0 ? 0 : v[k > 0 ? k - 1 : 0];
}

/* ---- modes ---- */

static int
mode_tput(struct rc_set *set)
{
	struct job j;
	double per[MAX_SECS], mbps, secs = opt.secs - 2, cpu_self2 = 0, min_s = 1e9;
	unsigned long long cpu2 = 0;
	size_t last = 0, at2 = 0, gotn;
	uint64_t t0;
	int ok;

	if (job_start(&j, set) < 0 || run_until(set, &j, is_open) < 0) {
		if (j.c != NULL)
			note_error(j.why[0] ? j.why : "no channel");
		printf("{\"mode\":\"tput\",\"client\":\"c\",\"ok\":false,\"error\":\"%s\"}\n",
		    nerrors ? errors[0] : "setup");
		return 1;
	}
	t0 = now_ms();
	for (int s = 1; s <= opt.secs && !j.ended; s++) {
		while (now_ms() < t0 + (uint64_t)s * 1000 && !j.ended)
			if (rc_set_run(set, WAIT_MS) < 0)
				break;
		per[s - 1] = (double)(j.got - last) / 1e6;
		last = j.got;
		if (s == 2) {
			at2 = j.got;
			cpu2 = cpu_ticks(opt.cpu_pid);
			cpu_self2 = self_cpu_s();
		}
		if (s > 2 && per[s - 1] < min_s)
			min_s = per[s - 1];
	}
	gotn = j.got;
	ok = !j.ended && gotn > at2 && j.bad == 0;
	mbps = (double)(gotn - at2) / 1e6 / secs;
	printf("{\"mode\":\"tput\",\"client\":\"c\",\"echoed_MBps\":%.2f,\"echoed_Mbitps\":%.1f,"
	    "\"size\":%zu,\"secs\":%d,\"window\":%zu,\"per_second_MB\":[", mbps, mbps * 8, opt.size,
	    opt.secs, opt.window);
	for (int s = 0; s < opt.secs; s++)
		printf("%s%.1f", s ? "," : "", per[s]);
	printf("],\"min_second_MB\":%.1f,\"bad_sizes\":%u,", min_s < 1e9 ? min_s : 0, j.bad);
	if (opt.cpu_pid > 0)
		printf("\"server_cpu_pct\":%.1f,",
		    (double)(cpu_ticks(opt.cpu_pid) - cpu2) / CLK_TCK_HZ / secs * 100);
	printf("\"client_cpu_pct\":%.1f,\"ok\":%s%s%s%s}\n", (self_cpu_s() - cpu_self2) / secs * 100,
	    ok ? "true" : "false", j.ended ? ",\"error\":\"" : "", j.ended ? j.why : "",
	    j.ended ? "\"" : "");
	rc_close(j.c, "done");
	job_end(&j, set);
	return ok ? 0 : 1;
}

/* Setup phases, each from the previous step (offer -> answer -> first
 * verified STUN answer -> DTLS up -> SCTP up -> channel open). */
enum { PH_OPEN, PH_ANSWER, PH_ICE, PH_DTLS, PH_SCTP, PH_DCEP, PH_N };
static const char *const ph_names[PH_N] = { "open", "answer", "ice", "dtls", "sctp", "dcep" };

static int
mode_setup(struct rc_set *set)
{
	double *v[PH_N];
	int nok = 0, nfail = 0;
	struct job j;

	for (int p = 0; p < PH_N; p++)
		if ((v[p] = calloc((size_t)opt.n, sizeof(double))) == NULL)
			return 1;
	for (int i = -1; i < opt.n; i++) {            /* i = -1: warm-up, not counted */
		if (job_start(&j, set) < 0) {
			nfail += i >= 0;
			continue;
		}
		if (run_until(set, &j, is_echoed) == 0) {
			const struct rc_times *t = rc_times(j.c);
			if (i >= 0) {
				v[PH_OPEN][nok] = ms_between(t->offer, t->first_open);
				v[PH_ANSWER][nok] = ms_between(t->offer, t->answer);
				v[PH_ICE][nok] = ms_between(t->answer, t->stun_ok);
				v[PH_DTLS][nok] = ms_between(t->stun_ok, t->dtls_up);
				v[PH_SCTP][nok] = ms_between(t->dtls_up, t->sctp_up);
				v[PH_DCEP][nok++] = ms_between(t->sctp_up, t->first_open);
			}
		} else if (i >= 0) {
			nfail++;
			note_error(j.why[0] ? j.why : "failed");
		}
		rc_close(j.c, "done");
		job_end(&j, set);
	}
	for (int p = 0; p < PH_N; p++)
		qsort(v[p], (size_t)nok, sizeof(double), cmp_double);
	printf("{\"mode\":\"setup\",\"client\":\"c\",\"n\":%d,\"ok\":%d,\"failed\":%d,"
	    "\"open_p50_ms\":%.2f,\"open_p99_ms\":%.2f,\"open_min_ms\":%.2f", opt.n, nok, nfail,
	    pct(v[PH_OPEN], nok, 50), pct(v[PH_OPEN], nok, 99), nok ? v[PH_OPEN][0] : 0);
	for (int p = PH_ANSWER; p < PH_N; p++)
		printf(",\"%s_p50_ms\":%.2f", ph_names[p], pct(v[p], nok, 50));
	printf(",\"errors\":[");
	for (int i = 0; i < nerrors; i++)
		printf("%s\"%s\"", i ? "," : "", errors[i]);
	printf("]}\n");
	for (int p = 0; p < PH_N; p++)
		free(v[p]);
	return nfail == 0 && nok == opt.n ? 0 : 1;
}

static int
mode_conc(struct rc_set *set)
{
	struct job *jobs = calloc((size_t)opt.par, sizeof(*jobs));
	int started = 0, nok = 0, nfail = 0, active = 0;
	uint64_t t0 = now_us(), last_echo = 0, hard = now_ms() +
	    (uint64_t)(opt.n + 1) * (uint64_t)opt.timeout_s * 1000;
	unsigned long long cpu0 = cpu_ticks(opt.cpu_pid);
	double elapsed;

	if (jobs == NULL)
		return 1;
	while ((started < opt.n || active > 0) && now_ms() < hard) {
		for (int k = 0; k < opt.par; k++) {
			struct job *j = &jobs[k];
			if (j->c != NULL && (j->echoed || j->ended || now_ms() >= j->deadline_ms)) {
				if (j->echoed) {
					nok++;
					last_echo = MAX(last_echo, j->echo_us);
				} else {
					nfail++;
					note_error(j->why[0] ? j->why : "timeout");
				}
				rc_close(j->c, "done");
				job_end(j, set);
				active--;
			}
			if (j->c == NULL && started < opt.n) {
				started++;
				if (job_start(j, set) == 0)
					active++;
				else
					nfail++;
			}
		}
		if (rc_set_run(set, WAIT_MS) < 0)
			break;
	}
	elapsed = (double)((last_echo ? last_echo : now_us()) - t0) / 1e6;
	printf("{\"mode\":\"conc\",\"client\":\"c\",\"n\":%d,\"par\":%d,\"ok\":%d,\"failed\":%d,"
	    "\"elapsed_s\":%.2f,\"conns_per_s\":%.1f,", opt.n, opt.par, nok, nfail, elapsed,
	    elapsed > 0 ? nok / elapsed : 0);
	if (opt.cpu_pid > 0)
		printf("\"server_cpu_pct\":%.1f,",
		    (double)(cpu_ticks(opt.cpu_pid) - cpu0) / CLK_TCK_HZ / elapsed * 100);
	printf("\"errors\":[");
	for (int i = 0; i < nerrors; i++)
		printf("%s\"%s\"", i ? "," : "", errors[i]);
	printf("]}\n");
	for (int k = 0; k < opt.par; k++)
		job_end(&jobs[k], set);
	free(jobs);
	return nfail == 0 && nok == opt.n ? 0 : 1;
}

/* ---- set-up ---- */

static int
usage(void)
{
	fprintf(stderr,
	    "usage: dcbench tput  TARGET [--size B] [--secs S] [--window B]\n"
	    "       dcbench setup TARGET [--n N]\n"
	    "       dcbench conc  TARGET [--n N] [--par P]\n"
	    "       TARGET: http://IP:PORT (rtcd) | janus:http://IP:PORT/janus\n"
	    "       common: [--bind IP] [--via IP] [--cpu-pid PID] [--timeout S]\n");
	return 2;
}

static int
parse_args(int argc, char **argv)
{
	char err[RC_REASON_MAX];

	if (argc < 3)
		return -1;
	if (strcmp(argv[1], "tput") == 0)
		opt.mode = M_TPUT;
	else if (strcmp(argv[1], "setup") == 0)
		opt.mode = M_SETUP;
	else if (strcmp(argv[1], "conc") == 0)
		opt.mode = M_CONC;
	else
		return -1;
	if (rc_cfg_offer(&cfg, argv[2], err, sizeof(err)) < 0) {
		fprintf(stderr, "dcbench: %s\n", err);
		return -1;
	}
	for (int i = 3; i < argc; i += 2) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (v == NULL)
			return -1;
		if (strcmp(a, "--size") == 0)
			opt.size = (size_t)strtoul(v, NULL, 10);
		else if (strcmp(a, "--secs") == 0)
			opt.secs = atoi(v);
		else if (strcmp(a, "--window") == 0)
			opt.window = (size_t)strtoul(v, NULL, 10);
		else if (strcmp(a, "--n") == 0)
			opt.n = atoi(v);
		else if (strcmp(a, "--par") == 0)
			opt.par = atoi(v);
		else if (strcmp(a, "--timeout") == 0)
			opt.timeout_s = atoi(v);
		else if (strcmp(a, "--cpu-pid") == 0)
			opt.cpu_pid = atoi(v);
		else if (strcmp(a, "--via") == 0) {
			char hp[ADDR_STRLEN + 4];
			snprintf(hp, sizeof(hp), "%s:0", v);
			if (addr_parse(&cfg.target, hp) < 0)
				return -1;
		} else if (strcmp(a, "--bind") == 0) {
			if (rc_cfg_bind(&cfg, v) < 0)
				return -1;
		} else
			return -1;
	}
	if (opt.size < 1 || opt.size > MAX_SIZE || opt.secs < 3 || opt.secs > MAX_SECS ||
	    opt.window < opt.size || opt.window > MAX_WINDOW || opt.n < 1 || opt.n > MAX_N ||
	    opt.par < 1 || opt.par > MAX_PAR || opt.timeout_s < 1) {
		fprintf(stderr, "dcbench: a value is out of range\n");
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static uint8_t cert[CERT_MAX_DER], key[KEY_MAX_DER];
	struct rc_set *set;
	size_t cl, kl;
	int r;

	if (parse_args(argc, argv) < 0)
		return usage();
	log_init("dcbench", LOG_LVL_WARN);
	payload = malloc(MAX(opt.size, ECHO_BYTES));
	/* One certificate for the run keeps key generation off the clock. */
	if (payload == NULL || random_bytes(payload, MAX(opt.size, ECHO_BYTES)) < 0 ||
	    cert_generate(cert, &cl, sizeof(cert), key, &kl, sizeof(key)) < 0 ||
	    rc_global_init() < 0 || (set = rc_set_new((size_t)opt.par + 1)) == NULL) {
		fprintf(stderr, "dcbench: cannot initialise\n");
		return 1;
	}
	cfg.cert_der = cert;
	cfg.cert_len = cl;
	cfg.key_der = key;
	cfg.key_len = kl;
	cfg.timeout_ms = (uint32_t)opt.timeout_s * 1000;
	cfg.on_event = on_event;
	r = opt.mode == M_TPUT ? mode_tput(set) : opt.mode == M_SETUP ? mode_setup(set) :
	    mode_conc(set);
	fflush(stdout);
	rc_set_free(set);
	free(payload);
	return r;
}
