/* dcq: a bounded send queue in front of dc_send. What SCTP's send buffer
 * cannot take now waits here, in order, until the association is writable
 * again; past the byte bound the caller is told to close the channel, so a
 * peer that does not read cannot grow our memory. */
#ifndef RTCD_DCQ_H
#define RTCD_DCQ_H

#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

#include "datachannel.h"

struct dcq_item;

struct dcq {
	struct dc_mgr *dc;
	STAILQ_HEAD(, dcq_item) q;
	size_t bytes, max, peak;
};

void dcq_init(struct dcq *q, struct dc_mgr *dc, size_t max);
void dcq_free(struct dcq *q);
/* Send now or queue. 0, or -1 when over the bound or out of memory (the
 * caller closes the channel). */
int dcq_send(struct dcq *q, struct dc_channel *ch, int binary, const uint8_t *p, size_t n);
/* Retry queued messages (call on the writable event). */
void dcq_flush(struct dcq *q);
/* Forget what is queued for a channel (it closed). */
void dcq_drop(struct dcq *q, uint16_t sid);

#endif
