/* hist: a fixed-size latency histogram for the load generator: values in
 * microseconds, log-linear buckets (exact below 128 us, then 64 buckets per
 * power of two: <= 1.6 % error), any count of samples in constant memory. */
#ifndef RTCD_BENCH_HIST_H
#define RTCD_BENCH_HIST_H

#include <stdint.h>

#define HIST_SUB 64                     /* buckets per power of two */
#define HIST_BUCKETS (HIST_SUB * 28)    /* values up to 2^32 us (over an hour) */

struct hist {
	uint64_t count[HIST_BUCKETS];
	uint64_t n, max;
};

void hist_add(struct hist *h, uint64_t us);
/* Nearest-rank percentile (q in percent, 0 < q <= 100) in microseconds:
 * the upper bound of the bucket holding that sample, capped by the largest
 * value seen; 0 when empty. */
uint64_t hist_pct(const struct hist *h, double q);

#endif
