/* crc32c: the SCTP checksum (CRC32c, RFC 9260 appendix A), computed by us
 * instead of by usrsctp. Debian's usrsctp computes it byte table by byte
 * table, unoptimised: a fifth of a busy worker's CPU. Here it uses the
 * SSE4.2 crc32 instruction when the CPU has it, a slicing-by-8 table
 * otherwise. Incoming packets are not verified: SCTP runs inside DTLS,
 * whose record MAC already authenticates every byte (usrsctp's "CRC32c
 * offload" mode); outgoing packets must carry it for the peer. */
#ifndef RTCD_CRC32C_H
#define RTCD_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* Build the fallback tables and pick the implementation (idempotent;
 * before the sandbox). */
void crc32c_init(void);
/* Tests: 0 forces the table implementation, 1 the instruction (when the
 * CPU has it); returns whether the instruction is used now. */
int crc32c_select_hw(int on);
/* The value for the SCTP common header's checksum field, in the same form
 * as usrsctp_crc32c() (store it with memcpy at offset 8). */
uint32_t crc32c_sctp(const uint8_t *p, size_t n);
/* Compute and store the checksum of a whole SCTP packet (n >= 12; the
 * field is zeroed first). */
void crc32c_sctp_fill(uint8_t *pkt, size_t n);

#endif
