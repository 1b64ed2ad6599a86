/* sctppair: two sctp associations in one process for the unit tests. Each
 * association's cfg.send appends to a bounded queue; pair_step delivers the
 * queue (never recursively) and then advances a simulated clock by one
 * sctp_tick. Also a CRC32c for crafting SCTP packets and a no-fork runner
 * (usrsctp is process-global and its iterator thread does not survive fork). */
#ifndef RTCD_SCTPPAIR_H
#define RTCD_SCTPPAIR_H

#include <check.h>
#include <stddef.h>
#include <stdint.h>

#include "worker/sctp.h"

#define PAIR_QMAX 16384            /* queued packets; more are dropped */
#define PAIR_STEP_PKTS 200000      /* deliveries per step */

struct pair_pkt {
	int to;
	size_t n;
	uint8_t *p;
};

struct pair {
	struct sctp_assoc *a[2];
	struct pair_pkt q[PAIR_QMAX];
	size_t head, count;
	uint64_t now_ms;
	uint64_t delivered, dropped;
	int drop_all;                  /* black-hole the link */
};

void pair_init(struct pair *p);
/* Queue a packet for a[to]; 0, or -1 when dropped. */
int pair_send(struct pair *p, int to, const uint8_t *pkt, size_t n);
/* Deliver everything queued, then tick SCTP_TICK_MS. */
void pair_step(struct pair *p);
/* Step until done(arg) is true or max_steps passed; returns done(arg). */
int pair_run(struct pair *p, int (*done)(void *), void *arg, int max_steps);
/* Free the associations and any queued packet. */
void pair_fini(struct pair *p);

uint32_t pair_crc32c(const uint8_t *p, size_t n);
/* Seeded xorshift PRNG for reproducible random data. */
uint32_t pair_rand(uint32_t *state);
int pair_run_suite_nofork(Suite *s);

#endif
