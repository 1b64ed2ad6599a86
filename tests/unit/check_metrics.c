/* check_metrics: histogram bucketing (bounds are inclusive upper bounds,
 * +Inf catches the rest), the kill-cause table for every reason the
 * supervisor uses, crash signals, and the exposition itself: every line is
 * a HELP, a TYPE or a sample of the family announced just before, names
 * start with rtcd_, counters end in _total, histogram buckets are
 * cumulative and end with +Inf = _count, and values follow the state. */
#include <ctype.h>
#include <signal.h>
#include <jansson.h>

#include "common/log.h"
#include "supervisor/metrics.h"
#include "supervisor/rooms.h"
#include "supervisor/sup.h"
#include "testutil.h"

void http_offer_answered(struct sup *s, struct worker *w, const char *sdp, size_t len) {}
void http_offer_failed(struct sup *s, struct worker *w, int status, const char *reason) {}
void http_offer_dispatch(struct sup *s) {}
void sup_request_stop(struct sup *s, const char *why) {}
int sup_reload(struct sup *s, char *err, size_t errlen) { return 0; }

static struct sup S;

static void
setup(void)
{
	memset(&S, 0, sizeof(S));
	log_init("test", LOG_LVL_ERROR);
	config_defaults(&S.cfg);
	TAILQ_INIT(&S.workers);
	TAILQ_INIT(&S.pool);
	metrics_init(&S.m);
	ck_assert_int_eq(rooms_init(&S), 0);
}

static void
teardown(void)
{
	rooms_free(&S);
}

START_TEST(histogram_buckets)
{
	static const double b[] = { 0.1, 1, 10 };
	struct histogram h;

	metrics_hist_init(&h, b, 3);
	metrics_hist_observe(&h, 0);
	metrics_hist_observe(&h, 0.1);     /* le is inclusive */
	metrics_hist_observe(&h, 0.1001);
	metrics_hist_observe(&h, 10);
	metrics_hist_observe(&h, 11);
	metrics_hist_observe(&h, 1e9);
	ck_assert_uint_eq(h.counts[0], 2);
	ck_assert_uint_eq(h.counts[1], 1);
	ck_assert_uint_eq(h.counts[2], 1);
	ck_assert_uint_eq(h.counts[3], 2);  /* +Inf */
	ck_assert_uint_eq(h.count, 6);
	ck_assert(h.sum > 1e9 && h.sum < 1e9 + 22);
}
END_TEST

START_TEST(kill_causes)
{
	static const struct { const char *why; enum kill_cause c; } t[] = {
		{ "protocol violation: oversized message", KILL_VIOLATION },
		{ "sent to a tuple that is not bound to it", KILL_VIOLATION },
		{ "did not become ready in time", KILL_READY_TIMEOUT },
		{ "handshake deadline passed", KILL_HANDSHAKE_TIMEOUT },
		{ "did not exit after SHUTDOWN", KILL_CLOSE_TIMEOUT },
		{ "channel full", KILL_CHANNEL },
		{ "channel broken", KILL_CHANNEL },
		{ "HELLO could not be delivered", KILL_CHANNEL },
		{ "offer refused", KILL_OFFER },
		{ "offer abandoned by the HTTP client", KILL_OFFER },
		{ "answer ufrag rejected", KILL_OFFER },
		{ "killed by operator", KILL_OPERATOR },
		{ "shutting down", KILL_SHUTDOWN },
		{ "shutdown deadline", KILL_SHUTDOWN },
		{ "draining", KILL_SHUTDOWN },
		{ "not needed any more", KILL_SHUTDOWN },
		{ "out of memory", KILL_OTHER },
		{ "", KILL_OTHER },
		{ NULL, KILL_OTHER },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		ck_assert_msg(metrics_kill_cause(t[i].why) == t[i].c, "%s", t[i].why ? t[i].why : "NULL");
	ck_assert_str_eq(metrics_kill_cause_name(KILL_HANDSHAKE_TIMEOUT), "handshake_timeout");
	ck_assert_str_eq(metrics_kill_cause_name(KILL_NCAUSES), "other");
}
END_TEST

/* The value of one sample line "name{labels} value" in text, or -1. */
static double
sample(const char *text, const char *series)
{
	size_t n = strlen(series);

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (strncmp(p, series, n) == 0 && p[n] == ' ')
			return strtod(p + n + 1, NULL);
	return -1;
}

static int
valid_name(const char *p, size_t n)
{
	if (n == 0 || !(isalpha((unsigned char)p[0]) || p[0] == '_'))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!(isalnum((unsigned char)p[i]) || p[i] == '_'))
			return 0;
	return strncmp(p, "rtcd_", 5) == 0;
}

/* Check the exposition line by line against the text format grammar. */
static void
check_format(const char *text)
{
	char family[128] = "", type[16] = "";
	const char *line = text;
	int nfam = 0;

	ck_assert(strlen(text) > 0 && text[strlen(text) - 1] == '\n');
	while (*line) {
		const char *end = strchr(line, '\n');
		size_t len = (size_t)(end - line);
		char buf[512];

		ck_assert(end != NULL && len < sizeof(buf));
		memcpy(buf, line, len);
		buf[len] = '\0';
		if (strncmp(buf, "# HELP ", 7) == 0) {
			char *sp = strchr(buf + 7, ' ');
			ck_assert_ptr_nonnull(sp);
			ck_assert(valid_name(buf + 7, (size_t)(sp - buf - 7)));
			snprintf(family, sizeof(family), "%.*s", (int)(sp - buf - 7), buf + 7);
			type[0] = '\0';
			nfam++;
		} else if (strncmp(buf, "# TYPE ", 7) == 0) {
			size_t fl = strlen(family);
			ck_assert_msg(strncmp(buf + 7, family, fl) == 0 && buf[7 + fl] == ' ', "%s", buf);
			snprintf(type, sizeof(type), "%s", buf + 8 + fl);
			ck_assert(strcmp(type, "counter") == 0 || strcmp(type, "gauge") == 0 ||
			    strcmp(type, "histogram") == 0);
			if (strcmp(type, "counter") == 0)
				ck_assert_msg(fl > 6 && strcmp(family + fl - 6, "_total") == 0, "%s", family);
		} else {
			size_t fl = strlen(family), nl = strcspn(buf, "{ ");
			char *sp, *val;
			ck_assert_msg(type[0] != '\0', "sample before TYPE: %s", buf);
			ck_assert_msg(strncmp(buf, family, fl) == 0, "%s outside family %s", buf, family);
			if (strcmp(type, "histogram") == 0)
				ck_assert(nl == fl + 7 || nl == fl + 4 || nl == fl + 6);  /* _bucket _sum _count */
			else
				ck_assert_uint_eq(nl, fl);
			if (buf[nl] == '{') {
				char *close = strchr(buf + nl, '}');
				ck_assert_ptr_nonnull(close);
				for (char *q = buf + nl + 1; q < close; q++)
					ck_assert(*q != '\\' && *q != '\n');
				sp = close + 1;
			} else {
				sp = buf + nl;
			}
			ck_assert(*sp == ' ');
			val = sp + 1;
			{
				char *e;
				(void)strtod(val, &e);
				ck_assert_msg(*val && *e == '\0', "bad value in %s", buf);
			}
		}
		line = end + 1;
	}
	ck_assert_int_ge(nfam, 25);
}

static void
check_histogram(const char *text, const char *name)
{
	char series[160];
	double prev = 0, inf, count;
	const char *p = text;

	snprintf(series, sizeof(series), "%s_bucket{le=\"", name);
	while ((p = strstr(p, series)) != NULL) {
		double v = strtod(strchr(p, ' ') + 1, NULL);
		ck_assert(v >= prev);
		prev = v;
		p++;
	}
	snprintf(series, sizeof(series), "%s_bucket{le=\"+Inf\"}", name);
	inf = sample(text, series);
	snprintf(series, sizeof(series), "%s_count", name);
	count = sample(text, series);
	ck_assert(inf >= 0 && inf == count && prev == inf);
}

START_TEST(exposition_format_and_values)
{
	static struct worker w[3];
	size_t len;
	char *text;

	S.c.dgrams_in = 7;
	S.c.bytes_out = 12345;
	S.c.dropped_limit = 3;
	S.c.room_published = 2;
	S.c.workers_spawned = 5;
	S.nidle = 2;
	S.nworkers = 5;
	for (int i = 0; i < 3; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].sup = &S;
		w[i].id = (uint32_t)(i + 1);
		w[i].mode = i == 0 ? WIRE_MODE_OFFER : WIRE_MODE_DIRECT;
		w[i].state = i == 2 ? WS_ASSIGNED : WS_CONNECTED;
		TAILQ_INSERT_TAIL(&S.workers, &w[i], all_link);
	}
	metrics_handshake(&S, 1, 30);
	metrics_handshake(&S, 1, 700);
	metrics_handshake(&S, 0, 0);
	metrics_worker_killed(&S, "handshake deadline passed");
	metrics_worker_crashed(&S, SIGSYS);
	metrics_hist_observe(&S.m.loop_lag, 0.0002);

	text = metrics_render(&S, &len);
	ck_assert_ptr_nonnull(text);
	ck_assert_uint_eq(strlen(text), len);
	check_format(text);
	check_histogram(text, "rtcd_handshake_duration_seconds");
	check_histogram(text, "rtcd_loop_lag_seconds");
	ck_assert(sample(text, "rtcd_datagrams_total{direction=\"in\"}") == 7);
	ck_assert(sample(text, "rtcd_bytes_total{direction=\"out\"}") == 12345);
	ck_assert(sample(text, "rtcd_dropped_datagrams_total{reason=\"limit\"}") == 3);
	ck_assert(sample(text, "rtcd_room_messages_total{event=\"published\"}") == 2);
	ck_assert(sample(text, "rtcd_connections{mode=\"webrtc\",state=\"connected\"}") == 1);
	ck_assert(sample(text, "rtcd_connections{mode=\"webrtc-direct\",state=\"connected\"}") == 1);
	ck_assert(sample(text, "rtcd_connections{mode=\"webrtc-direct\",state=\"handshake\"}") == 1);
	ck_assert(sample(text, "rtcd_workers{state=\"idle\"}") == 2);
	ck_assert(sample(text, "rtcd_workers{state=\"busy\"}") == 3);
	ck_assert(sample(text, "rtcd_handshakes_total{result=\"ok\"}") == 2);
	ck_assert(sample(text, "rtcd_handshakes_total{result=\"failed\"}") == 1);
	ck_assert(sample(text, "rtcd_handshake_duration_seconds_bucket{le=\"0.025\"}") == 0);
	ck_assert(sample(text, "rtcd_handshake_duration_seconds_bucket{le=\"0.05\"}") == 1);
	ck_assert(sample(text, "rtcd_handshake_duration_seconds_bucket{le=\"1\"}") == 2);
	ck_assert(sample(text, "rtcd_handshake_duration_seconds_sum") > 0.72);
	ck_assert(sample(text, "rtcd_worker_kills_total{cause=\"handshake_timeout\"}") == 1);
	ck_assert(sample(text, "rtcd_worker_crashes_total{signal=\"SIGSYS\"}") == 1);
	ck_assert(sample(text, "rtcd_worker_spawns_total") == 5);
	ck_assert(sample(text, "rtcd_loop_lag_seconds_bucket{le=\"0.0005\"}") == 1);
	ck_assert(sample(text, "rtcd_rooms") == 0);
	ck_assert(strstr(text, "rtcd_build_info{version=\"" PACKAGE_VERSION "\"} 1\n") != NULL);
	free(text);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("metrics");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, histogram_buckets);
	tcase_add_test(tc, kill_causes);
	tcase_add_test(tc, exposition_format_and_values);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
