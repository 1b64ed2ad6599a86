/* dcq: bounded, ordered send queue for data channels (see dcq.h). */
#include "dcq.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct dcq_item {
	STAILQ_ENTRY(dcq_item) link;
	uint16_t sid;
	int binary;
	size_t len;
	uint8_t data[];
};

void
dcq_init(struct dcq *q, struct dc_mgr *dc, size_t max)
{
	q->dc = dc;
	STAILQ_INIT(&q->q);
	q->bytes = 0;
	q->max = max;
	q->peak = 0;
}

void
dcq_drop(struct dcq *q, uint16_t sid)
{
	struct dcq_item **pp = &STAILQ_FIRST(&q->q), *e;

	while ((e = *pp) != NULL) {
		if (sid != UINT16_MAX && e->sid != sid) {
			pp = &STAILQ_NEXT(e, link);
			continue;
		}
		*pp = STAILQ_NEXT(e, link);
		q->bytes -= e->len;
		free(e);
	}
	/* restore the tail pointer after unlinking */
	q->q.stqh_last = &STAILQ_FIRST(&q->q);
	STAILQ_FOREACH(e, &q->q, link)
		q->q.stqh_last = &STAILQ_NEXT(e, link);
}

void
dcq_free(struct dcq *q)
{
	dcq_drop(q, UINT16_MAX);
}

int
dcq_send(struct dcq *q, struct dc_channel *ch, int binary, const uint8_t *p, size_t n)
{
	struct dcq_item *e;

	if (STAILQ_EMPTY(&q->q)) {
		if (dc_send(q->dc, ch, binary, p, n) == 0)
			return 0;
		if (errno != EAGAIN)
			return 0;   /* channel closing or gone: nothing to queue for */
	}
	if (q->bytes + n > q->max)
		return -1;
	e = malloc(sizeof(*e) + n);
	if (e == NULL)
		return -1;
	e->sid = ch->sid;
	e->binary = binary;
	e->len = n;
	memcpy(e->data, p, n);
	STAILQ_INSERT_TAIL(&q->q, e, link);
	q->bytes += n;
	if (q->bytes > q->peak)
		q->peak = q->bytes;
	return 0;
}

void
dcq_flush(struct dcq *q)
{
	struct dcq_item *e;

	while ((e = STAILQ_FIRST(&q->q)) != NULL) {
		struct dc_channel *ch = dc_get(q->dc, e->sid);
		if (ch != NULL && dc_send(q->dc, ch, e->binary, e->data, e->len) < 0 && errno == EAGAIN)
			return;
		STAILQ_REMOVE_HEAD(&q->q, link);
		q->bytes -= e->len;
		free(e);
	}
}
