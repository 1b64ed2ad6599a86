/* spawnmsg: encoding and strict decoding of the supervisor <-> worker
 * template messages (format in spawnmsg.h). */
#include "spawnmsg.h"

#include "buf.h"

void
spawnmsg_encode(const struct spawnmsg *m, uint8_t out[SPAWNMSG_LEN])
{
	struct wr w;

	wr_init(&w, out, SPAWNMSG_LEN);
	wr_u16(&w, SPAWNMSG_MAGIC);
	wr_u8(&w, m->type);
	wr_u8(&w, m->log_level);
	wr_u32(&w, m->serial);
	wr_u32(&w, m->value);
	wr_u32(&w, 0);
}

int
spawnmsg_decode(const uint8_t *p, size_t len, struct spawnmsg *m)
{
	struct rd r;

	if (len != SPAWNMSG_LEN)
		return -1;
	rd_init(&r, p, len);
	if (rd_u16(&r) != SPAWNMSG_MAGIC)
		return -1;
	m->type = rd_u8(&r);
	m->log_level = rd_u8(&r);
	m->serial = rd_u32(&r);
	m->value = rd_u32(&r);
	if (rd_u32(&r) != 0 || !rd_done(&r))
		return -1;
	if (m->type < SPAWNMSG_SPAWN || m->type > SPAWNMSG_FAILED)
		return -1;
	return 0;
}
