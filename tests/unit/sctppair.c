/* sctppair: in-memory link between two sctp associations (see sctppair.h). */
#include "sctppair.h"

#include <stdlib.h>
#include <string.h>

void
pair_init(struct pair *p)
{
	memset(p, 0, sizeof(*p));
	ck_assert_int_eq(sctp_global_init(), 0);
	sctp_debug_off();
}

int
pair_send(struct pair *p, int to, const uint8_t *pkt, size_t n)
{
	struct pair_pkt *e;

	if (p->drop_all || p->count == PAIR_QMAX) {
		p->dropped++;
		return -1;
	}
	e = &p->q[(p->head + p->count) % PAIR_QMAX];
	e->p = malloc(n);
	if (e->p == NULL) {
		p->dropped++;
		return -1;
	}
	memcpy(e->p, pkt, n);
	e->n = n;
	e->to = to;
	p->count++;
	return 0;
}

void
pair_step(struct pair *p)
{
	for (int i = 0; i < PAIR_STEP_PKTS && p->count > 0; i++) {
		struct pair_pkt e = p->q[p->head];

		p->head = (p->head + 1) % PAIR_QMAX;
		p->count--;
		if (p->a[e.to] != NULL)
			sctp_input(p->a[e.to], e.p, e.n);
		p->delivered++;
		free(e.p);
	}
	sctp_tick(SCTP_TICK_MS);
	p->now_ms += SCTP_TICK_MS;
}

int
pair_run(struct pair *p, int (*done)(void *), void *arg, int max_steps)
{
	for (int i = 0; i < max_steps && !done(arg); i++)
		pair_step(p);
	return done(arg);
}

void
pair_fini(struct pair *p)
{
	for (int i = 0; i < 2; i++) {
		sctp_free(p->a[i]);
		p->a[i] = NULL;
	}
	while (p->count > 0) {
		free(p->q[p->head].p);
		p->head = (p->head + 1) % PAIR_QMAX;
		p->count--;
	}
}

uint32_t
pair_crc32c(const uint8_t *p, size_t n)
{
	uint32_t c = 0xFFFFFFFFu;

	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
	}
	return ~c;
}

uint32_t
pair_rand(uint32_t *s)
{
	uint32_t x = *s ? *s : 0x9E3779B9u;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*s = x;
	return x;
}

int
pair_run_suite_nofork(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
