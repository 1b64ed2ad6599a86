/* metrics: what rtcd measures beyond the plain counters of struct counters
 * (handshake durations, kills by cause, crashes by signal, event loop lag),
 * and the Prometheus text exposition (version 0.0.4) of everything, served
 * by the control command "metrics" and, when enabled, GET /metrics. */
#ifndef RTCD_METRICS_H
#define RTCD_METRICS_H

#include <stddef.h>
#include <stdint.h>

struct sup;
struct event;

#define METRICS_MAX_BOUNDS 16
#define METRICS_MAX_TEXT (1024 * 1024)   /* the exposition never grows past this */
#define METRICS_LAG_PERIOD_MS 100        /* loop lag probe period */

struct histogram {
	int nbounds;
	const double *bounds;                   /* upper bounds, increasing */
	uint64_t counts[METRICS_MAX_BOUNDS + 1];  /* per bucket; the last is +Inf */
	uint64_t count;
	double sum;
};

/* Why the supervisor killed a worker (the label of rtcd_worker_kills_total). */
enum kill_cause {
	KILL_VIOLATION = 0,      /* protocol violation on its channel */
	KILL_READY_TIMEOUT,      /* never became ready */
	KILL_HANDSHAKE_TIMEOUT,  /* handshake deadline passed */
	KILL_CLOSE_TIMEOUT,      /* did not exit after SHUTDOWN */
	KILL_CHANNEL,            /* its channel was full or broken */
	KILL_OFFER,              /* offer refused or abandoned */
	KILL_OPERATOR,           /* rtcctl kill */
	KILL_SHUTDOWN,           /* stop, drain or pool trimming */
	KILL_OTHER,
	KILL_NCAUSES,
};

enum crash_kind { CRASH_SEGV = 0, CRASH_SYS, CRASH_ABRT, CRASH_BUS, CRASH_FPE, CRASH_ILL,
	CRASH_KILL, CRASH_OTHER, CRASH_NKINDS };

struct metrics {
	struct histogram handshake;     /* seconds from assignment to connected */
	struct histogram loop_lag;      /* seconds the lag probe fired late */
	uint64_t handshakes_ok, handshakes_failed;
	uint64_t kills[KILL_NCAUSES];
	uint64_t crashes[CRASH_NKINDS];
	uint64_t control_refused;       /* control clients refused by SO_PEERCRED */
	uint64_t lag_expected_us;
	struct event *lag_timer;
};

void metrics_hist_init(struct histogram *h, const double *bounds, int n);
void metrics_hist_observe(struct histogram *h, double v);

void metrics_init(struct metrics *m);
/* Start/stop the loop lag probe (a 100 ms timer that records its lateness). */
int metrics_start(struct sup *s);
void metrics_stop(struct sup *s);
/* A connection's handshake ended: ok (connected) after ms, or failed. */
void metrics_handshake(struct sup *s, int ok, uint64_t ms);
enum kill_cause metrics_kill_cause(const char *why);
const char *metrics_kill_cause_name(enum kill_cause c);
void metrics_worker_killed(struct sup *s, const char *why);
void metrics_worker_crashed(struct sup *s, int sig);
/* The whole exposition as a NUL-terminated malloc'd string (*len bytes),
 * or NULL when out of memory. */
char *metrics_render(struct sup *s, size_t *len);

#endif
