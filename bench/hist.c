/* hist: log-linear latency histogram (see hist.h). A value v < 2 * SUB goes
 * to bucket v; above, with e = floor(log2 v) and shift = e - 6, to bucket
 * 64 * shift + (v >> shift), whose top 6 bits below the leading one are
 * kept. */
#include "bench/hist.h"

#define HIST_MAX_US 0xffffffffull

static unsigned
bucket(uint64_t v)
{
	unsigned shift = 0;

	if (v > HIST_MAX_US)
		v = HIST_MAX_US;
	while ((v >> shift) >= 2 * HIST_SUB)
		shift++;
	return HIST_SUB * shift + (unsigned)(v >> shift);
}

/* The largest value that lands in bucket i. */
static uint64_t
bucket_top(unsigned i)
{
	unsigned shift;

	if (i < 2 * HIST_SUB)
		return i;
	shift = i / HIST_SUB - 1;
	return ((uint64_t)(i - HIST_SUB * shift + 1) << shift) - 1;
}

void
hist_add(struct hist *h, uint64_t us)
{
	h->count[bucket(us)]++;
	h->n++;
	if (us > h->max)
		h->max = us;
}

uint64_t
hist_pct(const struct hist *h, double q)
{
	uint64_t rank, seen = 0;

	if (h->n == 0)
		return 0;
	rank = (uint64_t)((double)h->n * q / 100.0 + 0.999999);
	if (rank < 1)
		rank = 1;
	for (unsigned i = 0; i < HIST_BUCKETS; i++) {
		seen += h->count[i];
		if (seen >= rank)
			return bucket_top(i) < h->max ? bucket_top(i) : h->max;
	}
	return h->max;
}
