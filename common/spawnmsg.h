/* spawnmsg: the messages between the supervisor and the worker template
 * (worker/template.c). One SOCK_SEQPACKET message of exactly SPAWNMSG_LEN
 * bytes, big endian: magic u16, type u8, log level u8, serial u32, value u32,
 * reserved u32 (zero). A SPAWN request carries the new worker's channel as an
 * SCM_RIGHTS fd and its memory limit (MiB) in value; the template answers
 * SPAWNED (value: the worker's pid) or FAILED (value: errno). */
#ifndef RTCD_SPAWNMSG_H
#define RTCD_SPAWNMSG_H

#include <stddef.h>
#include <stdint.h>

#define SPAWNMSG_LEN 16
#define SPAWNMSG_MAGIC 0x7a79        /* "zy" */

enum spawnmsg_type {
	SPAWNMSG_SPAWN = 1,      /* S->T: fork a worker on the passed channel */
	SPAWNMSG_SPAWNED,        /* T->S: value = pid */
	SPAWNMSG_FAILED,         /* T->S: value = errno */
};

struct spawnmsg {
	uint8_t type;
	uint8_t log_level;
	uint32_t serial;
	uint32_t value;
};

void spawnmsg_encode(const struct spawnmsg *m, uint8_t out[SPAWNMSG_LEN]);
/* 0, or -1 for a wrong length, magic, type or reserved field. */
int spawnmsg_decode(const uint8_t *p, size_t len, struct spawnmsg *m);

#endif
