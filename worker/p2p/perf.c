/* perf: server side of /perf/1.0.0 (see perf.h). */
#include "perf.h"

#include <string.h>

void
perf_init(struct perf *p)
{
	memset(p, 0, sizeof(*p));
}

void
perf_input(struct perf *p, const uint8_t *data, size_t n)
{
	while (p->hdr_len < sizeof(p->hdr) && n > 0) {
		p->hdr[p->hdr_len++] = *data++;
		n--;
		if (p->hdr_len == sizeof(p->hdr))
			for (unsigned i = 0; i < sizeof(p->hdr); i++)
				p->to_send = p->to_send << 8 | p->hdr[i];
	}
	p->uploaded += n;
}

int
perf_on_eof(struct perf *p)
{
	if (p->hdr_len < sizeof(p->hdr))
		return -1;
	p->eof = 1;
	return 0;
}

size_t
perf_take(struct perf *p, size_t max)
{
	size_t k;

	if (!p->eof)
		return 0;
	k = p->to_send < max ? (size_t)p->to_send : max;
	p->to_send -= k;
	return k;
}

int
perf_done(const struct perf *p)
{
	return p->eof && p->to_send == 0;
}
